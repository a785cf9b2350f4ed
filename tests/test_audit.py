"""The audit log's hash chain: written by threads and processes, damaged by hand, verified."""

from __future__ import annotations

import csv
import io
import itertools
import json
import multiprocessing
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from pagewise.audit.chain import GENESIS, chain_files
from pagewise.audit.export import export, write_csv
from pagewise.audit.log import AuditLog
from pagewise.audit.masking import Mask, load_audit_policy
from pagewise.audit.verify import verify
from pagewise.errors import ConfigError

REPO = Path(__file__).resolve().parent.parent


KEY = bytes(range(32))


def _log(folder: Path, *masks: Mask, **log_args: Any) -> AuditLog:
    return AuditLog(folder, masks, key=KEY, **log_args)


def _fill(folder: Path, count: int, **log_args: Any) -> AuditLog:
    audit = _log(folder, **log_args)
    for n in range(count):
        audit.record("answer", "alice", question=f"q{n}", answer=f"a{n}", latency_ms=n)
    return audit


def _lines(folder: Path) -> tuple[Path, list[str]]:
    [path] = chain_files(folder)
    return path, path.read_text(encoding="utf-8").splitlines(keepends=True)


def test_records_form_a_chain_that_verifies(tmp_path: Path) -> None:
    audit = _fill(tmp_path, 5)
    record_id = audit.record("feedback", "alice", ref="x", helpful=True)
    rows = audit.recent(10)
    assert rows[0]["id"] == record_id and [r["seq"] for r in rows] == [6, 5, 4, 3, 2, 1]
    assert rows[-1]["prev"] == GENESIS
    assert all(newer["prev"] == older["hash"] for newer, older in itertools.pairwise(rows))
    report = verify(tmp_path, KEY)
    assert report.ok and report.records == 6 and report.files == 1
    assert report.message.startswith("audit log intact: 6 records in 1 files")


def test_a_new_log_continues_the_chain_of_the_files_on_disk(tmp_path: Path) -> None:
    _fill(tmp_path, 3)
    _fill(tmp_path, 2)  # another process's AuditLog, or the portal after a restart
    assert [r["seq"] for r in AuditLog(tmp_path).recent(10)] == [5, 4, 3, 2, 1]
    assert verify(tmp_path, KEY).ok


def test_an_edited_field_is_found(tmp_path: Path) -> None:
    _fill(tmp_path, 5)
    path, lines = _lines(tmp_path)
    lines[2] = lines[2].replace('"answer":"a2"', '"answer":"something else"')
    path.write_text("".join(lines), encoding="utf-8")
    problem = verify(tmp_path, KEY).problem
    assert problem is not None and (problem.file, problem.line, problem.seq) == (path.name, 3, 3)
    assert problem.what.startswith("edited")


def test_an_edit_signed_again_with_the_key_breaks_the_next_link(tmp_path: Path) -> None:
    from pagewise.audit.chain import canonical, record_hash

    _fill(tmp_path, 5)
    path, lines = _lines(tmp_path)
    record = json.loads(lines[1])
    record["answer"] = "forged"
    record["hash"] = record_hash(record, KEY)
    lines[1] = canonical(record).decode() + "\n"
    path.write_text("".join(lines), encoding="utf-8")
    problem = verify(tmp_path, KEY).problem
    assert problem is not None and (problem.line, problem.seq) == (3, 3)
    assert "prev does not match" in problem.what


def test_a_deleted_line_is_found(tmp_path: Path) -> None:
    _fill(tmp_path, 5)
    path, lines = _lines(tmp_path)
    del lines[1]
    path.write_text("".join(lines), encoding="utf-8")
    report = verify(tmp_path, KEY)
    assert report.problem is not None and (report.problem.line, report.problem.seq) == (2, 3)
    assert report.problem.what.startswith("deleted: expected seq 2")
    assert "line 2 (seq 3): deleted" in report.message


def test_two_swapped_lines_are_found(tmp_path: Path) -> None:
    _fill(tmp_path, 5)
    path, lines = _lines(tmp_path)
    lines[1], lines[2] = lines[2], lines[1]
    path.write_text("".join(lines), encoding="utf-8")
    problem = verify(tmp_path, KEY).problem
    assert problem is not None and (problem.line, problem.seq) == (2, 3)
    assert problem.what.startswith("reordered: expected seq 2") and "line 3" in problem.what


def test_a_truncated_last_line_is_found_and_the_next_record_still_chains(tmp_path: Path) -> None:
    audit = _fill(tmp_path, 5)
    path, lines = _lines(tmp_path)
    path.write_text("".join(lines[:-1]) + lines[-1][:40], encoding="utf-8")
    problem = verify(tmp_path, KEY).problem
    assert problem is not None and problem.line == 5 and problem.what.startswith("truncated")
    # A crash mid-write must not stop the portal: the next record starts on a line of its own.
    _log(tmp_path).record("login", "bob")
    assert AuditLog(tmp_path).recent(1)[0]["seq"] == 5
    assert audit.recent(2)[1]["seq"] == 4  # the cut line is left out, not shown as garbage
    problem = verify(tmp_path, KEY).problem
    assert problem is not None and problem.line == 5 and problem.what.startswith("not valid JSON")


def _write_many(folder: str, worker: int, count: int) -> None:
    audit = _log(Path(folder))
    for n in range(count):
        audit.record("answer", f"p{worker}", question=f"p{worker}-{n}", answer="x" * 300)


def test_threads_and_processes_append_without_losing_or_mixing_records(tmp_path: Path) -> None:
    audit = _log(tmp_path)

    def threaded(worker: int) -> None:
        for n in range(25):
            audit.record("answer", f"t{worker}", question=f"t{worker}-{n}", answer="y" * 300)

    threads = [threading.Thread(target=threaded, args=(w,)) for w in range(20)]
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_write_many, args=(str(tmp_path), w, 25)) for w in range(4)]
    for worker in threads:
        worker.start()
    for process in processes:
        process.start()
    for thread in threads:
        thread.join()
    for process in processes:
        process.join(120)
        assert process.exitcode == 0
    report = verify(tmp_path, KEY)
    assert report.ok, report.message
    rows = list(export(tmp_path))
    assert [r["seq"] for r in rows] == list(range(1, 601))
    assert len({r["question"] for r in rows}) == 600
    assert sum(r["user"].startswith("p") for r in rows) == 100


def test_rotation_by_size_keeps_every_record_and_the_chain(tmp_path: Path) -> None:
    audit = _fill(tmp_path, 40, max_bytes=2000)
    files = chain_files(tmp_path)
    assert len(files) > 5 and all(f.stat().st_size <= 2000 for f in files)
    assert [f.name[-9:] for f in files[:2]] == ["001.jsonl", "002.jsonl"]
    report = verify(tmp_path, KEY)
    assert report.ok and report.records == 40 and report.files == len(files)
    assert [r["seq"] for r in audit.recent(100)] == list(range(40, 0, -1))
    # A file deleted from the middle is a gap in the chain.
    files[2].unlink()
    problem = verify(tmp_path, KEY).problem
    assert problem is not None and problem.file == files[3].name and "deleted" in problem.what


def test_a_legacy_audit_jsonl_is_read_as_the_oldest_records(tmp_path: Path) -> None:
    (tmp_path / "audit.jsonl").write_text('{"time": 1.0, "event": "login", "user": "old"}\n')
    audit = _fill(tmp_path, 2)
    assert [r["user"] for r in audit.recent(5)] == ["alice", "alice", "old"]
    report = verify(tmp_path, KEY)
    assert report.ok and report.records == 2 and report.legacy_records == 1


def test_phone_and_id_numbers_are_masked_before_writing(tmp_path: Path) -> None:
    policy = load_audit_policy(REPO / "policies")
    audit = _log(tmp_path, *policy.masks)
    audit.record(
        "answer",
        "alice",
        question="我的手机13812345678，身份证11010519491231002X，怎么报销？",
        answer="请联系 13900001111。",
        citations=[{"doc": "guide.pdf", "page": 3}],
    )
    text = chain_files(tmp_path)[0].read_text(encoding="utf-8")
    for secret in ("13812345678", "11010519491231002X", "13900001111"):
        assert secret not in text
    row = audit.recent(1)[0]
    assert row["question"] == "我的手机138****5678，身份证110105********002X，怎么报销？"
    assert row["answer"] == "请联系 139****1111。"
    assert verify(tmp_path, KEY).ok


def test_custom_masks_and_bad_policies(tmp_path: Path) -> None:
    (tmp_path / "audit.toml").write_text(
        "mask = ['email']\n[[custom]]\n"
        + r"""pattern = 'E-(\d{2})\d{4}'"""
        + "\nreplacement = 'E-\\1****'\n"
    )
    masks = load_audit_policy(tmp_path).masks
    audit = _log(tmp_path / "log", *masks)
    audit.record("answer", "alice", question="zhang.san@corp.cn E-123456 13812345678")
    assert audit.recent(1)[0]["question"] == "z***@corp.cn E-12**** 13812345678"
    (tmp_path / "audit.toml").write_text('mask = ["passport"]\n')
    with pytest.raises(ConfigError, match="unknown mask passport"):
        load_audit_policy(tmp_path)
    (tmp_path / "audit.toml").write_text("[[custom]]\npattern = '('\n")
    with pytest.raises(ConfigError, match="custom mask 1 is not valid"):
        load_audit_policy(tmp_path)


def test_csv_has_one_row_a_record_with_citations_and_feedback(tmp_path: Path) -> None:
    audit = _log(tmp_path)
    ref = audit.record(
        "answer",
        "alice",
        groups=["engineering"],
        question="=1+1",
        answer="见手册 [1]",
        citations=[{"doc": "a.pdf", "page": 2}, {"doc": "b.pdf", "page": 5}],
        model="qwen",
        latency_ms=120,
    )
    audit.record("feedback", "alice", ref=ref, helpful=False)
    out = io.StringIO()
    assert write_csv(export(tmp_path), out) == 2
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert rows[0]["citations"] == "a.pdf p.2; b.pdf p.5" and rows[0]["groups"] == "engineering"
    assert rows[0]["question"] == "'=1+1", "formulas are not run by a spreadsheet"
    assert (rows[1]["ref"], rows[1]["helpful"], rows[1]["seq"]) == (ref, "False", "2")


def _cli(*args: str, data: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAGEWISE_")}
    env["PAGEWISE_DATA_DIR"] = str(data)
    return subprocess.run(
        [sys.executable, "-m", "ui", "audit", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_cli_verifies_and_exports(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (tmp_path / "audit.key").write_text(KEY.hex())  # the default key file, in the working dir
    (tmp_path / "audit.key").chmod(0o600)
    _fill(data / "audit", 3, max_bytes=600)
    files = len(chain_files(data / "audit"))  # record sizes vary with the time's digits
    assert files >= 2
    result = _cli("verify", data=data, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"audit log intact: 3 records in {files} files")

    result = _cli("export", "--from", "2000-01-01", data=data, cwd=tmp_path)
    assert [json.loads(line)["seq"] for line in result.stdout.splitlines()] == [1, 2, 3]
    result = _cli("export", "--to", "2000-01-01", data=data, cwd=tmp_path)
    assert result.returncode == 0 and result.stdout == ""

    result = _cli("export", "--csv", "--output", "out.csv", data=data, cwd=tmp_path)
    assert result.returncode == 0 and "3 records written" in result.stderr
    with (tmp_path / "out.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["question"] for r in rows] == ["q0", "q1", "q2"] and rows[0]["time"][:2] == "20"

    result = _cli("export", "--from", "May 1", data=data, cwd=tmp_path)
    assert result.returncode == 3 and "YYYY-MM-DD" in result.stderr
    assert "Traceback" not in result.stderr

    path = next(p for p in chain_files(data / "audit") if '"q1"' in p.read_text())
    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if '"q1"' in text)
    path.write_text(path.read_text().replace('"q1"', '"q9"'))
    result = _cli("verify", data=data, cwd=tmp_path)
    assert result.returncode == 1
    assert f"{path.name} line {line} (seq 2): edited" in result.stderr
