"""The audit log's end, anchored outside its folder, and its records signed with a key kept
elsewhere: a cut end, a deleted newest file and a chain re-hashed without the key all show."""

from __future__ import annotations

import itertools
import json
import os
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from pagewise.audit.chain import GENESIS, canonical, chain_files, record_hash
from pagewise.audit.checkpoint import Checkpoints, parse_head
from pagewise.audit.key import load_key
from pagewise.audit.log import AuditLog
from pagewise.audit.verify import verify
from pagewise.errors import ConfigError, PagewiseError

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))


@pytest.fixture
def checkpoints(tmp_path: Path) -> Checkpoints:
    return Checkpoints(tmp_path / "elsewhere" / "audit-checkpoint.jsonl")


def _log(folder: Path, checkpoints: Checkpoints, **args: Any) -> AuditLog:
    args.setdefault("checkpoint_records", 5)
    return AuditLog(folder, key=KEY, checkpoints=checkpoints, **args)


def _fill(audit: AuditLog, count: int) -> None:
    for n in range(count):
        audit.record("answer", "alice", question=f"q{n}", answer=f"a{n}" * 20)


def _check(folder: Path, checkpoints: Checkpoints, key: bytes = KEY) -> str:
    report = verify(folder, key, checkpoints.heads(folder))
    return report.message


def test_normal_rotation_verifies_and_names_the_checkpoint_it_matched(
    tmp_path: Path, checkpoints: Checkpoints
) -> None:
    folder = tmp_path / "audit"
    _fill(_log(folder, checkpoints, max_bytes=1500), 30)
    assert len(chain_files(folder)) > 4
    report = verify(folder, KEY, checkpoints.heads(folder))
    assert report.ok, report.message
    assert report.records == 30 and report.unsigned == 0
    # Every new file is checkpointed with its first record, and at least every 5 records.
    seqs = [h.seq for h in checkpoints.heads(folder)]
    assert seqs[0] == 1 and all(b - a <= 5 for a, b in itertools.pairwise(seqs))
    assert "it holds seq" in report.message and "audit-checkpoint.jsonl" in report.message
    assert oct(stat.S_IMODE(checkpoints.path.stat().st_mode)) == "0o600"  # type: ignore[union-attr]


def test_cut_last_lines_are_found_and_the_writer_refuses_to_continue(
    tmp_path: Path, checkpoints: Checkpoints
) -> None:
    folder = tmp_path / "audit"
    audit = _log(folder, checkpoints)
    _fill(audit, 12)  # checkpoints at seq 1, 6 and 11
    [path] = chain_files(folder)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:9]), encoding="utf-8")  # whole lines: the chain is whole

    message = _check(folder, checkpoints)
    assert "line 9 (seq 9): cut: the log ends here" in message and "recorded seq 11" in message
    assert verify(folder, KEY).ok, "without the checkpoint the cut cannot be seen"
    for writer in (audit, _log(folder, checkpoints)):  # this process, and a fresh one
        with pytest.raises(PagewiseError, match="ends at seq 9, but the checkpoint in"):
            writer.record("login", "mallory")
    assert len(path.read_text(encoding="utf-8").splitlines()) == 9, "nothing was appended"


def test_a_deleted_newest_file_is_found_and_the_writer_refuses_to_continue(
    tmp_path: Path, checkpoints: Checkpoints
) -> None:
    folder = tmp_path / "audit"
    _fill(_log(folder, checkpoints, max_bytes=1500, checkpoint_records=1000), 20)
    files = chain_files(folder)
    files[-1].unlink()
    message = _check(folder, checkpoints)
    assert f"{files[-2].name} line" in message and ": cut: the log ends here" in message
    with pytest.raises(PagewiseError, match="records were removed from its end"):
        _log(folder, checkpoints).record("login", "mallory")
    # Every file gone: the checkpoint still says there was a log.
    for path in files[:-1]:
        path.unlink()
    assert "no records: cut" in _check(folder, checkpoints)


def _rehash(records: list[dict[str, Any]], key: bytes | None, unsign: bool) -> list[str]:
    prev = GENESIS if records[0]["seq"] == 1 else records[0]["prev"]
    out = []
    for record in records:
        if unsign:
            record.pop("alg", None)
            record.pop("kid", None)
        record["prev"] = prev
        record["hash"] = prev = record_hash(record, key)
        out.append(canonical(record).decode() + "\n")
    return out


@pytest.mark.parametrize(
    ("first", "key", "unsign", "found"),
    [
        (3, OTHER_KEY, False, "line 3 (seq 3): edited: the content does not match its signature"),
        (3, None, True, "line 3 (seq 3): not signed, after signed records"),
        (1, None, True, "rewritten: seq 11 is not the record the checkpoint"),
    ],
    ids=["signed-with-a-guessed-key", "downgraded-to-sha256", "whole-chain-rebuilt-unsigned"],
)
def test_an_edit_with_every_later_record_rehashed_without_the_key_is_found(
    tmp_path: Path,
    checkpoints: Checkpoints,
    first: int,
    key: bytes | None,
    unsign: bool,
    found: str,
) -> None:
    folder = tmp_path / "audit"
    _fill(_log(folder, checkpoints), 12)
    [path] = chain_files(folder)
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    records[2]["answer"] = "forged"
    kept = [canonical(r).decode() + "\n" for r in records[: first - 1]]
    path.write_text("".join(kept + _rehash(records[first - 1 :], key, unsign)), encoding="utf-8")
    assert found in _check(folder, checkpoints)


def test_records_from_before_signing_still_verify_and_the_chain_goes_on_signed(
    tmp_path: Path, checkpoints: Checkpoints
) -> None:
    folder = tmp_path / "audit"
    folder.mkdir()
    old = [{"id": str(n), "time": 1.0 + n, "event": "login", "user": "u", "seq": n} for n in (1, 2)]
    (folder / "audit-20261101-001.jsonl").write_text("".join(_rehash(old, None, True)))
    _fill(_log(folder, checkpoints), 3)
    report = verify(folder, KEY, checkpoints.heads(folder))
    assert report.ok and report.records == 5 and report.unsigned == 2
    assert "the first 2 records are from before signing" in report.message


def test_another_key_is_named_as_such_by_verify_and_by_the_writer(
    tmp_path: Path, checkpoints: Checkpoints
) -> None:
    folder = tmp_path / "audit"
    _fill(_log(folder, checkpoints), 2)
    assert "signed with another key" in _check(folder, checkpoints, OTHER_KEY)
    writer = AuditLog(folder, key=OTHER_KEY, checkpoints=checkpoints)
    with pytest.raises(PagewiseError, match="restore the key file that signed it"):
        writer.record("login", "alice")
    with pytest.raises(ConfigError, match="needs its key"):
        verify(folder, None)


def test_the_timer_checkpoints_records_written_between_checkpoints(
    tmp_path: Path, checkpoints: Checkpoints
) -> None:
    folder = tmp_path / "audit"
    audit = _log(folder, checkpoints, checkpoint_records=100, checkpoint_seconds=0.2)
    _fill(audit, 3)
    assert [h.seq for h in checkpoints.heads(folder)] == [1]  # the new file's first record
    deadline = time.monotonic() + 10
    while checkpoints.latest(folder) == checkpoints.heads(folder)[0]:
        assert time.monotonic() < deadline, "the timer never wrote a checkpoint"
        time.sleep(0.05)
    assert [h.seq for h in checkpoints.heads(folder)] == [1, 3]


def test_the_head_also_goes_to_the_system_log(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as server:
        server.bind(("127.0.0.1", 0))
        server.settimeout(5)
        address = f"127.0.0.1:{server.getsockname()[1]}"
        audit = AuditLog(tmp_path / "audit", key=KEY, checkpoints=Checkpoints(None, address))
        audit.record("login", "alice")
        message = server.recv(4096).decode()
    (line,) = chain_files(tmp_path / "audit")[0].read_text().splitlines()
    assert f"seq=1 hash={json.loads(line)['hash']} reason=new file" in message
    assert message.startswith("<38>pagewise: pagewise audit checkpoint")  # auth (4) * 8 + info (6)


def test_the_key_file_is_made_once_mode_0600_and_a_bad_one_is_named(tmp_path: Path) -> None:
    path = tmp_path / "secrets" / "audit.key"
    key = load_key(path)
    assert len(key) == 32 and load_key(path) == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert list(path.parent.iterdir()) == [path], "no partial file left behind"
    with pytest.raises(ConfigError, match="does not exist"):
        load_key(tmp_path / "absent.key", create=False)
    path.write_text("not a key\n")
    with pytest.raises(ConfigError, match="does not hold a key"):
        load_key(path)
    with pytest.raises(ConfigError, match="cannot read the audit key file"):
        load_key(tmp_path / "secrets")
    if os.geteuid() != 0:  # root reads any file
        path.write_text(key.hex())
        path.chmod(0)
        with pytest.raises(ConfigError, match="permission denied"):
            load_key(path)


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAGEWISE_")}
    env["PAGEWISE_DATA_DIR"] = str(cwd / "data")
    return subprocess.run(
        [sys.executable, "-m", "ui", "audit", "verify", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_cli_checks_the_checkpoint_file_and_a_head_given_by_hand(tmp_path: Path) -> None:
    # The defaults, from the working directory: audit.key and audit-checkpoint.jsonl.
    checkpoints = Checkpoints(tmp_path / "audit-checkpoint.jsonl")
    folder = tmp_path / "data" / "audit"
    audit = AuditLog(folder, key=load_key(tmp_path / "audit.key"), checkpoints=checkpoints)
    for n in range(4):
        audit.record("login", f"u{n}")
    audit.checkpoint()
    result = _cli(cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "audit log intact: 4 records in 1 files" in result.stdout
    head = result.stdout.split("(last seq ")[1].split(")")[0].replace(", hash ", ":")
    assert parse_head(head).seq == 4

    [path] = chain_files(folder)
    path.write_text("".join(path.read_text().splitlines(keepends=True)[:3]))
    (tmp_path / "audit-checkpoint.jsonl").unlink()  # the anchor gone too: only --head is left
    assert _cli(cwd=tmp_path).returncode == 0
    result = _cli("--head", head, cwd=tmp_path)
    assert result.returncode == 1
    assert "(seq 3): cut: the log ends here, but --head 4:" in result.stderr

    result = _cli("--head", "4-abc", cwd=tmp_path)
    assert result.returncode == 3 and "is not SEQ:HASH" in result.stderr
    (tmp_path / "audit.key").unlink()
    result = _cli(cwd=tmp_path)
    assert (
        result.returncode == 3 and "needs its key (audit_key_file); there is none" in result.stderr
    )
    assert "Traceback" not in result.stderr
