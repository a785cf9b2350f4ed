"""Build the stash that `bench/serve-on-gpu.sh` installs on a GPU host without network.

    python3 bench/gpu_stash.py --out .stash            # wheels, trimmed vLLM, model parts
    python3 bench/gpu_stash.py --out .stash --parts 60  # ... split into 60 MiB carry folders

The GPU host's image already has Python 3.12, PyTorch 2.11 (CUDA 13), transformers and the
rest of `IMAGE_PACKAGES`; what vLLM 0.26 needs beyond them is resolved here from its wheel
metadata (no dependencies of image packages are fetched: their versions satisfy vLLM's pins)
and downloaded as wheels for CPython 3.12 on x86-64 Linux. Packages vLLM imports only for
features the benchmark does not use (other attention kernels, video decoding, MoE and FP8
kernel compilers) are left out, which saves ~1 GB. vLLM's own wheel is trimmed of the
FlashAttention-2 kernels (Hopper runs FlashAttention-3), Blackwell-only sources and other
Pythons' builds, and packed with xz. The model is the packaged GGUF, the embedded default, in
parts. `--parts N` lays everything out in folders of at most N MiB (g00, g01, …), each of which
one device call carries (the device's limit is 64 MiB a call, the repository included); the
command there copies each folder's files into one stash directory.

Writes `lock.txt` (name==version of every wheel) beside the stash so a run is repeatable.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

# What the GPU image ('cuda', KINDS.md of the device tool) already holds.
_IMAGE = """absl-py accelerate aiofiles aiohappyeyeballs aiohttp aiosignal annotated-doc anyio attrs
    botorch build certifi charset-normalizer chex click cloudpickle cmake colorama contourpy
    coverage cuda-bindings cuda-core cuda-pathfinder cuda-toolkit cupy-cuda13x cycler cython
    diffrax e3nn einops equinox etils execnet filelock flatbuffers flax fonttools formulaic
    frozenlist fsspec gpytorch grpcio h11 h5py hf-xet httpcore httpx huggingface-hub humanize
    hypothesis idna imageio iniconfig interface-meta jax jax-cuda13-pjrt jax-cuda13-plugin jaxlib
    jaxtyping jinja2 joblib kiwisolver lazy-loader lightning lightning-utilities linear-operator
    lineax llvmlite lxml markdown markdown-it-py markupsafe matplotlib mdurl meson ml-dtypes
    mpi4py mpmath msgpack multidict multipledispatch mypy-extensions nanobind narwhals networkx
    ninja numba numba-cuda numpy numpyro nvidia-cublas nvidia-cuda-cupti nvidia-cuda-nvrtc
    nvidia-cuda-runtime nvidia-cudnn-cu13 nvidia-cufft nvidia-cufile nvidia-curand
    nvidia-cusolver nvidia-cusparse nvidia-cusparselt-cu13 nvidia-ml-py nvidia-nccl-cu13
    nvidia-nvjitlink nvidia-nvshmem-cu13 nvidia-nvtx onnx onnx-ir onnxruntime onnxscript
    opencv-python-headless optax opt-einsum opt-einsum-fx optimistix orbax-checkpoint packaging
    pandas pathspec patsy peft pillow pip pluggy portalocker prometheus-client propcache protobuf
    psutil pyarrow pybind11 py-cpuinfo pygments pyparsing pyproject-hooks pyre-extensions pytest
    pytest-benchmark pytest-cov pytest-mock pytest-timeout pytest-xdist python-dateutil
    pytorch-lightning pyyaml regex requests rich sacrebleu safetensors scikit-build-core
    scikit-image scikit-learn scipy seaborn sentencepiece sentence-transformers setuptools
    shellingham simplejson six sortedcontainers statsmodels sympy tabulate tensorboard
    tensorboard-data-server tensorstore threadpoolctl tifffile tiktoken timm tokenizers toolz
    torch torchaudio torchdiffeq torch-geometric torchmetrics torchvision tqdm transformers
    treescope triton typer typing-extensions typing-inspect urllib3 uvloop wadler-lindig werkzeug
    wheel wrapt xarray xxhash yarl zipp"""
IMAGE_PACKAGES = set(_IMAGE.split())
# Imported by vLLM only for features a dense bf16 chat model served greedily does not use.
NOT_NEEDED = {
    "pynvvideocodec": "video input",
    "torchcodec": "video and audio input",
    "tilelang": "MLA / sparse attention kernels",
    "nvidia-cutlass-dsl": "CuTe DSL kernels (FP4/FP8, Blackwell)",
    "nvidia-cutlass-dsl-libs-cu13": "CuTe DSL kernels",
    "nvidia-cutlass-dsl-libs-base": "CuTe DSL kernels",
    "quack-kernels": "CuTe DSL kernels",
    "humming-kernels": "MoE kernels",
    "tokenspeed-mla": "MLA attention (DeepSeek models)",
    "flashinfer-cubin": "FlashInfer's prebuilt kernels (FlashAttention-3 serves Hopper)",
    "cuda-tile": "FlashInfer's tile kernels",
    "fastsafetensors": "GPU-direct weight loading (plain safetensors loading is used)",
    "nvidia-cudnn-frontend": "FlashInfer's cuDNN path",
}
ROOTS = ["vllm==0.26.0", "gguf>=0.10", "pydantic-settings>=2.6"]
# Where the metadata disagrees with itself: vLLM 0.26 pins apache-tvm-ffi 0.1.10, but the
# xgrammar it requires imports an API that came in 0.1.11 (seen failing on the GPU host).
OVERRIDES = {"apache-tvm-ffi": "apache-tvm-ffi>=0.1.11,<0.2"}
PLATFORMS = [
    "manylinux_2_39_x86_64", "manylinux_2_35_x86_64", "manylinux_2_34_x86_64",
    "manylinux_2_31_x86_64", "manylinux_2_28_x86_64", "manylinux_2_27_x86_64",
    "manylinux_2_24_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64",
    "manylinux1_x86_64", "linux_x86_64",
]  # fmt: skip
ENVIRONMENT = {
    "python_version": "3.12",
    "python_full_version": "3.12.3",
    "platform_machine": "x86_64",
    "platform_system": "Linux",
    "sys_platform": "linux",
    "os_name": "posix",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
}
# Trimmed from vLLM's wheel: not loaded on a Hopper GPU with CPython 3.12.
TRIM = re.compile(
    r"^vllm/(vllm_flash_attn/_vllm_fa2_C\.abi3\.so|vllm-rs|third_party/fmha_sm100/"
    r"|third_party/deep_gemm/_C\.cpython-3(?:10|11|13|14)-)"
)


def norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def download(requirement: str, into: Path) -> Path:
    before = set(into.iterdir())
    platforms = [arg for p in PLATFORMS for arg in ("--platform", p)]
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
         "--python-version", "3.12", "--implementation", "cp", *platforms, "--platform", "any",
         "-d", str(into), requirement],
        check=True,
    )  # fmt: skip
    new = set(into.iterdir()) - before
    if not new:  # already there from an earlier run
        name = norm(Requirement(requirement).name)
        return next(p for p in into.iterdir() if norm(p.name.split("-")[0]) == name)
    return new.pop()


def requirements(wheel: Path, extras: set[str], base: bool = True) -> list[Requirement]:
    """The wheel's needs on the GPU host: those without an extra (when ``base``) and those of
    the given ``extras``."""
    with zipfile.ZipFile(wheel) as archive:
        meta = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        lines = archive.read(meta).decode("utf-8").splitlines()
    asked = extras | ({""} if base else set())
    found = []
    for line in lines:
        if not line.startswith("Requires-Dist:"):
            continue
        req = Requirement(line.split(":", 1)[1].strip())
        marker: Marker | None = req.marker
        if marker is None:
            wanted = base
        else:
            wanted = any(marker.evaluate({**ENVIRONMENT, "extra": extra}) for extra in asked)
            if not base:  # only what the new extras add, not the base needs again
                wanted = wanted and not marker.evaluate({**ENVIRONMENT, "extra": ""})
        if wanted:
            found.append(req)
    return found


def resolve(wheels: Path) -> dict[str, Path]:
    """Every wheel the roots need beyond the image, with the extras each is asked for
    (a package first met without an extra is read again when a later need names one)."""
    chosen: dict[str, Path] = {}
    extras: dict[str, set[str]] = {}
    queue = [Requirement(root) for root in ROOTS]
    while queue:
        req = queue.pop(0)
        name = norm(req.name)
        if name in IMAGE_PACKAGES or name in NOT_NEEDED:
            continue
        if name in chosen:
            new = set(req.extras) - extras[name]
            if new:
                extras[name] |= new
                queue.extend(requirements(chosen[name], new, base=False))
            continue
        wheel = download(OVERRIDES.get(name, f"{req.name}{req.specifier}"), wheels)
        chosen[name] = wheel
        extras[name] = set(req.extras)
        print(f"  {wheel.name} ({wheel.stat().st_size / 2**20:.1f} MiB)", flush=True)
        queue.extend(requirements(wheel, set(req.extras)))
    return chosen


def trim_vllm(wheel: Path, out: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        with zipfile.ZipFile(wheel) as archive:
            keep = [n for n in archive.namelist() if not TRIM.match(n)]
            archive.extractall(tmp, members=keep)
        with tarfile.open(out, "w:xz", preset=6) as tar:
            for child in sorted(Path(tmp).iterdir()):
                tar.add(child, arcname=child.name)


def lay_out(stash: Path, part_mib: int) -> None:
    """Move every file of the stash into folders g00, g01, … of at most ``part_mib`` MiB, as
    ``<folder>__<name>`` (``top`` for the stash itself), splitting larger files into
    ``<name>.partNN`` pieces (first fit, largest first). `bench/serve-on-gpu.sh` puts them
    back together."""
    limit = part_mib * 2**20
    pieces: list[Path] = []
    for path in sorted(p for p in stash.rglob("*") if p.is_file() and p.name != "lock.txt"):
        if path.stat().st_size <= limit:
            pieces.append(path)
            continue
        with path.open("rb") as whole:
            index = 0
            while chunk := whole.read(limit):
                piece = path.with_name(f"{path.name}.part{index:02d}")
                piece.write_bytes(chunk)
                pieces.append(piece)
                index += 1
        path.unlink()
    bins: list[list[Path]] = []
    sizes: list[int] = []
    for piece in sorted(pieces, key=lambda p: -p.stat().st_size):
        size = piece.stat().st_size
        for i, total in enumerate(sizes):
            if total + size <= limit:
                bins[i].append(piece)
                sizes[i] += size
                break
        else:
            bins.append([piece])
            sizes.append(size)
    for number, members in enumerate(bins):
        target = stash / f"g{number:02d}"
        target.mkdir()
        for piece in members:
            folder = "top" if piece.parent == stash else piece.parent.name
            shutil.move(str(piece), target / f"{folder}__{piece.name}")
    for folder in ("wheels", "model"):
        shutil.rmtree(stash / folder, ignore_errors=True)
    print(f"{len(bins)} carry folders of at most {part_mib} MiB in {stash}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--gguf", type=Path, help="The packaged GGUF (default: assembled).")
    parser.add_argument("--parts", type=int, help="Lay out in carry folders of N MiB.")
    args = parser.parse_args()
    stash: Path = args.out
    wheels = stash / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    chosen = resolve(wheels)
    vllm = chosen.pop("vllm")
    if not (stash / "vllm-slim.tar.xz").is_file():  # xz takes minutes; keep an earlier one
        trim_vllm(vllm, stash / "vllm-slim.tar.xz")
    vllm.unlink()
    lock = "\n".join(sorted(p.name for p in chosen.values())) + "\nvllm-0.26.0 (trimmed)\n"
    (stash / "lock.txt").write_text(lock, encoding="utf-8")
    model = stash / "model"
    model.mkdir(exist_ok=True)
    gguf = args.gguf or packaged_gguf()
    shutil.copyfile(gguf, model / "qwen2.5-coder-1.5b-instruct.gguf")
    if args.parts:
        lay_out(stash, args.parts)


def packaged_gguf() -> Path:
    from assistant.embedded_llm import DEFAULT_MODEL, PACKAGED_MODELS, assemble

    return assemble(PACKAGED_MODELS[DEFAULT_MODEL], Path(tempfile.mkdtemp(prefix="gguf-")))


if __name__ == "__main__":
    main()
