"""The quotation fallback: when the checks removed every sentence of an answer, the passage's
own sentence that answers the question is shown, word for word, or the answer stays refused."""

from dataclasses import replace

from llm_doubles import RoutedLLM, ScriptedLLM, checked_answer
from test_citations import passage

from assistant.answer import Answer, User
from assistant.grounding import Grounded, Removed
from assistant.llm import LLM
from assistant.on_question import SYSTEM as QUESTION_CHECK
from assistant.quote import SYSTEM as QUOTE_SYSTEM
from assistant.quote import QuoteFallback, eligible, located
from assistant.reasons import FOLLOWS, SILENT
from pagewise.settings import Settings
from ui.components import Components

WHEEL = passage(
    "1.3 加固影响 对文件和目录加固后，普通账户执行su 命令失败，必须加入wheel 群组才可以 su "
    "成功。加固后 SSH 的默认配置只允许 Xshell（5.0 版本及以上版本）登录。",
    page=8,
    label="8",
    section="1.3 加固影响",
)
BACKUP = passage("每天凌晨 2 点执行全量备份，备份文件写入独立的存储阵列。", page=3, label="3")
REMOVED = [
    Removed("黄山版手册第 8 页提到，必须加入 wheel 群组 [1]。", "not in the cited passage: 8 页")
]


def test_a_reply_is_a_quotation_only_where_a_passage_writes_it_word_for_word() -> None:
    quote = located("“必须加入 wheel 群组才可以 su 成功。”", [BACKUP, WHEEL])
    assert quote is not None and quote.passage == 2
    assert quote.text == "必须加入 wheel 群组才可以 su 成功。"
    # A quotation the model "corrected" is no quotation; nor is NONE, a fragment, or an
    # introduction that stops where the answer should begin.
    assert located("必须加入 admin 群组才可以 su 成功。", [WHEEL]) is None
    assert located("NONE", [WHEEL]) is None
    assert located("wheel 群组", [WHEEL]) is None
    assert (
        located(
            "对文件和目录加固后，普通账户执行su 命令失败，必须加入wheel 群组才可以 su 成功。"
            "加固后 SSH 的默认配置只允许：",
            [WHEEL],
        )
        is None
    )
    assert located(WHEEL.text * 3, [WHEEL]) is None


def test_only_an_answer_refused_for_the_form_of_its_sentences_is_tried_again() -> None:
    def tried(*reasons: str) -> bool:
        removed = [Removed(f"第 {n} 句 [1]。", r) for n, r in enumerate(reasons)]
        return eligible(Grounded("拒答", refused=True, removed=removed), [WHEEL])

    # A page copied from the passage's header, the question turned round, what followed it.
    assert tried("not in the cited passage: 2 页")
    assert tried("not in the cited passage: 8")  # the page of the passage's header
    assert tried("only repeats the question", "says nothing", FOLLOWS)
    # Removed for what it claims: the passages may not answer the question at all.
    assert not tried("not in the cited passage: 1024")
    assert not tried("not in the cited passage: 2 页, systemctl isolate")
    assert not tried("llm check: not stated in the cited passages")
    assert not tried("only repeats the question", "few of its words are in the cited passage")
    assert not tried(SILENT)
    assert not tried()  # the gate or the model itself refused
    shown = Grounded("必须加入 wheel 群组 [1]。", refused=False, removed=REMOVED)
    assert not eligible(shown, [WHEEL])


def test_the_quotation_is_shown_in_the_question_language_under_its_passage() -> None:
    llm = RoutedLLM("必须加入wheel 群组才可以 su 成功。", {QUESTION_CHECK[:40]: "YES"})
    shown = QuoteFallback(llm).answer("普通账户 su 失败怎么办？", [BACKUP, WHEEL], REMOVED)
    assert shown is not None and not shown.refused
    assert shown.text == "资料原文：“必须加入wheel 群组才可以 su 成功。” [1]"
    assert [c.page for c in shown.citations] == [8] and shown.removed == REMOVED
    english = QuoteFallback(llm).answer("What must a user join to use su?", [WHEEL], REMOVED)
    assert english is not None and english.text.startswith("The manual says: “必须加入wheel")
    # The question check gets the question and the quotation with its one passage.
    asked = llm.calls[1][-1].content
    assert "Question: 普通账户 su 失败怎么办？" in asked and "每天凌晨" not in asked


def test_a_quotation_the_question_check_rejects_is_not_shown() -> None:
    llm = RoutedLLM("必须加入wheel 群组才可以 su 成功。", {QUESTION_CHECK[:40]: "NO"})
    assert QuoteFallback(llm).answer("su 命令会记录日志吗？", [WHEEL], REMOVED) is None
    none = ScriptedLLM("NONE")
    assert QuoteFallback(none).answer("备份保留多久？", [BACKUP], REMOVED) is None
    assert len(none.calls) == 1  # no question check for no quotation


PAGE_COPIED = "示例手册第 3 页写明，每天凌晨 2 点执行全量备份 [1]。"


def test_the_assistant_quotes_the_passage_when_the_answer_copied_a_page_from_its_header(
    manual_components: Components,
) -> None:
    shown = _asked(manual_components, PAGE_COPIED, "每天凌晨 2 点执行全量备份，")
    assert not shown.refused
    assert shown.answer.startswith("资料原文：“每天凌晨 2 点执行全量备份")
    assert shown.citations[0].page == 3
    assert [r.sentence for r in shown.removed] == [PAGE_COPIED]
    # Nothing the passage writes word for word: the refusal, as without the fallback.
    assert _asked(manual_components, PAGE_COPIED, "每天凌晨 3 点执行全量备份。").refused


def test_an_answer_removed_for_what_it_claims_is_not_quoted(
    manual_components: Components,
) -> None:
    shown = _asked(manual_components, "系统每周自动备份 [1]。", "每天凌晨 2 点执行全量备份，", 0)
    assert shown.refused


def test_the_fallback_is_off_by_default(manual_components: Components) -> None:
    # On the blind sets holdout54-55 the embedded model's question check passed unrelated
    # quotations (a row of role flags for what a course teaches).
    assert not Settings().quote_fallback
    off = _asked(manual_components, PAGE_COPIED, "每天凌晨 2 点执行全量备份，", 0, enabled=None)
    assert off.refused


def test_the_embedded_model_quotes_the_answer_and_not_for_an_unanswered_question(
    embedded_llm: LLM,
) -> None:
    fallback = QuoteFallback(embedded_llm)
    shown = fallback.answer(
        "加固之后普通账户 su 失败，要怎样才能 su 成功？", [BACKUP, WHEEL], REMOVED
    )
    assert shown is not None and "wheel" in shown.text and shown.citations[0].page == 8
    # The passages say nothing of how long backups are kept.
    assert fallback.answer("备份文件要保留多少天？", [BACKUP, WHEEL], REMOVED) is None


def _asked(
    components: Components,
    answer: str,
    quote: str,
    quotes: int = 1,
    enabled: bool | None = True,
) -> Answer:
    llm = checked_answer(answer, {QUOTE_SYSTEM[:40]: quote})
    assistant = components.assistant(llm=llm, rate_limited=False, audited=False)
    if enabled is not None:  # None: as the default settings build it
        assistant.options = replace(assistant.options, quote_fallback=enabled)
    shown = assistant.ask("多久执行一次全量备份？", User("u"))
    assert len([c for c in llm.calls if c[0].content == QUOTE_SYSTEM]) == quotes
    return shown
