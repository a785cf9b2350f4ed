"""The portal's front door and what it shows, through AppTest: real LDAP, real index."""

from __future__ import annotations

import html
import io
import json
import re
from pathlib import Path

import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest
from test_portal import APP, _login, plain, portal  # noqa: F401  (the portal fixture)

from pagewise.audit.log import AuditLog
from pagewise.embedder import Embedder
from pagewise.sensitive import SensitiveWords
from pagewise.settings import Settings
from ui.components import build
from ui.portal.display import as_text
from ui.portal.pages import render_page


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
    carol.radio(key="page").set_value("admin").run()
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


# --- No markup from manuals or the model; redaction everywhere (issue 13, item 8) -----------

PLANTED = Path(__file__).resolve().parent / "fixtures" / "planted" / "travel-markup.md"
# The second sentence invents a figure (removed) and names a listed sensitive word.
PLANTED_REPLY = "差旅费用须在出差结束后 15 天内提交报销单 [1]。内部机密名单在 60 天后公开 [1]。"
# A link or image that Markdown would render: [text](url) or ![alt](url), brackets unescaped.
LIVE_LINK = re.compile(r"(?<!\\)\[[^\]]*(?<!\\)\]\(")


def _rendered(at: AppTest) -> list[str]:
    """Every text the page renders as Markdown: bodies, captions, alerts, widget labels."""
    texts = [
        e.value
        for kind in ("markdown", "caption", "info", "warning", "error", "success")
        for e in getattr(at, kind)
    ]
    texts += [b.label for b in at.button] + [b.help or "" for b in at.button]
    texts += [str(getattr(d, "label", "")) for d in at.get("download_button")]
    return texts


@pytest.fixture
def planted(portal: Path, embedder: Embedder) -> Path:  # noqa: F811
    with build(Settings(data_dir=portal), embedder=embedder) as components:
        summary = components.ingestor().ingest([PLANTED], "engineering")
    assert not summary.failed
    return portal


@pytest.mark.parametrize("portal", [PLANTED_REPLY], indirect=True, ids=["planted"])
def test_a_planted_heading_stays_text_and_listed_words_stay_hidden(planted: Path) -> None:
    at = _login("alice", "alice-demo")
    at.chat_input[0].set_value("差旅费用多久内要提交报销单？").run()
    assert not at.exception
    reference = next(b for b in at.button if plain(b.label).startswith("[1]"))
    # The title and heading are on the page as read (the Markdown reader writes a link as
    # "text (target)"), and what markup is left is inert: cut to fit on the button, whole in
    # its tooltip.
    assert plain(reference.label).startswith("[1] 差旅报销手册 点此登录 (http")
    assert "点此登录 (http://evil.example/login)" in plain(reference.help)
    reference.click().run()
    source = " ".join(t.value for t in at.text)
    assert "差旅费用须在出差结束后 15 天内提交报销单" in source and "***" in source
    rendered = _rendered(at)
    assert any("Source" in text for text in rendered)
    for text in rendered:
        assert not LIVE_LINK.search(text), text
        assert "<img" not in text and ":red[" not in text and "**加急**" not in text, text
    assert not [t for t in [*rendered, source] if "内部机密" in t]
    answered = next(r for r in AuditLog(planted / "audit").recent() if r["event"] == "answered")
    assert answered["removed"] and "内部机密" not in json.dumps(answered, ensure_ascii=False)
    assert answered["removed"][0]["sentence"].startswith("***名单在 60 天后公开")


def test_as_text_neutralises_markdown_html_and_streamlit_directives() -> None:
    hostile = "[a](http://x) ![i](http://x/p.png) <b>b</b> **b** :red[r] :material/home: $x$"
    shown = as_text(hostile)
    assert not LIVE_LINK.search(shown)
    assert "<b>" not in shown and "**" not in shown and ":red[" not in shown
    assert "$x$" not in shown and ":material/" not in shown
    assert html.unescape(plain(shown)) == hostile  # all of it is there, as text


def test_listed_words_are_blacked_out_on_the_page_picture(fixtures: Path) -> None:
    page = fixtures / "manual.pdf"

    def black(png: bytes) -> int:
        image = Image.open(io.BytesIO(png)).convert("L")
        return sum(image.histogram()[:8])  # pixels darker than 8 of 255

    clean = render_page(page, 6, "")
    hidden = render_page(page, 6, "", SensitiveWords(["密码"]).find)
    assert black(hidden) > black(clean) + 500  # two words (heading, first line) boxed in black
