"""A follow-up in the portal (AppTest, real LDAP and index, a scripted LLM server): the
standalone question it was searched as is shown in small print under it, as text."""

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import streamlit as st
from llm_doubles import RoutedLLM
from openai_server import serve
from streamlit.testing.v1 import AppTest

from assistant.followup import INSTRUCTIONS
from pagewise.audit.log import AuditLog

REPO = Path(__file__).resolve().parent.parent
APP = str(REPO / "ui" / "portal" / "app.py")
REPLY = "密码长度至少 12 位，每 90 天更换一次 [1]。"
# Markdown in the model's rewrite must show as text, not as a link.
REWRITTEN = "密码多久更换一次？[见](http://evil.example)"


@pytest.fixture
def portal(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    dev_directory: Any,
    index_copy: Callable[[Path, str, Path], Path],
    fixtures: Path,
) -> Iterator[Path]:
    data = index_copy(fixtures / "manual.pdf", "engineering", tmp_path / "data")
    llm = RoutedLLM(REPLY, {INSTRUCTIONS["zh"][:12]: REWRITTEN, "把用户的问题翻译成": ""})
    with serve(llm) as url:
        for name, value in {
            "DATA_DIR": str(data),
            "LDAP_URL": dev_directory.url,
            "LLM_BACKEND": "openai",
            "LLM_BASE_URL": url,
            "LLM_MODEL": "scripted",
            "POLICIES_DIR": str(REPO / "policies"),
            "ANSWER_CHECK": "terms",
        }.items():
            monkeypatch.setenv(f"PAGEWISE_{name}", value)
        st.cache_resource.clear()
        yield data
        st.cache_resource.clear()


def test_a_follow_up_shows_the_question_it_was_searched_as(portal: Path) -> None:
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.text_input[0].input("alice")
    at.text_input[1].input("alice-demo")
    at.button[0].click().run()
    at.chat_input[0].set_value("密码长度至少几位？").run()
    assert not [c for c in at.caption if c.value.startswith("→")]  # a first question stands alone
    at.chat_input[0].set_value("那多久换一次？").run()
    assert not at.exception
    (caption,) = [c.value for c in at.caption if c.value.startswith("→")]
    assert re.sub(r"\\(.)", r"\1", caption) == f"→ Searched as: {REWRITTEN}"
    assert "](http" not in caption  # escaped: no link
    answered = [r for r in AuditLog(portal / "audit").recent() if r["event"] == "answered"]
    assert answered[0]["rewritten_question"] == REWRITTEN
