"""Several Pagewise processes on one data dir: asks while an ingest runs, and a fresh data dir
where every process needs the packaged model at once."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from assistant.embedded_llm import PackagedModel, assemble
from pagewise.audit.log import AuditLog
from pagewise.embedder import Embedder
from pagewise.settings import Settings
from ui.components import build

REPO = Path(__file__).resolve().parent.parent
QUESTION = "密码多久需要更换一次？"


def _start(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("PAGEWISE_")}
    full_env.update(env)
    # This checkout's code, wherever the virtual environment's install points.
    full_env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(REPO), os.environ.get("PYTHONPATH")])
    )
    return subprocess.Popen(
        [sys.executable, "-m", "ui", *args],
        cwd=cwd,
        env=full_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=300)
    return process.returncode, out, err


def test_four_asks_while_an_ingest_runs_keep_the_audit_chain_and_the_rate_limit(
    tmp_path: Path, fixtures: Path, shared_manual: Path, embedder: Embedder, chroma_server: int
) -> None:
    """Vectors in a Chroma server, as several processes need (README: several processes):
    the embedded store's files are not safe to share between a writer and a reader process."""
    from llm_doubles import ScriptedLLM
    from openai_server import serve

    for folder, names in (("manuals", ["manual.pdf"]), ("more", ["handbook.docx", "guide.md"])):
        (tmp_path / folder).mkdir()
        for name in names:
            shutil.copy(fixtures / name, tmp_path / folder / name)
    shutil.copy(shared_manual, tmp_path / "more")  # 55 pages: the ingest outlasts the asks
    policies = Path(shutil.copytree(REPO / "policies", tmp_path / "policies"))
    # Three questions per user in the window, counted across processes: one of four is refused.
    (policies / "rate_limits.toml").write_text("limit = 3\nwindow_seconds = 600\n")
    env = {
        "PAGEWISE_POLICIES_DIR": str(policies),
        "PAGEWISE_CHROMA_HOST": "127.0.0.1",
        "PAGEWISE_CHROMA_PORT": str(chroma_server),
    }
    assert _finish(_start("ingest", "manuals", cwd=tmp_path, env=env))[0] == 0

    settings = Settings(
        data_dir=tmp_path / "data",
        policies_dir=policies,
        chroma_host="127.0.0.1",
        chroma_port=chroma_server,
    )
    reply = ScriptedLLM("密码每 90 天更换一次 [1]。")
    with serve(reply) as url, build(settings, embedder=embedder) as index:
        env |= {
            "PAGEWISE_LLM_BACKEND": "openai",
            "PAGEWISE_LLM_BASE_URL": url,
            "PAGEWISE_LLM_MODEL": "scripted",
        }
        ingest = _start("ingest", "more", "--workers", "2", cwd=tmp_path, env=env)
        asks = [_start("ask", "--json", QUESTION, cwd=tmp_path, env=env) for _ in range(4)]
        searched = 0
        while ingest.poll() is None:
            # A document still pending after the search was pending all through it: it must
            # not be among the hits.
            hits = index.retriever().search("密码 口令 日志 Java 安装", k=20)
            pending = set(index.catalog.pending_ids())
            assert not pending & {hit.doc_id for hit in hits}
            searched += 1
            time.sleep(0.1)
        ingested = _finish(ingest)
        answers = [_finish(ask) for ask in asks]

    assert ingested[0] == 0, ingested[2]
    assert searched > 0
    outputs = "".join(out + err for _, out, err in [ingested, *answers])
    assert "locked" not in outputs and "Traceback" not in outputs
    codes = sorted(code for code, _, _ in answers)
    assert codes == [0, 0, 0, 3], outputs  # three answers, one "Too many questions"
    assert sum("Too many questions" in err for _, _, err in answers) == 1
    records = AuditLog(tmp_path / "data" / "audit").recent()
    assert Counter(r["event"] for r in records) == {"answered": 3, "rate_limited": 1}
    verified = _finish(_start("audit", "verify", cwd=tmp_path, env=env))
    assert verified[0] == 0 and "intact: 4 records" in verified[1], verified


def test_a_question_that_fails_before_answering_still_leaves_an_audit_record(
    tmp_path: Path,
) -> None:
    env = {"PAGEWISE_LLM_MODEL": "no-such-model"}
    code, _, err = _finish(_start("ask", QUESTION, cwd=tmp_path, env=env))
    assert code == 3 and "unknown embedded model 'no-such-model'" in err
    (record,) = AuditLog(tmp_path / "data" / "audit").recent()
    assert (record["event"], record["question"]) == ("error", QUESTION)
    assert "unknown embedded model" in record["error"]


@pytest.fixture
def packaged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> PackagedModel:
    """A model of three 8 MB parts, each in a module of its own, as the wheels ship them."""
    modules = tmp_path / "modules"
    modules.mkdir()
    digest = hashlib.sha256()
    names = []
    for number in range(3):
        part = tmp_path / f"part{number}.bin"
        data = os.urandom(8 << 20)
        part.write_bytes(data)
        digest.update(data)
        name = f"pagewise_test_part{number}_{os.getpid()}"
        (modules / f"{name}.py").write_text(f"def get_part_path():\n    return {str(part)!r}\n")
        names.append(name)
    monkeypatch.syspath_prepend(str(modules))
    return PackagedModel("tiny", tuple(names), 3 * (8 << 20), digest.hexdigest())


def test_processes_started_together_assemble_the_model_once_and_whole(
    tmp_path: Path, packaged: PackagedModel
) -> None:
    cache = tmp_path / "models"
    with multiprocessing.get_context("fork").Pool(4) as pool:
        paths = pool.starmap(assemble, [(packaged, cache)] * 4)
    assert set(paths) == {cache / "tiny.gguf"}
    assert hashlib.sha256(paths[0].read_bytes()).hexdigest() == packaged.sha256
    assert sorted(p.name for p in cache.iterdir()) == ["tiny.gguf", "tiny.lock"]  # no leftovers
