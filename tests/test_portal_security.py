"""The portal's front door and what it shows, through AppTest: real LDAP, real index."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from test_portal import APP, _login, portal  # noqa: F401  (the portal fixture)

from pagewise.audit.log import AuditLog


def test_the_login_page_throttles_after_five_failures(portal: Path) -> None:  # noqa: F811
    for _ in range(5):
        at = _login("alice", "not-her-password")
        assert [e.value for e in at.error] == ["Wrong user name or password."]
    at = _login("ａｌｉｃｅ", "alice-demo")  # the right password, in another spelling
    (error,) = at.error
    assert error.value.startswith("Too many failed logins: try again in ")
    assert "identity" not in at.session_state
    events = [r["event"] for r in reversed(AuditLog(portal / "audit").recent())]
    assert events == ["login_failed"] * 5 + ["login_throttled"]


def test_an_unknown_name_gets_the_same_answers_as_a_real_one(portal: Path) -> None:  # noqa: F811
    seen = {}
    for name in ("bob", "no-such-user"):
        shown = [_login(name, "wrong-guess").error[0].value for _ in range(6)]
        seen[name] = [text.split(" try again")[0] for text in shown]
    assert seen["bob"] == seen["no-such-user"]
    assert seen["bob"][-1] == "Too many failed logins:"


@pytest.mark.parametrize("typed", ["ALICE", "ａｌｉｃｅ", "𝐚𝐥𝐢𝐜𝐞"])
def test_every_spelling_of_a_name_is_one_person_in_the_portal(
    portal: Path,  # noqa: F811
    typed: str,
) -> None:
    at = _login(typed, "alice-demo")
    assert at.session_state["identity"].username == "alice"
    assert at.sidebar.markdown[0].value == "**Alice Engineer**"
    at.chat_input[0].set_value("密码多久更换一次？").run()
    users = {r["user"] for r in AuditLog(portal / "audit").recent()}
    assert users == {"alice"}


def test_a_failed_login_never_stores_what_was_typed(portal: Path) -> None:  # noqa: F811
    _login("Tr0ub4dor&3", "alice-demo")  # a password typed into the name field
    (failed,) = AuditLog(portal / "audit").recent()
    assert (failed["event"], failed["user"]) == ("login_failed", "T…(11)")
    logged = "".join(p.read_text() for p in (portal / "logs").glob("*.log*"))
    assert "Tr0ub4dor" not in logged and "Tr0ub4dor" not in str(failed)


def test_an_admin_sees_a_locked_name_and_clears_it(portal: Path) -> None:  # noqa: F811
    for _ in range(5):
        _login("bob", "not-his-password")
    carol = _login("carol", "carol-demo")
    carol.sidebar.radio[0].set_value("Admin").run()
    locks = carol.dataframe[1].value
    assert list(locks["name or address"]) == ["bob"]
    assert list(locks["failures"]) == [5] and locks["locked for"][0].endswith(" s")
    carol.selectbox[1].set_value("bob").run()
    next(b for b in carol.button if b.label == "Clear").click().run()
    assert not carol.exception
    assert any("No failed logins" in i.value for i in carol.info)
    assert _login("bob", "bob-demo").session_state["identity"].username == "bob"
    cleared = next(
        r for r in AuditLog(portal / "audit").recent() if r["event"] == "login_lock_cleared"
    )
    assert (cleared["user"], cleared["cleared"]) == ("carol", ["bob"])


def test_the_login_page_starts_without_error(portal: Path) -> None:  # noqa: F811
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception and not at.error
