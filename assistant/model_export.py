"""Turn the packaged GGUF model into a Hugging Face folder that vLLM serves on a GPU.

vLLM serves plain bf16 weights fastest, and its GGUF support is a separate plugin; the
packaged model is the same one the CPU default runs, so answers stay comparable between the
two backends. The conversion needs torch, transformers and gguf, which a vLLM host has (gguf
being the only extra), and runs once: the folder is reused on the next start.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from assistant.embedded_llm import DEFAULT_MODEL, PACKAGED_MODELS, assemble
from assistant.llm import LLMError


def export_packaged_model(
    models_dir: Path, model: str = DEFAULT_MODEL, echo: Callable[[str], None] = print
) -> Path:
    """``models_dir/<model>-hf``, made from the packaged GGUF the first time it is needed."""
    target = models_dir / f"{model}-hf"
    if (target / "config.json").is_file():
        return target
    spec = PACKAGED_MODELS[model]
    gguf_path = assemble(spec, models_dir)
    echo(f"Converting the packaged model {model} for vLLM (once) into {target} …")
    export_gguf(gguf_path, target)
    return target


def export_gguf(gguf_path: Path, target: Path) -> None:
    """Dequantize ``gguf_path`` into bf16 safetensors + tokenizer + chat template."""
    try:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer
    except ImportError as exc:
        raise LLMError(
            f"converting the packaged model needs torch and transformers ({exc.name} is"
            " missing): run this on the vLLM host, where both are installed"
        ) from exc
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    try:
        tokenizer = AutoTokenizer.from_pretrained(
            str(gguf_path.parent), gguf_file=gguf_path.name, local_files_only=True
        )
        if not tokenizer.chat_template:
            tokenizer.chat_template = _gguf_chat_template(gguf_path)
        weights = AutoModelForCausalLM.from_pretrained(
            str(gguf_path.parent),
            gguf_file=gguf_path.name,
            dtype=torch.bfloat16,
            local_files_only=True,
        )
        _save(weights, partial)
        tokenizer.save_pretrained(str(partial))
    except ImportError as exc:  # transformers names gguf when it is missing
        shutil.rmtree(partial, ignore_errors=True)
        raise LLMError(f"converting the packaged model failed: {exc} (pip install gguf)") from exc
    # Renamed only when whole, so an interrupted conversion is redone rather than served.
    shutil.rmtree(target, ignore_errors=True)
    partial.rename(target)


def _save(weights: Any, folder: Path) -> None:
    """Write the dequantized weights and their config. Not ``save_pretrained``: transformers
    still marks a model loaded from GGUF as quantized and refuses to save it."""
    from safetensors.torch import save_file

    folder.mkdir(parents=True)
    config = weights.config.to_dict()
    config.pop("quantization_config", None)
    tensors = {name: t.contiguous() for name, t in weights.state_dict().items()}
    if config.get("tie_word_embeddings"):
        tensors.pop("lm_head.weight", None)  # the same tensor as the embeddings
    save_file(tensors, str(folder / "model.safetensors"), metadata={"format": "pt"})
    (folder / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")


def _gguf_chat_template(gguf_path: Path) -> str | None:
    from gguf import GGUFReader

    field = GGUFReader(str(gguf_path)).fields.get("tokenizer.chat_template")
    if field is None:
        return None
    return bytes(field.parts[field.data[0]]).decode("utf-8")
