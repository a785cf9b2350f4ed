"""Login throttling: failed logins slow down, per user name and per client address.

:class:`LoginGuard` wraps an :class:`~pagewise.auth.Authenticator`. Before the directory is
asked, the attempt is counted (atomically, in SQLite, so parallel attempts cannot all slip in
before the first failure is written) against

* the user name as typed, folded (``ALICE``, ``ａｌｉｃｅ`` and ``𝐚𝐥𝐢𝐜𝐞`` are one name), and
* the client address, with a higher allowance: one office behind one address shares it.

Past its allowance a key waits after each failure, longer each time (:class:`Backoff`). The
decision never depends on whether the user exists, so the refusal reveals nothing; a refused
attempt reaches no directory and counts nothing. A failure the directory resolved to a person
(wrong password) also counts against the directory's name for them, in case the directory
matches a spelling :func:`fold_name` does not. A successful login clears the user name's count
(not the address's: one valid account must not reset an address that guesses at others).

Names are kept as a keyed hash, labelled for the administrator with the directory's name or
the masked typed name: what is typed into the name field may be a password.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import time
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from pagewise.auth import (
    AmbiguousUserError,
    Authenticator,
    AuthError,
    Identity,
    MissingCredentialsError,
    UnknownUserError,
    WrongCredentialsError,
)
from pagewise.errors import ConfigError
from pagewise.names import fold_name, mask_name
from pagewise.ratelimit import FILE_NAME, Admission, Backoff, RateLimiter

DB_NAME = "logins.sqlite3"
NAME_PREFIX = "name:"
CLIENT_PREFIX = "client:"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS labels (key TEXT PRIMARY KEY, label TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value BLOB NOT NULL);
"""


@dataclass(frozen=True)
class LoginPolicy:
    """``[logins]`` in rate_limits.toml; see the comments there."""

    user_failures: int = 5
    client_failures: int = 20
    window_seconds: float = 900.0
    first_delay_seconds: float = 30.0
    max_delay_seconds: float = 900.0

    @property
    def backoff(self) -> Backoff:
        return Backoff(self.first_delay_seconds, self.max_delay_seconds)


class LoginThrottledError(AuthError):
    """Too many failed logins for this name or address; the same text for both."""

    def __init__(self, retry_after: float) -> None:
        self.retry_after = retry_after
        seconds = max(1, math.ceil(retry_after))
        super().__init__(f"Too many failed logins: try again in {seconds} seconds.")
        self.public_message = str(self)


class Audit(Protocol):
    def record(self, event: str, user: str, **fields: Any) -> str: ...


@dataclass(frozen=True)
class Lock:
    """Failed logins counted for one user name or address, as the administrator sees them."""

    key: str
    label: str  # the directory's name, the masked typed name, or "client:ADDRESS"
    failures: int
    last_failure: float
    retry_after: float  # seconds until the next attempt may pass; 0: not locked now


class LoginLimiter(RateLimiter):
    """The rate limiter with labels for its hashed keys and a secret to hash them with."""

    def __init__(self, path: Path, policy: LoginPolicy, clock: Callable[[], float]) -> None:
        super().__init__(path, 1, policy.window_seconds, clock=clock, backoff=policy.backoff)
        self._locked(lambda: self._db.executescript(_SCHEMA))

    def label(self, key: str, label: str) -> None:
        self._write("INSERT OR REPLACE INTO labels (key, label) VALUES (?, ?)", [(key, label)])

    def label_of(self, key: str) -> str | None:
        row = self._locked(
            lambda: self._db.execute("SELECT label FROM labels WHERE key = ?", (key,)).fetchone()
        )
        return str(row[0]) if row else None

    def reset(self, keys: Sequence[str]) -> int:
        self._write("DELETE FROM labels WHERE key = ?", [(key,) for key in keys])
        return super().reset(keys)

    def tallies(self) -> list[tuple[str, int, float, str]]:
        """(key, hits, newest hit, label) of every key with hits in the window."""
        cutoff = self.clock() - self.window_seconds
        rows = self._locked(
            lambda: self._db.execute(
                "SELECT h.key, COUNT(*), MAX(h.ts), COALESCE(l.label, h.key) FROM hits h"
                " LEFT JOIN labels l ON l.key = h.key WHERE h.ts > ?"
                " GROUP BY h.key ORDER BY MAX(h.ts) DESC",
                (cutoff,),
            ).fetchall()
        )
        return [(str(k), int(n), float(t), str(label)) for k, n, t, label in rows]

    def secret(self) -> bytes:
        """32 random bytes made once per database: the key that hashes user names."""

        def read() -> bytes:
            self._db.execute(
                "INSERT OR IGNORE INTO meta (name, value) VALUES ('secret', ?)",
                (secrets.token_bytes(32),),
            )
            (value,) = self._db.execute("SELECT value FROM meta WHERE name = 'secret'").fetchone()
            return bytes(value)

        return self._locked(read)


class LoginGuard:
    """Logins through the authenticator, throttled and audited; see the module docstring."""

    def __init__(
        self,
        authenticator: Authenticator,
        data_dir: Path,
        policy: LoginPolicy | None = None,
        audit: Audit | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.authenticator = authenticator
        self.policy = policy or LoginPolicy()
        self.audit = audit
        self.limiter = LoginLimiter(data_dir / DB_NAME, self.policy, clock)
        self._secret = self.limiter.secret()

    def login(self, username: str, password: str, client: str | None = None) -> Identity:
        """The identity, or an AuthError whose ``public_message`` the login page shows."""
        if not username.strip() or not password.strip():
            # Refused before the directory: nothing to count, nothing guessed.
            self._record("login_failed", mask_name(username), client, "MissingCredentialsError")
            raise MissingCredentialsError("Login refused: empty user name or password.")
        key = self.name_key(username)
        limits = {key: self.policy.user_failures}
        if client:
            limits[CLIENT_PREFIX + client] = self.policy.client_failures
        admission = self.limiter.admit(limits)
        if not admission.decision.allowed:
            # Named as the earlier failures were: the directory's name when it knew the person.
            name = self.limiter.label_of(key) or mask_name(username)
            self._throttled(name, client, admission)
        try:
            identity = self.authenticator.authenticate(username, password)
        except AuthError as exc:
            if not _is_guess(exc):
                # An outage or a misconfigured directory must not lock everyone out.
                self.limiter.release(admission.hits)
                self._record("login_failed", mask_name(username), client, type(exc).__name__)
                raise
            name = exc.username or mask_name(username)
            self.limiter.label(key, name)
            if exc.username:
                self._count_person(exc.username, key, client, admission)
            self._record("login_failed", name, client, type(exc).__name__)
            raise
        self._count_person(identity.username, key, client, admission)
        self.limiter.reset([key, self.name_key(identity.username)])
        self.limiter.release(admission.hits[1:])  # the address's hit: this one was no failure
        self._record("login", identity.username, client, groups=list(identity.groups))
        return identity

    def locks(self) -> list[Lock]:
        """Every user name and address with failed logins in the window, newest first."""
        now = self.limiter.clock()
        found = []
        for key, failures, last, label in self.limiter.tallies():
            limit = (
                self.policy.user_failures
                if key.startswith(NAME_PREFIX)
                else self.policy.client_failures
            )
            wait = 0.0
            if failures >= limit:
                wait = max(last + self.policy.backoff.delay(failures - limit) - now, 0.0)
            found.append(Lock(key, label, failures, last, wait))
        return found

    def clear(self, target: str, admin: str) -> int:
        """Forget the failures of a user name (any spelling), an address (``client:ADDR`` or
        the address) or a key from :meth:`locks`; audited. The number of failures forgotten."""
        locks = self.locks()
        keys = {lock.key for lock in locks if target in (lock.key, lock.label)}
        if not keys:
            folded = fold_name(target)
            keys = {lock.key for lock in locks if fold_name(lock.label) == folded}
            keys |= {self.name_key(target), CLIENT_PREFIX + target.removeprefix(CLIENT_PREFIX)}
        cleared = self.limiter.reset(sorted(keys))
        labels = sorted({lock.label for lock in locks if lock.key in keys})
        if self.audit is not None:
            self.audit.record("login_lock_cleared", admin, cleared=labels, failures=cleared)
        return cleared

    def name_key(self, username: str) -> str:
        digest = hmac.new(self._secret, fold_name(username).encode(), hashlib.sha256)
        return NAME_PREFIX + digest.hexdigest()[:32]

    def _count_person(
        self, name: str, typed_key: str, client: str | None, admission: Admission
    ) -> None:
        """Count the attempt against the directory's name for the person too, when the typed
        spelling folded to another key; when that name is locked, refuse (right password or
        not, so the refusal says nothing about the password)."""
        key = self.name_key(name)
        if key == typed_key:
            return
        person = self.limiter.admit({key: self.policy.user_failures})
        if not person.decision.allowed:
            self.limiter.release(admission.hits)
            self._throttled(name, client, person)
        self.limiter.label(key, name)

    def _throttled(self, name: str, client: str | None, admission: Admission) -> None:
        decision = admission.decision
        limited_by = "client" if decision.key.startswith(CLIENT_PREFIX) else "user"
        error = LoginThrottledError(decision.retry_after)
        retry = round(decision.retry_after, 1)
        self._record("login_throttled", name, client, retry_after=retry, limited_by=limited_by)
        raise error

    def _record(
        self, event: str, name: str, client: str | None, reason: str = "", **fields: Any
    ) -> None:
        if self.audit is not None:
            extra = {"reason": reason} if reason else {}
            self.audit.record(event, name, client=client, **extra, **fields)


def _is_guess(error: AuthError) -> bool:
    """Whether the directory judged the name and password (a failure that counts), rather
    than failing to (unreachable, misconfigured)."""
    judged = (WrongCredentialsError, UnknownUserError, AmbiguousUserError)
    return isinstance(error, judged) or error.username is not None


def load_login_policy(policies_dir: Path) -> LoginPolicy:
    """``[logins]`` of ``policies_dir/rate_limits.toml``; missing means the defaults."""
    path = policies_dir / FILE_NAME
    if not path.is_file():
        return LoginPolicy()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8")).get("logins", {})
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path} is not readable TOML ({exc}); fix the file") from exc
    defaults = LoginPolicy()
    names = set(defaults.__dataclass_fields__)
    if not isinstance(data, dict) or set(data) - names:
        raise ConfigError(
            f"{path}: [logins] takes only {', '.join(sorted(names))}; remove the other settings"
        )
    values: dict[str, Any] = {}
    for name, value in data.items():
        whole = name.endswith("failures")
        if isinstance(value, bool) or not isinstance(value, int if whole else int | float):
            raise ConfigError(f"{path}: [logins] {name} must be a {'whole ' * whole}number")
        if value < (1 if whole else 0) or (not whole and value == 0):
            raise ConfigError(f"{path}: [logins] {name} must be above 0")
        values[name] = value if whole else float(value)
    policy = LoginPolicy(**values)
    if policy.max_delay_seconds < policy.first_delay_seconds:
        raise ConfigError(f"{path}: [logins] max_delay_seconds is below first_delay_seconds")
    return policy
