"""`pagewise serve-llm`: the vLLM command line, the start/ready/stop life cycle, the wiring to
the assistant. CI has no GPU, so a stand-in `vllm` (tests/fake_vllm.py) serves on loopback;
the real vLLM run is bench/serve-on-gpu.sh on a GPU host."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from servers import free_port

from assistant.llm import Message
from pagewise.settings import Settings
from ui.components import lora_adapter, make_llm
from ui.serving import (
    ServingError,
    api_key,
    served_model_name,
    start_ready,
    vllm_command,
)

REPO = Path(__file__).resolve().parent.parent
FAKE_VLLM = Path(__file__).resolve().parent / "fake_vllm.py"


@pytest.fixture
def fake_vllm(tmp_path: Path) -> Path:
    script = tmp_path / "vllm"
    script.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{FAKE_VLLM}" "$@"\n')
    script.chmod(0o755)
    return script


@pytest.fixture
def gpu_settings(tmp_path: Path, fake_vllm: Path) -> Settings:
    model = tmp_path / "qwen-local"
    model.mkdir()
    return Settings(
        data_dir=tmp_path / "data",
        vllm_model=str(model),
        vllm_executable=str(fake_vllm),
        vllm_port=free_port(),
        vllm_startup_timeout=20,
    )


def option(command: list[str], name: str) -> str:
    return command[command.index(name) + 1]


def test_the_command_listens_on_loopback_with_prefix_caching_and_no_key_in_sight(
    settings: Settings,
) -> None:
    command = vllm_command(settings, "/models/qwen", ["vllm"])
    assert command[:3] == ["vllm", "serve", "/models/qwen"]
    assert option(command, "--host") == "127.0.0.1"
    assert option(command, "--port") == "8000"
    assert option(command, "--max-model-len") == "8192"
    assert option(command, "--max-num-seqs") == "128"
    assert option(command, "--gpu-memory-utilization") == "0.9"
    assert option(command, "--tensor-parallel-size") == "1"
    assert "--enable-prefix-caching" in command
    assert "--api-key" not in command  # it travels in VLLM_API_KEY, out of `ps`


def test_settings_reach_the_command_with_lora_adapters_and_extra_arguments(
    tmp_path: Path,
) -> None:
    settings = Settings(
        data_dir=tmp_path,
        vllm_tensor_parallel_size=2,
        vllm_max_num_seqs=64,
        vllm_prefix_caching=False,
        vllm_lora_modules={"finance": Path("/lora/finance"), "engineering": Path("/lora/eng")},
        vllm_extra_args=["--enforce-eager"],
    )
    command = vllm_command(settings, "/models/qwen", ["vllm"])
    assert option(command, "--tensor-parallel-size") == "2"
    assert option(command, "--max-num-seqs") == "64"
    assert "--no-enable-prefix-caching" in command
    assert "--enable-lora" in command
    lora = command.index("--lora-modules")
    assert command[lora + 1 : lora + 3] == ["engineering=/lora/eng", "finance=/lora/finance"]
    assert command[-1] == "--enforce-eager"


def test_the_launcher_waits_for_health_warms_up_and_stops_the_server(
    gpu_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_VLLM_SLOW", "1.5")
    server, startup = start_ready(gpu_settings, echo=lambda line: None)
    try:
        assert startup.health >= 1.5  # it waited for /health instead of racing the load
        assert server.process is not None and server.process.poll() is None
        key_file = gpu_settings.data_dir / "vllm-api-key"
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        assert option(server.command, "--host") == "127.0.0.1"
        health = httpx.get(gpu_settings.vllm_url.removesuffix("/v1") + "/health")
        assert health.status_code == 200
        unauthorised = httpx.post(gpu_settings.vllm_url + "/chat/completions", json={})
        assert unauthorised.status_code == 401
    finally:
        server.stop()
    assert server.process.poll() is not None
    with pytest.raises(httpx.ConnectError):
        httpx.get(gpu_settings.vllm_url.removesuffix("/v1") + "/health")


def test_a_server_that_dies_while_starting_is_reported_with_its_log(
    gpu_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_VLLM_FAIL", "1")
    with pytest.raises(ServingError, match="no GPU found") as failure:
        start_ready(gpu_settings, echo=lambda line: None)
    assert "exited with code 1" in str(failure.value)


def test_the_assistant_answers_through_the_launched_server_with_no_more_settings(
    gpu_settings: Settings,
) -> None:
    server, _ = start_ready(gpu_settings, echo=lambda line: None)
    try:
        assistant_settings = gpu_settings.model_copy(update={"llm_backend": "vllm"})
        llm = make_llm(assistant_settings)  # the served name and the key come from serve-llm
        assert served_model_name(assistant_settings) == "qwen-local"
        assert api_key(assistant_settings) is not None
        text = "".join(llm.stream([Message("user", "java.sql.Date?")], 32, 0.0))
        assert text == "不允许使用 [1]。"
    finally:
        server.stop()


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ui", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        cwd=REPO,
        timeout=60,
    )


def test_print_command_shows_the_vllm_command_line_and_starts_nothing(tmp_path: Path) -> None:
    result = run_cli("serve-llm", "--print-command", "--port", "8123", env={})
    assert result.returncode == 0, result.stderr
    assert "serve" in result.stdout
    assert "--host 127.0.0.1 --port 8123" in result.stdout
    assert "--enable-prefix-caching" in result.stdout


def test_serve_llm_without_vllm_says_what_to_install_without_a_traceback(
    tmp_path: Path,
) -> None:
    result = run_cli("serve-llm", env={"PAGEWISE_DATA_DIR": str(tmp_path / "data")})
    assert result.returncode == 3
    assert "vLLM is not installed" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "data" / "models").exists()  # no conversion in vain


def test_serve_llm_runs_until_interrupted_and_stops_vllm(gpu_settings: Settings) -> None:
    env = {
        **os.environ,
        "PAGEWISE_DATA_DIR": str(gpu_settings.data_dir),
        "PAGEWISE_VLLM_MODEL": str(gpu_settings.vllm_model),
        "PAGEWISE_VLLM_EXECUTABLE": str(gpu_settings.vllm_executable),
        "PAGEWISE_VLLM_PORT": str(gpu_settings.vllm_port),
    }
    launcher = subprocess.Popen(
        [sys.executable, "-m", "ui", "serve-llm"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=REPO,
    )
    assert launcher.stdout is not None
    lines = []
    for line in launcher.stdout:
        lines.append(line)
        if line.startswith("Ready"):
            break
    assert any("Ready" in line for line in lines), lines
    launcher.send_signal(signal.SIGTERM)
    output, _ = launcher.communicate(timeout=30)
    assert launcher.returncode == 0, output
    assert "Stopping vLLM" in output
    with pytest.raises(httpx.ConnectError):
        httpx.get(gpu_settings.vllm_url.removesuffix("/v1") + "/health")


def test_a_department_with_a_lora_adapter_is_answered_through_it(gpu_settings: Settings) -> None:
    adapter_dir = Path(str(gpu_settings.vllm_model)).parent / "lora-finance"
    settings = gpu_settings.model_copy(
        update={"llm_backend": "vllm", "vllm_lora_modules": {"finance": adapter_dir}}
    )
    server, _ = start_ready(settings, echo=lambda line: None)
    try:
        for groups in (("staff", "finance"), ("engineering",)):
            llm = make_llm(settings, lora_adapter(settings, groups))
            assert "".join(llm.stream([Message("user", "报销？")], 16, 0.0))
    finally:
        server.stop()
    asked = Path(str(settings.vllm_model), "models-asked.txt").read_text().split()
    # the warm-up, then the finance member through the adapter, the engineer through the base
    assert asked == ["qwen-local", "finance", "qwen-local"]


def test_adapters_are_only_chosen_for_the_vllm_backend(tmp_path: Path) -> None:
    lora = {"finance": tmp_path}
    assert lora_adapter(Settings(data_dir=tmp_path, vllm_lora_modules=lora), ["finance"]) is None
    vllm = Settings(data_dir=tmp_path, llm_backend="vllm", vllm_lora_modules=lora)
    assert lora_adapter(vllm, ["finance"]) == "finance"
    assert lora_adapter(vllm, ["engineering"]) is None
