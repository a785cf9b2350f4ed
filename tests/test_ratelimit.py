"""Rate limits: counted exactly, also under threads and processes racing on one key."""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections.abc import Sequence
from multiprocessing.synchronize import Event
from pathlib import Path

import pytest

from pagewise.errors import ConfigError, StoreError
from pagewise.ratelimit import (
    RateLimitedError,
    RateLimiter,
    RateLimitPolicy,
    load_rate_limits,
)

REPO = Path(__file__).resolve().parent.parent


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def limiter(
    path: Path,
    clock: Clock,
    limit: int = 3,
    exempt_users: Sequence[str] = (),
    exempt_groups: Sequence[str] = (),
) -> RateLimiter:
    return RateLimiter(path / "rl.sqlite3", limit, 60, exempt_users, exempt_groups, clock=clock)


def test_request_over_the_limit_is_refused_until_the_window_moves(tmp_path: Path) -> None:
    clock = Clock()
    rl = limiter(tmp_path, clock)
    for _ in range(3):
        assert rl.check("alice").allowed
        clock.now += 1
    refused = rl.check("alice")
    assert not refused.allowed
    assert refused.key == "user:alice"
    assert refused.retry_after == pytest.approx(57)  # the first hit leaves the window then
    clock.now += 56.5
    assert not rl.check("alice").allowed
    clock.now += 0.6
    assert rl.check("alice").allowed
    assert not rl.check("alice").allowed  # the 2nd and 3rd hits are still in the window


def test_refusals_do_not_extend_the_wait(tmp_path: Path) -> None:
    clock = Clock()
    rl = limiter(tmp_path, clock, limit=1)
    assert rl.check("bob").allowed
    for _ in range(10):
        clock.now += 5
        assert not rl.check("bob").allowed
    clock.now += 11
    assert rl.check("bob").allowed


def test_users_are_counted_apart_and_case_does_not_buy_a_second_quota(tmp_path: Path) -> None:
    rl = limiter(tmp_path, Clock(), limit=1)
    assert rl.check("alice").allowed
    assert not rl.check("ALICE").allowed
    assert not rl.check(" Alice ").allowed
    assert rl.check("bob").allowed


def test_client_address_is_limited_across_users(tmp_path: Path) -> None:
    rl = limiter(tmp_path, Clock(), limit=2)
    assert rl.check("u1", client="10.0.0.9").allowed
    assert rl.check("u2", client="10.0.0.9").allowed
    refused = rl.check("u3", client="10.0.0.9")
    assert (refused.allowed, refused.key) == (False, "client:10.0.0.9")
    assert rl.check("u3", client="10.0.0.10").allowed  # the refusal did not count for u3
    assert rl.check("u3", client="10.0.0.11").allowed
    assert rl.check("u3", client="10.0.0.12").key == "user:u3"


def test_exempt_users_and_groups_are_never_limited(tmp_path: Path) -> None:
    rl = limiter(tmp_path, Clock(), limit=1, exempt_users=["Monitor"], exempt_groups=["ops"])
    for _ in range(20):
        assert rl.check("monitor", client="10.0.0.1").allowed
        assert rl.check("carol", groups=["staff", "ops"], client="10.0.0.1").allowed
    assert rl.check("dave", groups=["staff"]).allowed
    assert not rl.check("dave", groups=["staff"]).allowed


def test_counts_survive_a_restart(tmp_path: Path) -> None:
    clock = Clock()
    first = limiter(tmp_path, clock, limit=2)
    assert first.check("alice").allowed
    assert first.check("alice").allowed
    first.close()
    assert not limiter(tmp_path, clock, limit=2).check("alice").allowed


def test_old_entries_are_pruned(tmp_path: Path) -> None:
    clock = Clock()
    rl = limiter(tmp_path, clock)
    for user in ("a", "b", "c"):
        rl.check(user, client="10.0.0.1")
    clock.now += 61
    rl.check("d")
    rows = rl._db.execute("SELECT key FROM hits").fetchall()
    assert rows == [("user:d",)]


def test_refusal_becomes_a_message_a_user_can_act_on(tmp_path: Path) -> None:
    rl = limiter(tmp_path, Clock(), limit=1)
    rl.check("alice").raise_if_refused()
    with pytest.raises(RateLimitedError, match=r"^Too many questions: try again in 60 seconds\.$"):
        rl.check("alice").raise_if_refused()
    assert str(RateLimitedError(0.2)) == "Too many questions: try again in 1 seconds."


def test_twenty_threads_pass_exactly_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "rl.sqlite3"
    shared = RateLimiter(path, limit=30)
    allowed: list[bool] = []
    start = threading.Barrier(20)

    def hammer(own: bool) -> None:
        # Half share one instance (its lock), half bring their own connection (SQLite's lock).
        rl = RateLimiter(path, limit=30) if own else shared
        start.wait()
        results = [rl.check("target").allowed for _ in range(5)]
        allowed.extend(results)

    threads = [threading.Thread(target=hammer, args=(i % 2 == 0,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(allowed) == 100
    assert sum(allowed) == 30


def _process_worker(path: str, count: int, go: Event, queue: multiprocessing.Queue[int]) -> None:
    rl = RateLimiter(Path(path), limit=30)
    go.wait(60)  # all four start checking together, so they really race
    queue.put(sum(rl.check("target", client="10.1.1.1").allowed for _ in range(count)))


def test_four_processes_pass_exactly_the_limit(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue[int] = context.Queue()
    path = str(tmp_path / "rl.sqlite3")
    go = context.Event()
    workers = [
        context.Process(target=_process_worker, args=(path, 25, go, queue)) for _ in range(4)
    ]
    for worker in workers:
        worker.start()
    time.sleep(1)  # let them open the database; being late only makes the race milder
    go.set()
    passed = [queue.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
        assert worker.exitcode == 0
    assert sum(passed) == 30


def test_policy_file_defaults_and_bundled_copy(tmp_path: Path) -> None:
    assert load_rate_limits(tmp_path) == RateLimitPolicy(30, 60.0, (), ())
    assert load_rate_limits(REPO / "policies") == RateLimitPolicy(30, 60.0, (), ())


def test_policy_file_is_read(tmp_path: Path) -> None:
    (tmp_path / "rate_limits.toml").write_text(
        'limit = 5\nwindow_seconds = 10\nexempt_users = ["svc"]\nexempt_groups = ["ops"]\n',
        encoding="utf-8",
    )
    policy = load_rate_limits(tmp_path)
    assert policy == RateLimitPolicy(5, 10.0, ("svc",), ("ops",))
    rl = RateLimiter.from_policy(tmp_path / "rl.sqlite3", policy, clock=Clock())
    assert [rl.check("x").allowed for _ in range(6)] == [True] * 5 + [False]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("limit = 0", "limit must be"),
        ("limit = true", "limit must be"),
        ("limit = 2.5", "limit must be"),
        ("window_seconds = -1", "window_seconds must be"),
        ('exempt_users = "alice"', "exempt_users must be a list"),
        ("limt = 3", "unknown setting"),
        ("limit = ", "not readable TOML"),
    ],
)
def test_bad_policy_file_is_explained(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "rate_limits.toml").write_text(content + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_rate_limits(tmp_path)


def _opener(path: str, go: Event, queue: multiprocessing.Queue[str]) -> None:
    go.wait(60)
    try:
        RateLimiter(Path(path), limit=30)
        queue.put("opened")
    except StoreError as exc:
        queue.put(str(exc))


def test_processes_opening_a_new_file_at_once_all_open_it(tmp_path: Path) -> None:
    # SQLite may refuse the switch to WAL at once, without waiting, when several processes
    # open a new file together: before the retry, about 1 open in 25 failed on 2 cores.
    context = multiprocessing.get_context("spawn")
    for attempt in range(4):
        path, go = str(tmp_path / f"rl{attempt}.sqlite3"), context.Event()
        queue: multiprocessing.Queue[str] = context.Queue()
        openers = [context.Process(target=_opener, args=(path, go, queue)) for _ in range(8)]
        for opener in openers:
            opener.start()
        time.sleep(1)  # all started and waiting
        go.set()
        results = [queue.get(timeout=120) for _ in openers]
        for opener in openers:
            opener.join(timeout=30)
        assert results == ["opened"] * 8
