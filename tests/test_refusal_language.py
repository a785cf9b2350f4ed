"""The refusal follows the question's language: policies/ holds each language's refusal, the
model is told the one of its question, and a reply that is any language's refusal counts."""

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from indexes import IndexCopy
from llm_doubles import ScriptedLLM
from openai_server import serve
from test_citations import PASSAGES
from test_cli import run

from assistant.answer import Assistant, User
from assistant.citations import check_citations
from pagewise.audit.log import AuditLog
from pagewise.embedder import Embedder
from pagewise.keywords import question_language
from pagewise.policies import load_policies
from pagewise.settings import Settings
from ui.components import Components, build

REPO = Path(__file__).resolve().parent.parent
REFUSAL = (REPO / "policies" / "refusal.txt").read_text(encoding="utf-8").strip()
REFUSAL_EN = (REPO / "policies" / "refusal.en.txt").read_text(encoding="utf-8").strip()
SENSITIVE_EN = (REPO / "policies" / "sensitive_refusal.en.txt").read_text(encoding="utf-8").strip()


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("公司的年假有几天？", "zh"),
        ("ArrayList 的 subList 有什么要注意的？", "zh"),  # more Latin letters than Chinese
        ("不允许使用 java.sql.Date 吗？", "zh"),
        ("那 toArray 呢？", "zh"),
        ("What does the cafeteria serve for lunch?", "en"),
        ("What does 集合 mean?", "en"),
        ("Why?", "en"),
        ("？", "zh"),
    ],
)
def test_the_question_language_counts_chinese_characters_against_latin_words(
    question: str, language: str
) -> None:
    assert question_language(question) == language


def test_every_dev_set_question_is_told_its_language() -> None:
    rows = [
        json.loads(line)
        for path in sorted((REPO / "tests" / "fixtures" / "devset").glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    assert [r["q"] for r in rows if question_language(r["q"]) != r["lang"]] == []


def test_each_language_has_its_refusal_and_a_system_prompt_naming_only_that_one() -> None:
    policies = load_policies(REPO / "policies")
    assert policies.refusal_for("公司的年假有几天？") == REFUSAL == policies.refusal
    assert policies.refusal_for("How many days of leave?") == REFUSAL_EN
    assert policies.sensitive_refusal_for("How do I get the salary list?") == SENSITIVE_EN
    english = policies.system_prompt_for("How many days of leave?")
    assert REFUSAL_EN in english and REFUSAL not in english
    chinese = policies.system_prompt_for("年假有几天？")
    assert chinese == policies.system_prompt and REFUSAL in chinese and REFUSAL_EN not in chinese
    assert set(policies.all_refusals()) == {REFUSAL, REFUSAL_EN}


def test_without_an_english_file_english_questions_get_the_sites_own_refusal(
    tmp_path: Path,
) -> None:
    shutil.copy(REPO / "policies" / "system_prompt.md", tmp_path)
    (tmp_path / "refusal.txt").write_text("请联系 IT 服务台（分机 8000）。\n", encoding="utf-8")
    (tmp_path / "refusal.en.txt").write_text("  \n", encoding="utf-8")  # empty: the same
    policies = load_policies(tmp_path)
    assert policies.refusal_for("How many days of leave?") == "请联系 IT 服务台（分机 8000）。"
    assert policies.all_refusals() == ("请联系 IT 服务台（分机 8000）。",)


@pytest.mark.parametrize("reply", [REFUSAL, REFUSAL_EN, f" {REFUSAL_EN.upper()} ", REFUSAL + "。"])
def test_a_reply_that_is_any_languages_refusal_is_the_refusal_given(reply: str) -> None:
    checked = check_citations(reply, PASSAGES, REFUSAL_EN, (REFUSAL, REFUSAL_EN))
    assert checked.refused and checked.text == REFUSAL_EN


@pytest.fixture
def manual_index(
    tmp_path: Path, embedder: Embedder, fixtures: Path, index_copy: IndexCopy
) -> Iterator[Components]:
    data = index_copy(fixtures / "manual.pdf", "default", tmp_path / "data")
    settings = Settings(data_dir=data, answer_check="terms", translate_questions=False)
    components = build(settings, embedder=embedder)
    yield components
    components.close()


def _assistant(components: Components, reply: str) -> tuple[Assistant, ScriptedLLM]:
    llm = ScriptedLLM(reply)
    return components.assistant(llm=llm), llm


def test_an_english_question_is_refused_in_english_even_when_the_model_says_it_in_chinese(
    manual_index: Components, tmp_path: Path
) -> None:
    assistant, llm = _assistant(manual_index, REFUSAL)
    answer = assistant.ask("How often must passwords be changed?", User("u"))
    assert answer.refused and answer.answer == REFUSAL_EN
    # The model was told the English refusal only.
    (call,) = llm.calls
    assert REFUSAL_EN in call[0].content and REFUSAL not in call[0].content
    (record,) = AuditLog(tmp_path / "data" / "audit").recent()
    assert record["event"] == "refused" and record["answer"] == REFUSAL_EN


def test_a_chinese_question_is_refused_in_chinese_even_when_the_model_says_it_in_english(
    manual_index: Components,
) -> None:
    assistant, llm = _assistant(manual_index, REFUSAL_EN)
    answer = assistant.ask("密码多久更换一次？", User("u"))
    assert answer.refused and answer.answer == REFUSAL
    assert REFUSAL in llm.calls[0][0].content


def test_an_uncovered_question_is_refused_in_its_language_without_the_model(
    manual_index: Components,
) -> None:
    assistant, llm = _assistant(manual_index, "编造的答案 [1]。")
    english = assistant.ask("What does the cafeteria serve on Fridays?", User("u"))
    chinese = assistant.ask("食堂周五供应什么菜？", User("u"))
    assert (english.answer, chinese.answer) == (REFUSAL_EN, REFUSAL)
    assert llm.calls == []


def test_an_uncited_english_answer_becomes_the_english_refusal(manual_index: Components) -> None:
    # No mark, and no number or name that would cite it to the passage holding it.
    assistant, _ = _assistant(manual_index, "Passwords are changed regularly.")
    answer = assistant.ask("How often must passwords be changed?", User("u"))
    assert answer.refused and answer.answer == REFUSAL_EN


def test_pagewise_ask_prints_the_refusal_in_the_questions_language(
    tmp_path: Path, fixtures: Path, index_copy: IndexCopy
) -> None:
    workdir = tmp_path
    index_copy(fixtures / "manual.pdf", "default", workdir / "data")  # ./data, as ingested
    with serve(ScriptedLLM(REFUSAL)) as url:
        env = {
            "PAGEWISE_LLM_BACKEND": "openai",
            "PAGEWISE_LLM_BASE_URL": url,
            "PAGEWISE_LLM_MODEL": "scripted",
        }
        english = run("ask", "How often must passwords be changed?", cwd=workdir, env=env)
        chinese = run("ask", "食堂几点开门？", cwd=workdir, env=env)
    assert english.returncode == 0 and chinese.returncode == 0, english.stderr + chinese.stderr
    assert (english.stdout.strip(), chinese.stdout.strip()) == (REFUSAL_EN, REFUSAL)
