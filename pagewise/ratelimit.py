"""Rate limits: a sliding-window log of hits per key (user, client address) in SQLite.

Questions use :meth:`RateLimiter.check`; the login throttle (pagewise/logins.py) uses the
lower-level :meth:`RateLimiter.admit` with a :class:`Backoff`, its own limits per key, and
:meth:`~RateLimiter.release` and :meth:`~RateLimiter.reset`.

SQLite, not memory, so that the counts survive a restart and hold across the several
processes one host may run (portal workers, CLI). Each check is one ``BEGIN IMMEDIATE``
transaction: it takes the write lock before reading, so two processes can never both read
"29 of 30" and both let a request through.
"""

from __future__ import annotations

import math
import sqlite3
import threading
import time
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from pagewise.errors import ConfigError, PagewiseError, StoreError

_T = TypeVar("_T")

FILE_NAME = "rate_limits.toml"
DB_NAME = "ratelimit.sqlite3"
DEFAULT_LIMIT = 30
DEFAULT_WINDOW_SECONDS = 60.0
# How long a check waits for another process's transaction before giving up.
LOCK_TIMEOUT_SECONDS = 10.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS hits (key TEXT NOT NULL, ts REAL NOT NULL);
CREATE INDEX IF NOT EXISTS hits_by_key ON hits (key, ts);
CREATE INDEX IF NOT EXISTS hits_by_time ON hits (ts);
"""


class RateLimitedError(PagewiseError):
    """Too many questions in the window; ``retry_after`` says when the next one passes."""

    def __init__(self, retry_after: float) -> None:
        self.retry_after = retry_after
        seconds = max(1, math.ceil(retry_after))
        super().__init__(f"Too many questions: try again in {seconds} seconds.")


@dataclass(frozen=True)
class Decision:
    """``key`` is the key that refused the request, or the user's key when it passed."""

    allowed: bool
    retry_after: float
    key: str

    def raise_if_refused(self) -> None:
        if not self.allowed:
            raise RateLimitedError(self.retry_after)


@dataclass(frozen=True)
class Admission:
    """An :meth:`RateLimiter.admit` decision and the hits it counted (to release them)."""

    decision: Decision
    hits: tuple[int, ...] = ()


@dataclass(frozen=True)
class Backoff:
    """Past its limit a key is not shut for the whole window but waits after each hit:
    ``first_seconds`` after the hit that reached the limit, twice as long after each one more,
    at most ``max_seconds``."""

    first_seconds: float
    max_seconds: float

    def delay(self, over: int) -> float:
        """The wait after a hit ``over`` hits past the limit (0: the hit that reached it)."""
        return min(self.first_seconds * 2.0 ** min(over, 60), self.max_seconds)


@dataclass(frozen=True)
class RateLimitPolicy:
    limit: int = DEFAULT_LIMIT
    window_seconds: float = DEFAULT_WINDOW_SECONDS
    exempt_users: tuple[str, ...] = ()
    exempt_groups: tuple[str, ...] = ()


def rate_limit_db(data_dir: Path) -> Path:
    return data_dir / DB_NAME


class RateLimiter:
    """At most ``limit`` allowed checks per key in any ``window_seconds``; refusals don't count.

    Thread-safe; several instances (and processes) on one file share the counts.
    """

    def __init__(
        self,
        path: Path,
        limit: int = DEFAULT_LIMIT,
        window_seconds: float = DEFAULT_WINDOW_SECONDS,
        exempt_users: Sequence[str] = (),
        exempt_groups: Sequence[str] = (),
        clock: Callable[[], float] = time.time,
        backoff: Backoff | None = None,
    ) -> None:
        if limit < 1 or window_seconds <= 0:
            raise ConfigError(
                f"rate limit {limit} per {window_seconds} s: the limit must be at least 1 and"
                " the window longer than 0 seconds"
            )
        self.path = path
        self.limit = limit
        self.window_seconds = window_seconds
        # Wall-clock time by default: it is the only clock that processes and restarts share.
        self.clock = clock
        self.backoff = backoff
        self._exempt_users = frozenset(_user_key(u) for u in exempt_users)
        self._exempt_groups = frozenset(exempt_groups)
        self._lock = threading.Lock()
        self._last_prune = -math.inf
        self._db = self._connect()

    @classmethod
    def from_policy(
        cls, path: Path, policy: RateLimitPolicy, clock: Callable[[], float] = time.time
    ) -> RateLimiter:
        return cls(
            path,
            policy.limit,
            policy.window_seconds,
            policy.exempt_users,
            policy.exempt_groups,
            clock=clock,
        )

    def check(self, user: str, groups: Sequence[str] = (), client: str | None = None) -> Decision:
        """Count one question by ``user`` from ``client`` if both are under the limit."""
        user_key = _user_key(user)
        if user_key in self._exempt_users or self._exempt_groups.intersection(groups):
            return Decision(True, 0.0, user_key)
        keys = [user_key] if client is None else [user_key, f"client:{client}"]
        return self.admit({key: self.limit for key in keys}).decision

    def admit(self, limits: Mapping[str, int]) -> Admission:
        """Count one hit on every key if each is under its own limit, else none (atomic)."""
        return self._locked(lambda: self._check(limits))

    def release(self, hits: Sequence[int]) -> None:
        """Uncount hits that :meth:`admit` counted (an attempt that turned out not to count)."""
        self._write("DELETE FROM hits WHERE rowid = ?", [(hit,) for hit in hits])

    def reset(self, keys: Sequence[str]) -> int:
        """Forget every hit of ``keys``; the number of hits forgotten."""
        return self._write("DELETE FROM hits WHERE key = ?", [(key,) for key in keys])

    def _write(self, sql: str, rows: list[tuple[object, ...]]) -> int:
        def run() -> int:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                changed = sum(self._db.execute(sql, row).rowcount for row in rows)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            return changed

        return self._locked(run)

    def _locked(self, work: Callable[[], _T]) -> _T:
        try:
            with self._lock:
                return work()
        except sqlite3.Error as exc:
            raise StoreError(
                f"the rate-limit database {self.path} cannot be used ({exc}); check that the"
                " data dir is writable, or delete the file to reset the counts"
            ) from exc

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _connect(self) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # isolation_level None: we issue BEGIN IMMEDIATE ourselves.
            db = sqlite3.connect(
                self.path,
                timeout=LOCK_TIMEOUT_SECONDS,
                isolation_level=None,
                check_same_thread=False,
            )
            _set_up(db)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(
                f"cannot open the rate-limit database {self.path} ({exc}); check that the data"
                " dir is writable"
            ) from exc
        return db

    def _check(self, limits: Mapping[str, int]) -> Admission:
        now = self.clock()
        cutoff = now - self.window_seconds
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        hits: list[int] = []
        try:
            waits = {key: self._wait(key, limit, now, cutoff) for key, limit in limits.items()}
            refused = {key: wait for key, wait in waits.items() if wait > 0}
            if not refused:
                for key in limits:
                    cursor = db.execute("INSERT INTO hits (key, ts) VALUES (?, ?)", (key, now))
                    hits.append(int(cursor.lastrowid or 0))
            self._prune(now, cutoff)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        if refused:
            key = max(refused, key=lambda k: refused[k])
            return Admission(Decision(False, refused[key], key))
        return Admission(Decision(True, 0.0, next(iter(limits))), tuple(hits))

    def _wait(self, key: str, limit: int, now: float, cutoff: float) -> float:
        """Seconds until ``key`` may pass again; 0 when it may pass now."""
        db = self._db
        db.execute("DELETE FROM hits WHERE key = ? AND ts <= ?", (key, cutoff))
        (count, last) = db.execute(
            "SELECT COUNT(*), MAX(ts) FROM hits WHERE key = ?", (key,)
        ).fetchone()
        if count < limit:
            return 0.0
        if self.backoff is not None:
            # Waits grow with each hit past the limit, counted from the newest hit.
            wait = float(last) + self.backoff.delay(count - limit) - now
            return wait if wait > 0 else 0.0
        # One more may pass once all but limit-1 of the counted hits have left the window.
        (oldest,) = db.execute(
            "SELECT ts FROM hits WHERE key = ? ORDER BY ts LIMIT 1 OFFSET ?",
            (key, count - limit),
        ).fetchone()
        # A clock set back could make this 0 or less; still refuse, and say "soon".
        return max(float(oldest) + self.window_seconds - now, 0.001)

    def _prune(self, now: float, cutoff: float) -> None:
        """Drop every key's expired hits, once a window, so idle keys don't pile up."""
        if now - self._last_prune >= self.window_seconds:
            self._db.execute("DELETE FROM hits WHERE ts <= ?", (cutoff,))
            self._last_prune = now


def _user_key(user: str) -> str:
    # Directory logins are case-insensitive: "Alice" must not get a second quota.
    return f"user:{user.strip().casefold()}"


def load_rate_limits(policies_dir: Path) -> RateLimitPolicy:
    """The policy from ``policies_dir/rate_limits.toml``; no file means the defaults."""
    path = policies_dir / FILE_NAME
    if not path.is_file():
        return RateLimitPolicy()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path} is not readable TOML ({exc}); fix the file") from exc
    # [logins] is the login throttle's own policy (pagewise/logins.py).
    unknown = set(data) - {"limit", "window_seconds", "exempt_users", "exempt_groups", "logins"}
    if unknown:
        raise ConfigError(
            f"{path}: unknown setting(s) {', '.join(sorted(unknown))}; the settings are limit,"
            " window_seconds, exempt_users and exempt_groups"
        )
    return RateLimitPolicy(
        limit=_limit(path, data),
        window_seconds=_window(path, data),
        exempt_users=_names(path, data, "exempt_users"),
        exempt_groups=_names(path, data, "exempt_groups"),
    )


def _limit(path: Path, data: dict[str, object]) -> int:
    value = data.get("limit", DEFAULT_LIMIT)
    # bool is an int in Python; "limit = true" is a mistake, not 1.
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ConfigError(f"{path}: limit must be a whole number of questions, 1 or more")
    return value


def _window(path: Path, data: dict[str, object]) -> float:
    value = data.get("window_seconds", DEFAULT_WINDOW_SECONDS)
    if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
        raise ConfigError(f"{path}: window_seconds must be a number of seconds above 0")
    return float(value)


def _names(path: Path, data: dict[str, object], name: str) -> tuple[str, ...]:
    value = data.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f'{path}: {name} must be a list of names, e.g. {name} = ["alice"]')
    return tuple(value)


def _set_up(db: sqlite3.Connection) -> None:
    """WAL with synchronous=NORMAL (no fsync per check: a power cut may forget the last few
    counted questions, which is harmless for a rate limit), and the tables. Several processes
    opening a new file at once can be refused the switch to WAL at once, "database is locked",
    without SQLite waiting its busy timeout (seen with four processes on two cores): tried
    again until the lock timeout."""
    deadline = time.monotonic() + LOCK_TIMEOUT_SECONDS
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.executescript(_SCHEMA)
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)
