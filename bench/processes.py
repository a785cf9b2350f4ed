"""What the shared state on one data dir takes from several processes at once: audit appends
(flock, fsync, HMAC chain) and rate-limit checks (SQLite WAL, BEGIN IMMEDIATE), per second.

    .venv/bin/python bench/processes.py [--processes 1 4] [--ops 200]

Each process does --ops operations on the same files; the figure is all operations of all
processes over the wall time of the slowest. The chain is verified at the end.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from machine_info import describe  # noqa: E402


def _audit(folder: Path, key_file: Path, ops: int) -> None:
    from pagewise.audit.key import load_key
    from pagewise.audit.log import AuditLog

    log = AuditLog(folder, key=load_key(key_file))
    for n in range(ops):
        log.record("answered", f"user{os.getpid()}", question=f"question {n}", answer="x" * 400)


def _rate(path: Path, ops: int) -> None:
    from pagewise.ratelimit import RateLimiter

    limiter = RateLimiter(path, limit=10**9, window_seconds=60)
    for _ in range(ops):
        limiter.check("alice", client="10.0.0.1")


def _timed(target: Callable[..., None], args: tuple[object, ...], processes: int) -> float:
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=target, args=args) for _ in range(processes)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
        assert worker.exitcode == 0
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--ops", type=int, default=200)
    args = parser.parse_args()
    from pagewise.audit.key import load_key
    from pagewise.audit.verify import verify

    print(f"machine: {describe()}; load average: {os.getloadavg()}")
    print(f"{'processes':>9} {'audit records/s':>16} {'rate-limit checks/s':>20}")
    for processes in args.processes:
        with tempfile.TemporaryDirectory() as tmp:
            folder, key = Path(tmp) / "audit", Path(tmp) / "audit.key"
            audit_s = _timed(_audit, (folder, key, args.ops), processes)
            rate_s = _timed(_rate, (Path(tmp) / "rl.sqlite3", args.ops), processes)
            report = verify(folder, key=load_key(key))
            assert report.ok and report.records == processes * args.ops, report
        total = processes * args.ops
        print(f"{processes:>9} {total / audit_s:>16.0f} {total / rate_s:>20.0f}")


if __name__ == "__main__":
    main()
