"""The portal's pages through Streamlit's AppTest: real LDAP, real index, a scripted LLM server.

(The real embedded model answers in the browser test, tests/test_portal_browser.py.)
"""

import re
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import streamlit as st
from llm_doubles import ScriptedLLM
from openai_server import serve
from streamlit.testing.v1 import AppTest

from pagewise.audit.log import AuditLog

REPO = Path(__file__).resolve().parent.parent
APP = str(REPO / "ui" / "portal" / "app.py")
REPLY = "密码长度至少 12 位，每 90 天更换一次 [1]。"
# The second sentence invents its figures: it must never reach the page, not even for a moment.
INVENTED = "密码错误 8 次后账户锁定 24 小时 [1]。"


@pytest.fixture
def portal(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    dev_directory: Any,
    index_copy: Callable[[Path, str, Path], Path],
    fixtures: Path,
) -> Iterator[Path]:
    data = index_copy(fixtures / "manual.pdf", "engineering", tmp_path / "data")
    with serve(ScriptedLLM(getattr(request, "param", REPLY))) as url:
        for name, value in {
            "DATA_DIR": str(data),
            "LDAP_URL": dev_directory.url,
            "LLM_BACKEND": "openai",
            "LLM_BASE_URL": url,
            "LLM_MODEL": "scripted",
            "POLICIES_DIR": str(REPO / "policies"),
        }.items():
            monkeypatch.setenv(f"PAGEWISE_{name}", value)
        st.cache_resource.clear()  # services are built once per process: rebuild for this test
        yield data
        st.cache_resource.clear()


def plain(markdown: str) -> str:
    """What the page shows for escaped Markdown: the text without its backslashes."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("  \n", "\n")


def _login(username: str, password: str, locale: str | None = None) -> AppTest:
    """A session logged in from a browser whose language is ``locale`` (None: says none)."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.context["locale"] = locale
    at.run()
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    at.button[0].click().run()
    return at


def test_login_page_asks_for_user_name_and_password(portal: Path) -> None:
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert [t.label for t in at.text_input] == ["User name", "Password"]
    assert not at.exception


def test_wrong_password_is_refused_with_a_message(portal: Path) -> None:
    at = _login("alice", "not-her-password")
    assert [e.value for e in at.error] == ["Wrong user name or password."]
    assert "identity" not in at.session_state


def test_a_user_asks_and_sees_the_answer_with_its_page_reference(portal: Path) -> None:
    at = _login("alice", "alice-demo")
    assert at.title[0].value == "Ask the manuals"
    at.chat_input[0].set_value("密码多久更换一次？").run()
    assert not at.exception
    assert any("每 90 天更换一次" in m.value for m in at.markdown)
    reference = next(b for b in at.button if plain(b.label).startswith("[1]"))
    assert "p. 6 (printed p. 4)" in plain(reference.label)
    assert "2.1 密码策略" in plain(reference.label)
    reference.click().run()
    assert len(at.get("image")) == 1, "the cited page is shown as a picture"
    assert len(at.get("download_button")) == 1, "the original file can be downloaded"
    assert any("2.1 密码策略" in plain(c.value) for c in at.caption)
    assert {"login", "answered"} <= {r["event"] for r in AuditLog(portal / "audit").recent()}


@pytest.mark.parametrize("portal", [REPLY + INVENTED], indirect=True)
def test_an_unsupported_sentence_is_never_shown(portal: Path) -> None:
    at = _login("alice", "alice-demo")
    at.chat_input[0].set_value("密码多久更换一次？").run()
    shown = " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)
    assert "每 90 天更换一次" in shown
    assert "24" not in shown and "锁定" not in shown
    assert any("left out" in c.value for c in at.caption)


def test_an_answer_is_audited_once_and_feedback_refers_to_its_record(portal: Path) -> None:
    at = _login("alice", "alice-demo")
    at.chat_input[0].set_value("密码多久更换一次？").run()
    next(b for b in at.button if b.label == "Helpful").click().run()
    assert not at.exception
    assert [c.value for c in at.caption if c.value == "Thanks for the feedback."]
    login, answered, feedback = reversed(AuditLog(portal / "audit").recent())
    assert (login["event"], answered["event"], feedback["event"]) == (
        "login",
        "answered",
        "feedback",
    )
    assert answered["user"] == "alice" and answered["groups"] == ["engineering"]
    assert (feedback["ref"], feedback["helpful"]) == (answered["id"], True)


@pytest.fixture
def shared_address(portal: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Every session comes from one (non-loopback) address, as behind one office NAT; at most
    two questions per window for each user and each address."""
    policies = tmp_path / "limited-policies"
    shutil.copytree(REPO / "policies", policies)
    (policies / "rate_limits.toml").write_text("limit = 2\nwindow_seconds = 3600\n")
    monkeypatch.setenv("PAGEWISE_POLICIES_DIR", str(policies))
    st.cache_resource.clear()
    address = "10.1.2.3"
    # AppTest has no connection to take an address from (AppTest.context cannot seed
    # ip_address): stand in for the browser's websocket below st.context, which still applies
    # its own rules (loopback means no address).
    client = SimpleNamespace(remote_ip=address, headers={}, cookies={})
    monkeypatch.setattr("streamlit.runtime.context._get_client_context", lambda: client)
    yield address


def test_users_behind_one_client_address_share_its_rate_limit(
    portal: Path, shared_address: str
) -> None:
    alice = _login("alice", "alice-demo")
    for _ in range(2):
        alice.chat_input[0].set_value("密码多久更换一次？").run()
        assert not alice.warning, [w.value for w in alice.warning]
    bob = _login("bob", "bob-demo")  # his first question, but the address has used its two
    bob.chat_input[0].set_value("报销单多久内提交？").run()
    assert not bob.exception
    (warning,) = bob.warning
    assert re.fullmatch(r"Too many questions: try again in \d+ seconds\.", warning.value)
    records = [r for r in AuditLog(portal / "audit").recent() if r["event"] != "login"]
    limited, *answered = records
    assert [r["event"] for r in answered] == ["answered", "answered"]
    assert {r["client"] for r in records} == {shared_address}
    assert (limited["event"], limited["user"]) == ("rate_limited", "bob")
    assert limited["limited_by"] == f"client:{shared_address}"


def test_behind_a_trusted_proxy_the_forwarded_browser_address_is_the_client(
    portal: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # nginx on the same host: Streamlit sees loopback (no address); nginx appended the
    # browser's address after one the browser forged.
    monkeypatch.setenv("PAGEWISE_UI_TRUSTED_PROXIES", '["127.0.0.1"]')
    st.cache_resource.clear()
    headers = [("X-Forwarded-For", "198.51.100.9, 10.7.7.7")]
    client = SimpleNamespace(remote_ip="127.0.0.1", headers=headers, cookies={})
    monkeypatch.setattr("streamlit.runtime.context._get_client_context", lambda: client)
    alice = _login("alice", "alice-demo")
    alice.chat_input[0].set_value("密码多久更换一次？").run()
    assert not alice.exception
    (answered,) = [r for r in AuditLog(portal / "audit").recent() if r["event"] == "answered"]
    assert answered["client"] == "10.7.7.7"


def test_only_admins_see_the_admin_page(portal: Path) -> None:
    alice = _login("alice", "alice-demo")
    assert alice.radio(key="page").options == ["Ask"]
    carol = _login("carol", "carol-demo")
    assert carol.radio(key="page").options == ["Ask", "Admin"]
    carol.radio(key="page").set_value("admin").run()
    assert not carol.exception
    documents = carol.dataframe[0].value
    assert list(documents["file"]) == ["manual.pdf"]


def test_a_user_in_no_mapped_group_is_told_to_ask_for_access(
    portal: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    policies = tmp_path / "policies"
    policies.mkdir()
    for name in ("system_prompt.md", "refusal.txt"):
        (policies / name).write_text((REPO / "policies" / name).read_text(encoding="utf-8"))
    (policies / "access.toml").write_text('[groups]\nfinance = ["finance"]\n')
    monkeypatch.setenv("PAGEWISE_POLICIES_DIR", str(policies))
    st.cache_resource.clear()
    at = _login("alice", "alice-demo")
    assert "Ask an administrator for access" in at.warning[0].value


def test_logout_returns_to_the_login_form(portal: Path) -> None:
    at = _login("alice", "alice-demo")
    next(b for b in at.sidebar.button if b.label == "Log out").click().run()
    assert [t.label for t in at.text_input] == ["User name", "Password"]
    assert "identity" not in at.session_state


def test_an_idle_session_expires(portal: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAGEWISE_SESSION_TIMEOUT_MINUTES", "0.01")
    st.cache_resource.clear()
    at = _login("alice", "alice-demo")
    assert at.title[0].value == "Ask the manuals"
    time.sleep(1.0)
    at.run()
    assert [i.value for i in at.info] == ["Your session expired. Please log in again."]
    assert [t.label for t in at.text_input] == ["User name", "Password"]


def test_an_admin_deletes_a_document_and_reads_the_audit_log(portal: Path) -> None:
    carol = _login("carol", "carol-demo")
    carol.radio(key="page").set_value("admin").run()
    carol.selectbox[0].set_value("engineering / manual.pdf").run()
    next(b for b in carol.button if b.label == "Delete").click().run()
    assert not carol.exception
    assert any("No documents yet" in i.value for i in carol.info)
    audit = carol.dataframe[-1].value
    assert {"login", "delete"} <= set(audit["event"])
    assert set(audit[audit["event"] == "delete"]["user"]) == {"carol"}


def test_another_department_never_sees_the_manual_even_quoting_it(portal: Path) -> None:
    bob = _login("bob", "bob-demo")  # finance: the manual is in engineering
    bob.chat_input[0].set_value("密码长度至少 12 位，每 90 天更换一次。").run()
    assert not bob.exception
    assert not [b for b in bob.button if plain(b.label).startswith("[")]
    assert not bob.get("image") and not bob.get("download_button")
    assert [i.value for i in bob.info] == ["该问题暂未收录，请联系技术支持"]


def test_answers_are_shown_as_text_not_markup() -> None:
    from ui.portal.display import as_text

    shown = as_text("见 [1]。[点我](http://evil.example) <img src=x onerror=alert(1)> **粗**")
    assert "](http" not in shown and "<img" not in shown and "**" not in shown
    assert shown.startswith("见 \\[1\\]。")
