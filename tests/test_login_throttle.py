"""Login throttling against the real directory (slapd): per user name, per client address."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from pagewise.audit.log import AuditLog
from pagewise.auth import (
    GENERIC_LOGIN_FAILURE,
    AuthError,
    LdapAuthenticator,
    UnknownUserError,
    WrongCredentialsError,
)
from pagewise.errors import ConfigError
from pagewise.logins import LoginGuard, LoginPolicy, LoginThrottledError, load_login_policy

REPO = Path(__file__).resolve().parent.parent
POLICY = LoginPolicy(
    user_failures=5,
    client_failures=20,
    window_seconds=900,
    first_delay_seconds=30,
    max_delay_seconds=900,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


KEY = bytes(range(32))  # the audit log's signing key in these tests


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def audit(tmp_path: Path) -> AuditLog:
    return AuditLog(tmp_path / "audit", key=KEY)


@pytest.fixture
def guard(
    dev_directory: Any, tmp_path: Path, audit: AuditLog, clock: Clock
) -> Iterator[LoginGuard]:
    auth = LdapAuthenticator(url=dev_directory.url)
    built = LoginGuard(auth, tmp_path / "data", POLICY, audit, clock)
    yield built
    built.limiter.close()


def _fail(guard: LoginGuard, name: str, times: int, client: str | None = None) -> None:
    for _ in range(times):
        with pytest.raises((WrongCredentialsError, UnknownUserError)):
            guard.login(name, "wrong-guess", client)


def test_the_bundled_policy_allows_five_failures_then_waits_from_30_s_to_15_min() -> None:
    assert load_login_policy(REPO / "policies") == POLICY
    assert [POLICY.backoff.delay(n) for n in range(7)] == [30, 60, 120, 240, 480, 900, 900]


def test_five_failures_pass_then_the_sixth_attempt_waits_even_with_the_right_password(
    guard: LoginGuard, clock: Clock
) -> None:
    _fail(guard, "alice", 5)
    with pytest.raises(LoginThrottledError) as caught:
        guard.login("alice", "alice-demo")
    assert caught.value.public_message == "Too many failed logins: try again in 30 seconds."
    clock.now += 31
    assert guard.login("alice", "alice-demo").username == "alice"


def test_each_failure_past_the_limit_doubles_the_wait(guard: LoginGuard, clock: Clock) -> None:
    _fail(guard, "bob", 5)
    waits = []
    for _ in range(4):
        with pytest.raises(LoginThrottledError) as caught:
            guard.login("bob", "wrong-guess")
        waits.append(caught.value.retry_after)
        clock.now += caught.value.retry_after + 0.1
        _fail(guard, "bob", 1)
    assert [round(w) for w in waits] == [30, 60, 120, 240]


def test_a_nonexistent_user_is_throttled_exactly_like_a_real_one(guard: LoginGuard) -> None:
    messages = {}
    for name in ("alice", "nobody-here"):
        with pytest.raises(AuthError) as first:
            guard.login(name, "wrong-guess")
        _fail(guard, name, 4)
        with pytest.raises(LoginThrottledError) as refused:
            guard.login(name, "wrong-guess")
        messages[name] = (first.value.public_message, refused.value.public_message)
    assert messages["alice"] == messages["nobody-here"]
    assert messages["alice"][0] == GENERIC_LOGIN_FAILURE


@pytest.mark.parametrize("spelling", ["ALICE", "ａｌｉｃｅ", "𝐚𝐥𝐢𝐜𝐞", "ali\u00adce"])
def test_another_spelling_of_the_name_buys_no_fresh_quota(guard: LoginGuard, spelling: str) -> None:
    _fail(guard, "alice", 5)
    with pytest.raises(LoginThrottledError):
        guard.login(spelling, "alice-demo")


def test_a_successful_login_resets_the_user_count(guard: LoginGuard) -> None:
    _fail(guard, "carol", 4)
    assert guard.login("CAROL", "carol-demo").username == "carol"
    _fail(guard, "carol", 4)  # four more: the count started again
    assert guard.login("carol", "carol-demo").is_admin


def test_one_address_guessing_at_many_names_is_stopped(guard: LoginGuard, clock: Clock) -> None:
    names = [f"user{n}" for n in range(20)]
    for name in names:
        _fail(guard, name, 1, client="203.0.113.5")
    with pytest.raises(LoginThrottledError):
        guard.login("bob", "bob-demo", client="203.0.113.5")
    # Another address is not affected, and a valid login does not reset the guessing address.
    assert guard.login("bob", "bob-demo", client="198.51.100.7").username == "bob"
    clock.now += 31
    assert guard.login("bob", "bob-demo", client="203.0.113.5").username == "bob"
    _fail(guard, "user98", 1, client="203.0.113.5")  # the one guess the 30 s wait allowed
    with pytest.raises(LoginThrottledError) as caught:
        guard.login("user99", "wrong-guess", client="203.0.113.5")
    assert round(caught.value.retry_after) == 60


def test_parallel_attempts_cannot_slip_past_the_limit(guard: LoginGuard) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def attempt(_: int) -> str:
        try:
            guard.login("alice", "wrong-guess")
        except AuthError as exc:
            return type(exc).__name__
        return "login"

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(attempt, range(16)))
    assert outcomes.count("WrongCredentialsError") == 5
    assert outcomes.count("LoginThrottledError") == 11


def test_refusals_and_failures_are_audited_with_masked_names(
    guard: LoginGuard, audit: AuditLog
) -> None:
    _fail(guard, "Hunter2-Secret", 5, client="10.0.0.9")
    _fail(guard, "ALICE", 1, client="10.0.0.9")
    with pytest.raises(LoginThrottledError):
        guard.login("Hunter2-Secret", "x", client="10.0.0.9")
    records = list(reversed(audit.recent()))
    assert "Hunter2" not in str(records)
    assert [r["event"] for r in records] == ["login_failed"] * 6 + ["login_throttled"]
    assert {r["user"] for r in records[:5]} == {"H…(14)"}
    assert records[5]["user"] == "alice"  # the directory's name for a wrong password
    throttled = records[6]
    assert (throttled["user"], throttled["client"], throttled["limited_by"]) == (
        "H…(14)",
        "10.0.0.9",
        "user",
    )
    assert throttled["retry_after"] == 30
    _fail(guard, "alice", 4)
    with pytest.raises(LoginThrottledError):
        guard.login("ａｌｉｃｅ", "alice-demo")
    assert audit.recent(1)[0]["user"] == "alice"  # as the directory named her failures


def test_an_administrator_sees_and_clears_a_lock(guard: LoginGuard, audit: AuditLog) -> None:
    _fail(guard, "Alice", 5, client="10.0.0.9")
    _fail(guard, "typo-name", 2)
    locks = {lock.label: lock for lock in guard.locks()}
    assert set(locks) == {"alice", "t…(9)", "client:10.0.0.9"}
    assert (locks["alice"].failures, round(locks["alice"].retry_after)) == (5, 30)
    assert locks["t…(9)"].retry_after == 0
    assert guard.clear("alice", admin="carol") == 5
    assert guard.login("alice", "alice-demo", client="10.0.0.9").username == "alice"
    cleared = next(r for r in audit.recent() if r["event"] == "login_lock_cleared")
    assert (cleared["user"], cleared["cleared"]) == ("carol", ["alice"])


def test_a_directory_outage_locks_nobody_out(dev_directory: Any, tmp_path: Path) -> None:
    import slapd

    dead = LdapAuthenticator(url=f"ldap://127.0.0.1:{slapd.free_port()}", timeout=1)
    guard = LoginGuard(dead, tmp_path / "data", POLICY)
    for _ in range(8):
        with pytest.raises(AuthError, match="unreachable"):
            guard.login("alice", "alice-demo")
    assert guard.locks() == []
    # Nor does a directory that refuses the service account (a configuration error).
    misconfigured = LdapAuthenticator(
        url=dev_directory.url,
        bind_dn=dev_directory.root_dn,
        bind_password=SecretStr("not-the-password"),
    )
    guard = LoginGuard(misconfigured, tmp_path / "data", POLICY)
    for _ in range(8):
        with pytest.raises(AuthError, match="refused the service account"):
            guard.login("alice", "alice-demo")
    assert guard.locks() == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[logins]\nuser_failures = 0\n", "above 0"),
        ("[logins]\nuser_failures = 2.5\n", "whole number"),
        ("[logins]\nlockout = 3\n", "takes only"),
        ("[logins]\nfirst_delay_seconds = 60\nmax_delay_seconds = 10\n", "below"),
    ],
)
def test_a_bad_login_policy_is_explained(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "rate_limits.toml").write_text(content)
    with pytest.raises(ConfigError, match=message):
        load_login_policy(tmp_path)


def test_what_a_patient_attacker_gets_against_one_name(guard: LoginGuard, clock: Clock) -> None:
    """An attacker who tries again the moment each wait ends: guesses in a day for one name."""
    start, guesses = clock.now, 0
    while clock.now < start + 86400:
        try:
            guard.login("alice", "wrong-guess")
        except LoginThrottledError as exc:
            clock.now += exc.retry_after + 0.01
        except WrongCredentialsError:
            guesses += 1
    # 5 at once, then about 6 per 15 minutes (the window forgets the oldest failures while
    # the waits grow to their 15-minute cap): 609 on the bundled policy.
    assert 550 <= guesses <= 650, guesses


def test_the_cli_lists_and_clears_a_lock(dev_directory: Any, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    data = tmp_path / "data"
    key_file = tmp_path / "cli-audit.key"
    key_file.write_text(KEY.hex())
    key_file.chmod(0o600)
    guard = LoginGuard(LdapAuthenticator(url=dev_directory.url), data, POLICY)
    _fail(guard, "bob", 5, client="10.0.0.8")
    locked_by = time.monotonic()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAGEWISE_")}
    env |= {
        "PYTHONPATH": str(REPO),  # this checkout, whatever the installed copy is
        "PAGEWISE_DATA_DIR": str(data),
        "PAGEWISE_POLICIES_DIR": str(REPO / "policies"),
        "PAGEWISE_LDAP_URL": dev_directory.url,
        "PAGEWISE_AUDIT_KEY_FILE": str(key_file),
        "PAGEWISE_AUDIT_CHECKPOINT_FILE": str(tmp_path / "audit-checkpoint.jsonl"),
    }

    def pagewise(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "ui", "logins", *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    listed = pagewise("list")
    # The 30 s lock, counted down by the time the CLI took to start (seconds on a busy
    # 2-core machine), give or take a second of rounding.
    waited = time.monotonic() - locked_by
    locked = re.search(r"^bob +5 failures, last .* LOCKED (\d+) s$", listed, re.M)
    assert locked and 30 - waited - 1 <= int(locked[1]) <= 30, (waited, listed)
    assert re.search(r"^client:10\.0\.0\.8 +5 failures, .* open$", listed, re.M), listed
    assert pagewise("clear", "BOB") == "5 failed login(s) of BOB forgotten.\n"
    assert "bob" not in pagewise("list")
    assert guard.login("bob", "bob-demo").username == "bob"
    cleared = next(
        r for r in AuditLog(data / "audit", key=KEY).recent() if r["event"] == "login_lock_cleared"
    )
    assert (cleared["user"], cleared["cleared"]) == ("cli", ["bob"])
