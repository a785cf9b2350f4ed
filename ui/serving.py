"""`pagewise serve-llm`: run vLLM's OpenAI-compatible server for the assistant, safely.

The launcher builds the `vllm serve` command from the settings (loopback, an API key, prefix
caching for the shared system prompt), starts it in its own process group with its output in
the log dir, waits for ``/health``, sends one warm-up request and then reports ready. Stopping
the launcher (Ctrl-C, SIGTERM) stops the server.
"""

from __future__ import annotations

import importlib.util
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from assistant.embedded_llm import DEFAULT_MODEL
from pagewise.errors import ConfigError, PagewiseError
from pagewise.policies import load_policies
from pagewise.settings import Settings

DEFAULT_SERVED_MODEL = DEFAULT_MODEL  # the packaged model, converted for vLLM
KEY_FILE = "vllm-api-key"


class ServingError(PagewiseError):
    """vLLM could not be started or did not become ready."""


def served_model_name(settings: Settings) -> str:
    """The model name requests use: ``llm_model``, else the served directory's name."""
    if settings.llm_model:
        return settings.llm_model
    if settings.vllm_model:
        return Path(settings.vllm_model).name
    return DEFAULT_SERVED_MODEL


def api_key(settings: Settings, create: bool = False) -> str | None:
    """``llm_api_key``, else the key kept in the data dir (made on first start, mode 0600)."""
    if settings.llm_api_key:
        return settings.llm_api_key.get_secret_value()
    path = settings.data_dir / KEY_FILE
    if path.is_file():
        return path.read_text(encoding="utf-8").strip()
    if not create:
        return None
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(32)
    # Created with its final mode so the key is never readable by others, not even briefly.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key + "\n")
    return key


def vllm_executable(settings: Settings, strict: bool = True) -> list[str]:
    """How to run vLLM here; ``strict=False`` says plain ``vllm`` when it is not installed."""
    if settings.vllm_executable:
        return [settings.vllm_executable]
    if found := shutil.which("vllm"):
        return [found]
    if importlib.util.find_spec("vllm") is not None:
        return [sys.executable, "-m", "vllm.entrypoints.cli.main"]
    if not strict:
        return ["vllm"]
    raise ConfigError(
        "vLLM is not installed here. Install it on the GPU host (`pip install vllm`, the release"
        " built for the host's PyTorch and CUDA), or set vllm_executable."
    )


def vllm_command(
    settings: Settings, model_dir: str, executable: list[str] | None = None
) -> list[str]:
    """The `vllm serve` command line. The API key travels in the environment, not here, so
    it does not show in `ps`."""
    command = [
        *(executable or vllm_executable(settings)),
        "serve",
        model_dir,
        "--served-model-name",
        served_model_name(settings),
        "--host",
        settings.vllm_host,
        "--port",
        str(settings.vllm_port),
        "--max-model-len",
        str(settings.vllm_max_model_len),
        "--max-num-seqs",
        str(settings.vllm_max_num_seqs),
        "--gpu-memory-utilization",
        f"{settings.vllm_gpu_memory_utilization:g}",
        "--tensor-parallel-size",
        str(settings.vllm_tensor_parallel_size),
        "--enable-prefix-caching" if settings.vllm_prefix_caching else "--no-enable-prefix-caching",
        "--generation-config",
        "vllm",  # sampling defaults from the request, not from the model folder
        "--disable-uvicorn-access-log",
    ]
    if settings.vllm_lora_modules:
        command += ["--enable-lora", "--lora-modules"]
        command += [f"{name}={path}" for name, path in sorted(settings.vllm_lora_modules.items())]
    return command + list(settings.vllm_extra_args)


def model_directory(settings: Settings, echo: Callable[[str], None] = print) -> str:
    """The directory vLLM serves: ``vllm_model``, else the packaged model converted once."""
    if settings.vllm_model:
        path = Path(settings.vllm_model)
        if not path.is_dir():
            raise ConfigError(
                f"vllm_model {settings.vllm_model!r} is not a directory. Give a local model"
                " folder (config.json + weights): nothing is downloaded at run time."
            )
        return str(path)
    from assistant.model_export import export_packaged_model

    return str(export_packaged_model(settings.data_dir / "models", echo=echo))


class VLLMServer:
    """One `vllm serve` process, started in its own process group and stopped with it."""

    def __init__(self, command: list[str], base_url: str, key: str | None, log_path: Path):
        self.command = command
        self.base_url = base_url.rstrip("/")
        self.key = key
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self._client = httpx.Client(headers=headers, timeout=10.0, trust_env=False)

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ)
        if self.key:
            env["VLLM_API_KEY"] = self.key
        # No telemetry leaves the building, and nothing is fetched from a model hub.
        env.update(VLLM_NO_USAGE_STATS="1", DO_NOT_TRACK="1", HF_HUB_OFFLINE="1")
        env.update(TRANSFORMERS_OFFLINE="1")
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.command,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                start_new_session=True,
            )

    def wait_ready(self, timeout: float, progress: Callable[[float], None] | None = None) -> None:
        """Poll ``/health`` until it answers 200; fail early if the process exits."""
        health = self.base_url.removesuffix("/v1") + "/health"
        started = time.monotonic()
        next_report = started + 15
        while True:
            if self.process is not None and self.process.poll() is not None:
                raise ServingError(
                    f"vLLM exited with code {self.process.returncode} while starting."
                    f" Last lines of {self.log_path}:\n{self.log_tail()}"
                )
            try:
                if self._client.get(health).status_code == 200:
                    return
            except httpx.HTTPError:
                pass  # not listening yet
            now = time.monotonic()
            if now - started > timeout:
                raise ServingError(
                    f"vLLM did not become healthy within {timeout:g} s (vllm_startup_timeout)."
                    f" Last lines of {self.log_path}:\n{self.log_tail()}"
                )
            if progress is not None and now >= next_report:
                progress(now - started)
                next_report = now + 15
            time.sleep(1.0)

    def warm_up(self, model: str, system_prompt: str) -> float:
        """One short request with the shared system prompt, so its KV cache is ready (prefix
        caching) and the first user does not pay for lazy initialisation. Returns seconds."""
        started = time.monotonic()
        body = {
            "model": model,
            "messages": [
                {"role": "system", "content": system_prompt},
                {"role": "user", "content": "ping"},
            ],
            "max_tokens": 8,
            "temperature": 0.0,
        }
        try:
            response = self._client.post(
                f"{self.base_url}/chat/completions", json=body, timeout=120
            )
        except httpx.HTTPError as exc:
            raise ServingError(
                f"vLLM answered /health but not the warm-up request ({exc!r}). Last lines of"
                f" {self.log_path}:\n{self.log_tail()}"
            ) from exc
        if response.status_code != 200:
            raise ServingError(
                f"vLLM is up but the warm-up request failed (HTTP {response.status_code}):"
                f" {response.text[:300]}"
            )
        return time.monotonic() - started

    def stop(self, grace: float = 30.0) -> None:
        """SIGTERM to the whole process group (vLLM has worker processes), SIGKILL if slow."""
        process = self.process
        self._client.close()
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def wait(self) -> int:
        """Block until the server exits; its exit code."""
        assert self.process is not None
        return self.process.wait()


@dataclass(frozen=True)
class Startup:
    """Seconds spent on each step of a start."""

    conversion: float
    health: float
    warm_up: float


def start_ready(
    settings: Settings, echo: Callable[[str], None] = print
) -> tuple[VLLMServer, Startup]:
    """Start vLLM for ``settings``, wait until it answers, warm it up; the caller stops it."""
    executable = vllm_executable(settings)  # before a long conversion that would be in vain
    began = time.monotonic()
    model_dir = model_directory(settings, echo)
    conversion = time.monotonic() - began
    command = vllm_command(settings, model_dir, executable)
    server = VLLMServer(
        command, settings.vllm_url, api_key(settings, create=True), settings.log_dir / "vllm.log"
    )
    echo(f"Starting vLLM for {model_dir} on {settings.vllm_url} (log: {server.log_path})")
    began = time.monotonic()
    server.start()
    try:
        server.wait_ready(
            settings.vllm_startup_timeout, lambda s: echo(f"  still loading ({s:.0f} s)…")
        )
        health = time.monotonic() - began
        system_prompt = load_policies(settings.policies_dir).system_prompt
        warm = server.warm_up(served_model_name(settings), system_prompt)
    except BaseException:
        server.stop()
        raise
    return server, Startup(conversion, health, warm)


def serve(settings: Settings, echo: Callable[[str], None] = print) -> None:
    """`pagewise serve-llm`: run vLLM until Ctrl-C or SIGTERM, then stop it."""
    if settings.vllm_host not in ("127.0.0.1", "localhost", "::1"):
        echo(
            f"Warning: vLLM will listen on {settings.vllm_host}, reachable from other machines;"
            " only its API key protects it."
        )
    # SIGTERM (systemd, docker stop) ends the launcher like Ctrl-C, so vLLM is stopped too.
    previous = signal.signal(signal.SIGTERM, _interrupt)
    server: VLLMServer | None = None
    try:
        server, startup = start_ready(settings, echo)
        echo(
            f"Ready in {startup.health:.0f} s: model {served_model_name(settings)} at"
            f' {settings.vllm_url}. The assistant uses it with llm_backend = "vllm".'
            " Ctrl-C stops it."
        )
        code = server.wait()
        raise ServingError(
            f"vLLM stopped by itself (exit code {code}). Last lines of {server.log_path}:\n"
            f"{server.log_tail()}"
        )
    except KeyboardInterrupt:
        echo("Stopping vLLM…")
    finally:
        if server is not None:
            server.stop()
        signal.signal(signal.SIGTERM, previous)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
