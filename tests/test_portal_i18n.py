"""The portal in Chinese and English: the catalogs, the choice of language, the references,
and every page through AppTest in both (real LDAP, real index, a scripted LLM server)."""

from __future__ import annotations

import ast
import math
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest
from test_portal import APP, _login, plain, portal  # noqa: F401  (the portal fixture)

from assistant.citations import Citation
from pagewise.auth import (
    AuthError,
    DirectoryTlsError,
    DirectoryUnreachableError,
    MissingCredentialsError,
    UnknownUserError,
    WrongCredentialsError,
)
from pagewise.logins import LoginThrottledError
from pagewise.ratelimit import RateLimitedError
from pagewise.sensitive import SensitiveWords
from ui.portal.frame import login_refusal
from ui.portal.i18n import LANGUAGES, Messages, catalog, fields, pick_language
from ui.portal.references import columns, fit, reference

PORTAL = Path(__file__).resolve().parent.parent / "ui" / "portal"


# --- The catalogs ------------------------------------------------------------------------


def test_both_languages_have_the_same_keys_and_fields() -> None:
    zh, en = catalog("zh"), catalog("en")
    assert sorted(zh) == sorted(en)
    for key in en:
        assert fields(zh[key]) == fields(en[key]), key
        assert zh[key].strip() and en[key].strip(), key


def test_every_key_the_portal_uses_is_in_the_catalog() -> None:
    tables = {key.split(".")[0] for key in catalog("en")}
    used = {
        node.value
        for module in PORTAL.glob("*.py")
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value.split(".")[0] in tables
        and "." in node.value
        and " " not in node.value
    }
    assert len(used) > 60
    assert used - set(catalog("en")) == set()


def test_the_chinese_catalog_is_chinese() -> None:
    zh = catalog("zh")
    # Brand and file-type names stay as written; every other text has Chinese in it.
    latin_only = {k for k, v in zh.items() if not any("\u4e00" <= c <= "\u9fff" for c in v)}
    assert latin_only <= {"reference.heading"}, latin_only


@pytest.mark.parametrize(
    "error",
    [
        AuthError("x"),
        MissingCredentialsError("x"),
        WrongCredentialsError("x", "bob"),
        UnknownUserError("x"),
        DirectoryUnreachableError("x"),
        DirectoryTlsError("x"),
        LoginThrottledError(12.2),
    ],
    ids=lambda e: type(e).__name__,
)
def test_a_login_refusal_reads_in_english_as_the_directory_layer_wrote_it(
    error: AuthError,
) -> None:
    assert login_refusal(error, Messages("en")) == error.public_message
    assert login_refusal(error, Messages("zh")) != error.public_message


def test_an_unknown_name_and_a_wrong_password_read_alike_in_chinese() -> None:
    zh = Messages("zh")
    assert login_refusal(UnknownUserError("x"), zh) == login_refusal(
        WrongCredentialsError("x", "bob"), zh
    )
    assert login_refusal(LoginThrottledError(12.2), zh) == "登录失败次数过多：请 13 秒后再试。"


def test_the_rate_limit_reads_in_english_as_the_limiter_wrote_it() -> None:
    error = RateLimitedError(4.5)
    seconds = max(1, math.ceil(error.retry_after))
    assert Messages("en")("chat.rate_limited", seconds=seconds) == str(error)


# --- The session's language --------------------------------------------------------------


@pytest.mark.parametrize(
    ("chosen", "setting", "locale", "language"),
    [
        (None, "auto", "zh-CN", "zh"),
        (None, "auto", "zh-TW", "zh"),  # the only Chinese the portal has
        (None, "auto", "en-US", "en"),
        (None, "auto", "de-DE", "en"),
        (None, "auto", None, "en"),  # no browser locale (AppTest, a script): English
        (None, "zh", "en-US", "zh"),  # the setting names the default, over the browser's
        (None, "en", "zh-CN", "en"),
        ("en", "zh", "zh-CN", "en"),  # the session's own choice wins
        ("zh", "auto", None, "zh"),
        ("fr", "auto", "zh-CN", "zh"),  # nothing the portal has: as if not chosen
    ],
)
def test_the_language_is_the_choice_else_the_setting_else_the_browser(
    chosen: str | None, setting: str, locale: str | None, language: str
) -> None:
    assert pick_language(chosen, setting, locale) == language


# --- References at a glance --------------------------------------------------------------


def _citation(title: str, section: str, doc: str = "manual.pdf", **kw: object) -> Citation:
    parts: dict[str, object] = dict(
        n=1, doc=doc, title=title, page=6, page_end=6, page_label="4", section=section
    )
    parts.update(kw)
    return Citation(doc_id="d", chunk_id="c", label="", **parts)  # type: ignore[arg-type]


NOTHING_HIDDEN = SensitiveWords([])


def test_a_reference_names_title_page_and_section_in_each_language() -> None:
    citation = _citation("Pagewise 示例手册", "2.1 密码策略")
    assert reference(citation, Messages("zh"), NOTHING_HIDDEN) == (
        "《Pagewise 示例手册》第 6 页（印刷页 4） · 2.1 密码策略"
    )
    assert reference(citation, Messages("en"), NOTHING_HIDDEN) == (
        "Pagewise 示例手册 · p. 6 (printed p. 4) · 2.1 密码策略"
    )
    deck = _citation("Onboarding", "Welcome", doc="deck.pptx", page_end=7, page_label="6")
    assert reference(deck, Messages("en"), NOTHING_HIDDEN) == "Onboarding · slide 6–7 · Welcome"
    sheet = _citation("Budget", "政策", doc="b.xlsx", page_label="政策")
    assert reference(sheet, Messages("zh"), NOTHING_HIDDEN) == "《Budget》工作表「政策」"
    rows = _citation("Budget", "政策", doc="b.xlsx", page_label="政策", rows="3–9")
    assert reference(rows, Messages("zh"), NOTHING_HIDDEN) == "《Budget》工作表「政策」第 3–9 行"
    assert reference(rows, Messages("en"), NOTHING_HIDDEN) == "Budget · sheet “政策”, rows 3–9"


def test_a_long_title_and_section_are_cut_and_the_page_is_kept() -> None:
    title = "阿里巴巴集团技术团队 Java 开发手册（黄山版）——编程规约、异常日志、单元测试、安全规约"
    section = "(五) 日期时间：不允许在程序任何地方中使用 java.sql.Date 与 java.sql.Time"
    citation = _citation(title, section, page=15, page_end=16, page_label="13")
    pages = {"zh": "第 15–16 页（印刷页 13）", "en": "p. 15–16 (printed p. 13)"}
    for language in LANGUAGES:
        short = reference(citation, Messages(language), NOTHING_HIDDEN, short=True)
        assert short.count("…") == 2
        assert pages[language] in short
        assert columns(short) <= 90, short
        assert reference(citation, Messages(language), NOTHING_HIDDEN).count("…") == 0


def test_fit_counts_chinese_characters_as_two_columns() -> None:
    assert fit("短标题", 6) == "短标题"
    assert fit("一二三四五六", 7) == "一二三…"
    assert fit("abcdefghij", 6) == "abcde…"
    assert fit("2.1 密码策略 (draft)", 10) == "2.1 密码…"  # no dangling separator before the …


def test_a_listed_word_is_redacted_before_the_title_is_cut() -> None:
    citation = _citation("内部机密" + "手册" * 30, "")
    short = reference(citation, Messages("zh"), SensitiveWords(["内部机密"]), short=True)
    assert short.startswith("《***手册") and "内部" not in short


# --- Every page in both languages (AppTest) ----------------------------------------------

WORDS = {
    "zh-CN": {
        "login": ["用户名", "密码"],
        "submit": "登录",
        "wrong": "用户名或密码错误。",
        "title": "查阅手册",
        "input": "请输入关于手册的问题…",
        "reference": "[1] 《Pagewise 示例手册》第 6 页（印刷页 4） · 2.1 密码策略",
        "source": "出处 [1]：《Pagewise 示例手册》第 6 页（印刷页 4） · 2.1 密码策略 — manual.pdf",
        "picture": "第 6 页",
        "download": "下载 manual.pdf",
        "helpful": "有帮助",
        "thanks": "感谢你的反馈。",
        "pages": ["提问", "管理"],
        "tabs": ["上传手册", "文档", "登录失败", "审计日志"],
        "ingest": "导入",
        "headers": ["文档集", "标题", "文件"],
    },
    "en-US": {
        "login": ["User name", "Password"],
        "submit": "Log in",
        "wrong": "Wrong user name or password.",
        "title": "Ask the manuals",
        "input": "Ask about the manuals…",
        "reference": "[1] Pagewise 示例手册 · p. 6 (printed p. 4) · 2.1 密码策略",
        "source": "Source [1]: Pagewise 示例手册 · p. 6 (printed p. 4) · 2.1 密码策略 — manual.pdf",
        "picture": "Page 6",
        "download": "Download manual.pdf",
        "helpful": "Helpful",
        "thanks": "Thanks for the feedback.",
        "pages": ["Ask", "Admin"],
        "tabs": ["Upload manuals", "Documents", "Failed logins", "Audit log"],
        "ingest": "Ingest",
        "headers": ["collection", "title", "file"],
    },
}


def _headers(at: AppTest, index: int) -> list[str]:
    """The column headers a dataframe shows (its column configuration's labels)."""
    import json

    config = json.loads(at.dataframe[index].proto.columns)
    return [config[name]["label"] for name in config if not name.startswith("_")]


@pytest.mark.parametrize("locale", list(WORDS))
def test_every_page_speaks_the_browsers_language(portal: Path, locale: str) -> None:  # noqa: F811
    words = WORDS[locale]
    at = AppTest.from_file(APP, default_timeout=60)
    at.context["locale"] = locale
    at.run()
    assert [t.label for t in at.text_input] == words["login"]
    assert at.button[0].label == words["submit"]
    assert [e.value for e in _login("alice", "wrong", locale).error] == [words["wrong"]]

    alice = _login("alice", "alice-demo", locale)
    assert alice.title[0].value == words["title"]
    assert alice.chat_input[0].placeholder == words["input"]
    alice.chat_input[0].set_value("密码多久更换一次？").run()
    assert not alice.exception
    reference = next(b for b in alice.button if plain(b.label).startswith("[1]"))
    assert plain(reference.label) == words["reference"]
    reference.click().run()
    assert words["source"] in [plain(c.value) for c in alice.caption]
    assert alice.image[0].captions == [words["picture"]]
    assert plain(alice.get("download_button")[0].proto.label) == words["download"]
    next(b for b in alice.button if b.label == words["helpful"]).click().run()
    assert words["thanks"] in [c.value for c in alice.caption]

    carol = _login("carol", "carol-demo", locale)
    assert carol.radio(key="page").options == words["pages"]
    carol.radio(key="page").set_value("admin").run()
    assert not carol.exception
    assert [t.label for t in carol.tabs] == words["tabs"]
    assert any(b.label == words["ingest"] for b in carol.button)
    assert _headers(carol, 0)[:3] == words["headers"]
    assert list(carol.dataframe[0].value["file"]) == ["manual.pdf"]  # the data keeps its names


def test_the_sidebar_switch_changes_the_language_for_the_whole_session(
    portal: Path,  # noqa: F811
) -> None:
    at = AppTest.from_file(APP, default_timeout=60)
    at.context["locale"] = "en-US"
    at.run()
    switch = at.radio(key="language_switch")
    assert (switch.value, switch.options) == ("en", ["中文", "English"])
    switch.set_value("zh").run()
    assert [t.label for t in at.text_input] == ["用户名", "密码"]
    at.text_input[0].input("carol")
    at.text_input[1].input("carol-demo")
    at.button[0].click().run()
    assert at.title[0].value == "查阅手册"  # the choice outlives the login
    at.radio(key="page").set_value("admin").run()
    at.radio(key="language_switch").set_value("en").run()
    assert at.radio(key="page").value == "admin", "the page stays when the language changes"
    assert [t.label for t in at.tabs][2] == "Failed logins"
    next(b for b in at.sidebar.button if b.label == "Log out").click().run()
    assert [t.label for t in at.text_input] == ["User name", "Password"]  # and the logout


def test_the_default_language_is_a_setting(
    portal: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PAGEWISE_UI_LANGUAGE", "zh")
    st.cache_resource.clear()
    for locale in (None, "en-US"):
        at = AppTest.from_file(APP, default_timeout=60)
        at.context["locale"] = locale
        at.run()
        assert [t.label for t in at.text_input] == ["用户名", "密码"]
        assert at.radio(key="language_switch").value == "zh"
