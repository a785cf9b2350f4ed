"""The ``pagewise`` command as a user runs it: a real process, real files, a temp data dir."""

import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from indexes import IndexCopy
from tqdm import tqdm

from ingest.pipeline import FileReport
from pagewise.audit.log import AuditLog
from pagewise.errors import ConfigError
from pagewise.settings import load_settings
from ui.cli.library import IngestProgress


def run(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("PAGEWISE_")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "ui", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def workdir(tmp_path: Path, fixtures: Path) -> Path:
    manuals = tmp_path / "manuals"
    manuals.mkdir()
    for name in ("manual.pdf", "handbook.docx", "encrypted.pdf"):
        shutil.copy(fixtures / name, manuals / name)
    return tmp_path


@pytest.fixture(scope="module")
def readable_manuals(tmp_path_factory: pytest.TempPathFactory, fixtures: Path) -> Path:
    """The workdir's manuals that ingest: what `pagewise ingest manuals` adds."""
    manuals = tmp_path_factory.mktemp("readable") / "manuals"
    manuals.mkdir()
    for name in ("manual.pdf", "handbook.docx"):
        shutil.copy(fixtures / name, manuals / name)
    return manuals


@pytest.fixture
def ingested(workdir: Path, readable_manuals: Path, index_copy: IndexCopy) -> Path:
    """The workdir after `pagewise ingest manuals` (its default data dir, ./data): a copy of an
    index made once (the command itself is tested above, with its report)."""
    index_copy(readable_manuals, "default", workdir / "data")
    return workdir


def test_help_lists_the_subcommands(workdir: Path) -> None:
    result = run("--help", cwd=workdir)
    assert result.returncode == 0
    for command in ("ingest", "search", "documents"):
        assert command in result.stdout


def test_ingest_reports_failures_in_the_exit_code_and_json(workdir: Path) -> None:
    result = run("ingest", "manuals", "--json", cwd=workdir)
    assert result.returncode == 1, result.stderr
    summary = json.loads(result.stdout)
    assert (summary["added"], summary["failed"]) == (2, 1)
    failed = [f for f in summary["files"] if f["status"] == "failed"]
    assert failed[0]["path"].endswith("encrypted.pdf")
    assert "encrypted with a password" in failed[0]["reason"]
    assert "Traceback" not in result.stderr
    assert (workdir / "data" / "chroma").is_dir()  # the default data dir, relative to cwd

    again = run("ingest", "manuals", cwd=workdir)
    assert "0 added, 0 updated, 2 unchanged" in again.stdout


def test_ingest_refuses_a_collection_name_that_would_leave_its_folder(workdir: Path) -> None:
    result = run("ingest", "manuals", "--collection", "..", cwd=workdir)
    assert result.returncode == 3
    assert "is not a collection name" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (workdir / "data" / "catalog.sqlite3").exists()  # refused before opening


def test_search_json_has_the_documented_keys(ingested: Path) -> None:
    workdir = ingested
    result = run("search", "-k", "2", "--json", "密码", "多久更换一次", cwd=workdir)
    assert result.returncode == 0, result.stderr
    passages = json.loads(result.stdout)
    assert len(passages) == 2
    top = passages[0]
    assert {"doc", "title", "page", "page_label", "section", "score", "text"} <= set(top)
    assert (top["doc"], top["page"], top["page_label"]) == ("manual.pdf", 6, "4")
    assert top["section"] == "2.1 密码策略"
    assert isinstance(top["page"], int) and isinstance(top["score"], float)


def test_invalid_settings_give_a_message_not_a_traceback(workdir: Path) -> None:
    result = run("search", "x", cwd=workdir, env={"PAGEWISE_CHUNK_TOKENS": "many"})
    assert result.returncode == 3
    assert "Error: Invalid settings (chunk_tokens" in result.stderr
    assert "Traceback" not in result.stderr


def test_env_vars_override_the_toml_file_which_overrides_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "pagewise.toml"
    config.write_text('data_dir = "/srv/pagewise"\nchunk_tokens = 150\ntop_k = 5\n')
    monkeypatch.setenv("PAGEWISE_CONFIG", str(config))
    monkeypatch.setenv("PAGEWISE_TOP_K", "4")
    settings = load_settings()
    assert settings.data_dir == Path("/srv/pagewise")
    assert settings.chunk_tokens == 150
    assert settings.top_k == 4
    assert settings.chunk_overlap == 30


def test_a_broken_toml_file_is_a_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "pagewise.toml"
    config.write_text("data_dir = \n")
    monkeypatch.setenv("PAGEWISE_CONFIG", str(config))
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings()


def test_ask_json_answers_with_citations_from_the_embedded_model(
    ingested: Path, model_in: Callable[[Path], Path]
) -> None:
    workdir = ingested
    model_in(workdir / "data")  # as joined by an earlier run (tested in test_several_processes)
    result = run("ask", "--json", "密码多久需要更换一次？", cwd=workdir)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert set(answer) >= {"answer", "refused", "citations", "passages", "latency_ms"}
    assert answer["refused"] is False, answer["answer"]
    assert answer["citations"][0]["page"] == 6
    assert answer["citations"][0]["page_label"] == "4"
    assert answer["passages"][0]["doc"] == "manual.pdf"
    assert "Traceback" not in result.stderr and "llama" not in result.stderr.lower()
    (record,) = AuditLog(workdir / "data" / "audit").recent()
    assert (record["event"], record["answer"]) == ("answered", answer["answer"])


def test_ask_with_the_llm_server_down_says_what_to_do(ingested: Path) -> None:
    workdir = ingested
    env = {
        "PAGEWISE_LLM_BACKEND": "openai",
        "PAGEWISE_LLM_BASE_URL": "http://127.0.0.1:9/v1",
        "PAGEWISE_LLM_MODEL": "qwen",
    }
    result = run("ask", "密码多久需要更换一次？", cwd=workdir, env=env)
    assert result.returncode == 3
    assert "Error: cannot reach the LLM server at http://127.0.0.1:9/v1" in result.stderr
    assert "Traceback" not in result.stderr
    (record,) = AuditLog(workdir / "data" / "audit").recent()
    assert (record["event"], record["user"]) == ("error", "cli")
    assert record["error"].startswith("cannot reach the LLM server")


def test_ask_audits_every_question_like_the_portal(ingested: Path) -> None:
    from llm_doubles import ScriptedLLM
    from openai_server import serve

    workdir = ingested
    with serve(ScriptedLLM("密码每 90 天更换一次 [1]。")) as url:
        env = {
            "PAGEWISE_LLM_BACKEND": "openai",
            "PAGEWISE_LLM_BASE_URL": url,
            "PAGEWISE_LLM_MODEL": "scripted",
        }
        answered = run("ask", "--json", "密码多久需要更换一次？", cwd=workdir, env=env)
        refused = run("ask", "食堂几点开门？", cwd=workdir, env=env)
    assert answered.returncode == 0 and refused.returncode == 0, answered.stderr + refused.stderr
    records = list(reversed(AuditLog(workdir / "data" / "audit").recent()))
    assert [(r["event"], r["user"], r["question"]) for r in records] == [
        ("answered", "cli", "密码多久需要更换一次？"),
        ("refused", "cli", "食堂几点开门？"),
    ]
    assert records[0]["citations"] == [{"doc": "manual.pdf", "page": 6, "page_label": "4"}]
    assert records[0]["answer"] == json.loads(answered.stdout)["answer"]
    assert records[0]["model"].startswith("openai:scripted@")
    verified = run("audit", "verify", cwd=workdir)
    assert verified.returncode == 0 and "intact: 2 records" in verified.stdout


def test_eval_scores_this_design_and_the_llama_index_baseline(
    ingested: Path, tmp_path: Path
) -> None:
    from llm_doubles import ScriptedLLM
    from openai_server import serve

    workdir = ingested
    questions = tmp_path / "qa.jsonl"
    questions.write_text(
        '{"q": "密码多久需要更换一次？", "pages": [6], "doc": "manual.pdf"}\n'
        '{"q": "食堂几点开门？", "pages": []}\n',
        encoding="utf-8",
    )
    with serve(ScriptedLLM("密码每 90 天更换一次 [1]。")) as url:
        env = {
            "PAGEWISE_LLM_BACKEND": "openai",
            "PAGEWISE_LLM_BASE_URL": url,
            "PAGEWISE_LLM_MODEL": "scripted",
        }
        result = run("eval", str(questions), "--baseline", "--json", cwd=workdir, env=env)
    assert result.returncode == 0, result.stderr
    scores = json.loads(result.stdout)
    ours, baseline = scores["pagewise"], scores["llama-index baseline"]
    assert (ours["questions"], ours["answerable"]) == (2, 1)
    assert ours["hit_at_3"] == 1.0 and ours["citation_precision"] == 1.0
    assert ours["refusal_accuracy"] == 1.0  # answered the covered one, refused the other
    assert baseline["refused_when_uncovered"] == 0.0  # the plain pipeline answers anything


def test_the_ingest_bar_names_the_page_being_read_by_ocr() -> None:
    out = io.StringIO()
    bar = tqdm(unit="file", desc="Ingesting", file=out, disable=False, mininterval=0)
    progress = IngestProgress(bar)
    progress.file_done(FileReport("manuals/manual.pdf", "added", pages=4, chunks=9))
    progress.page_read("manuals/scan.pdf", 2, 5)
    # One bar: still one file done, the scan's page moving it on.
    assert bar.n == 1
    assert "scan.pdf page 2/5" in out.getvalue().splitlines()[-1].split("\r")[-1]
    progress.file_done(FileReport("manuals/scan.pdf", "added", pages=5, chunks=16))
    bar.refresh()
    last = out.getvalue().split("\r")[-1]
    assert bar.n == 2 and "pages=9" in last and "ocr" not in last
    bar.close()
