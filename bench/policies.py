"""Cost of the governance checks per question: sensitive words, rate limit, audit append.

    .venv/bin/python bench/policies.py [--runs N]

Prints p50/p95/max in microseconds for each step and for their sum, on this machine.
Target: total p95 under 2 ms, so the checks are invisible next to retrieval and the LLM.
"""

from __future__ import annotations

import argparse
import importlib
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from machine_info import describe  # noqa: E402

from pagewise.ratelimit import RateLimiter  # noqa: E402
from pagewise.sensitive import SensitiveWords  # noqa: E402

TARGET_P95_US = 2000.0
HAN = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]
LATIN = "abcdefghijklmnopqrstuvwxyz"


def generated_words(count: int, rng: random.Random) -> list[str]:
    """Half Chinese (3-5 characters), half English (8-12 letters, some with a space)."""
    words: set[str] = set()
    while len(words) < count:
        if rng.random() < 0.5:
            words.add("".join(rng.choices(HAN, k=rng.randint(3, 5))))
        else:
            word = "".join(rng.choices(LATIN, k=rng.randint(8, 12)))
            words.add(word if rng.random() < 0.7 else word[:4] + " " + word[4:])
    return sorted(words)


def question(rng: random.Random, words: list[str]) -> str:
    """About 300 characters of mixed Chinese/English with two listed words hidden inside."""
    parts = ["请问", "Java 常量命名", "应该如何", "how many spaces per indent", "谢谢。"]
    text = "".join(rng.choice(parts) for _ in range(60))[:285]
    hidden = " ".join(rng.choice(words))  # spaced out, as an evasion would be
    return text[:140] + hidden + text[140:]


def timings(step: Callable[[int], object], runs: int) -> list[float]:
    """Microseconds per call; step gets the run number."""
    result = []
    for run in range(runs):
        start = time.perf_counter()
        step(run)
        result.append((time.perf_counter() - start) * 1e6)
    return result


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def audit_step(folder: Path) -> Callable[[int], object] | None:
    """One audit append, if pagewise.audit.log.AuditLog exists yet."""
    try:
        audit_log = importlib.import_module("pagewise.audit.log").AuditLog
    except (ImportError, AttributeError):
        return None
    log = audit_log(folder)
    record: Callable[..., object] = log.record
    return lambda run: record("question", "alice", question=f"bench question {run}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=2000)
    args = parser.parse_args(argv)
    rng = random.Random(7)
    words = generated_words(10_000, rng)
    started = time.perf_counter()
    sensitive = SensitiveWords(words)
    load_ms = (time.perf_counter() - started) * 1e3
    questions = [question(rng, words) for _ in range(50)]
    with tempfile.TemporaryDirectory() as tmp:
        limiter = RateLimiter(Path(tmp) / "rl.sqlite3", limit=10**9)
        steps: dict[str, Callable[[int], object]] = {
            "sensitive-word scan (10k words, ~300 chars)": lambda run: sensitive.find(
                questions[run % len(questions)]
            ),
            "rate-limit check (user + client)": lambda run: limiter.check(
                f"user{run % 20}", client="10.0.0.1"
            ),
        }
        audit = audit_step(Path(tmp) / "audit")
        if audit is not None:
            steps["audit append (fsync)"] = audit
        results = {name: timings(step, args.runs) for name, step in steps.items()}
    results["total per question"] = [sum(run) for run in zip(*results.values(), strict=True)]
    print(f"machine: {describe()}")
    print(f"10,000-word list compiled in {load_ms:.0f} ms; {args.runs} runs per step")
    print(f"{'step':<46} {'p50 µs':>9} {'p95 µs':>9} {'max µs':>9}")
    for name, values in results.items():
        p50, p95 = percentile(values, 0.5), percentile(values, 0.95)
        print(f"{name:<46} {p50:>9.0f} {p95:>9.0f} {max(values):>9.0f}")
    total_p95 = percentile(results["total per question"], 0.95)
    verdict = "meets" if total_p95 < TARGET_P95_US else "MISSES"
    print(f"total p95 {total_p95:.0f} µs {verdict} the {TARGET_P95_US:.0f} µs target")
    return 0


if __name__ == "__main__":
    sys.exit(main())
