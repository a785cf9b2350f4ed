"""The question check: an answer its passages state, but about something else than the
question, is the refusal."""

from llm_doubles import RoutedLLM, checked_answer

from assistant.answer import User
from assistant.citations import make_citation
from assistant.grounding import Grounded
from assistant.llm import LLM
from assistant.on_question import OFF_QUESTION, SYSTEM, QuestionCheck, corrects, parse_reply
from assistant.retrieval import Passage
from ui.components import Components

REFUSAL = "该问题暂未收录，请联系技术支持"
ANSWER = "密码每 90 天更换一次 [1]。密码长度至少 12 位 [1]。"


def _llm(verdict: str) -> RoutedLLM:
    return checked_answer(ANSWER, {}, judge="1: YES\n2: YES", on_question=verdict)


def test_an_answer_that_misses_the_question_is_the_refusal_with_its_sentences_removed(
    manual_components: Components,
) -> None:
    assistant = manual_components.assistant(llm=_llm("NO"), rate_limited=False, audited=False)
    answer = assistant.ask("密码多久更换一次？", User("u"))
    assert answer.refused and answer.answer == REFUSAL and answer.citations == []
    assert [(r.sentence, r.reason) for r in answer.removed] == [
        ("密码每 90 天更换一次 [1]。", OFF_QUESTION),
        ("密码长度至少 12 位 [1]。", OFF_QUESTION),
    ]


def test_an_answer_the_check_confirms_is_shown_and_it_sees_the_question_and_passage(
    manual_components: Components,
) -> None:
    llm = _llm("YES")
    assistant = manual_components.assistant(llm=llm, rate_limited=False, audited=False)
    answer = assistant.ask("密码多久更换一次？", User("u"))
    assert not answer.refused and answer.answer == ANSWER
    (check,) = [c for c in llm.calls if c[0].content == SYSTEM]
    asked = check[-1].content
    assert "Question: 密码多久更换一次？" in asked
    assert "Answer: 密码每 90 天更换一次。密码长度至少 12 位。" in asked  # marks left out
    assert "每 90 天更换一次" in asked.split("Question:")[0]  # the cited passage


def test_a_reply_without_a_verdict_keeps_the_answer() -> None:
    assert parse_reply("YES") and parse_reply("Yes.") and parse_reply("是")
    assert not parse_reply("NO") and not parse_reply("No, it does not.")
    assert parse_reply("") and parse_reply("I cannot tell")


def _passage(text: str) -> Passage:
    return Passage(
        chunk_id="c9",
        doc="openeuler-hardening-zh.pdf",
        doc_id="d",
        title="openEuler 安全加固指南",
        page=9,
        page_end=9,
        page_label="9",
        section="2.1.1 加固 SSH 服务",
        score=0.5,
        text=text,
        path="openeuler-hardening-zh.pdf",
        collection="default",
    )


SSH = _passage(
    "SSH（Secure Shell）是目前较可靠，专为远程登录会话和其他网络服务提供安全性保障的协议。"
    "利用 SSH 协议可以有效防止远程管理过程中的信息泄露问题。透过 SSH 可以对所有传输的数据进行"
    "加密，并防止 DNS 欺骗和 IP 欺骗。OpenSSH 是 SSH 协议的免费开源实现。"
)


def test_the_embedded_model_refuses_a_true_answer_to_another_question(
    embedded_llm: LLM,
) -> None:
    # Measured on a blind set: asked how the guide sets up multi-factor authentication for
    # SSH, the model answered with what SSH encrypts, which the passage does say.
    check = QuestionCheck(embedded_llm)
    other = Grounded(
        "SSH 可以对所有传输的数据进行加密，并防止 DNS 欺骗和 IP 欺骗 [1]。",
        refused=False,
        citations=[make_citation(1, SSH)],
    )
    assert not check.answers("指南如何为 SSH 登录配置多因素认证？", other, [SSH])
    right = Grounded(
        "透过 SSH 可以对所有传输的数据进行加密 [1]。",
        refused=False,
        citations=[make_citation(1, SSH)],
    )
    assert check.answers("透过 SSH 可以对哪些数据进行加密？", right, [SSH])


def test_a_no_giving_the_manuals_own_version_is_not_asked_about() -> None:
    # holdout59: the small model said NO to both, the question's 5 and 兼职人员 being nowhere
    # in the passage.
    question = "表 1-1 里是不是说口令连续输错 5 次账户就会被锁定？"
    assert corrects(
        question, "不是 [1]。当用户登录系统时，口令连续输错3 次，账户将被锁定60秒 [1]。"
    )
    llm = RoutedLLM("", {SYSTEM: "NO"})
    answer = Grounded("不是，口令连续输错 3 次，账户将被锁定 60 秒 [1]。", refused=False)
    assert QuestionCheck(llm).answers(question, answer, []) and llm.calls == []


def test_a_no_with_another_fact_or_a_yes_is_still_checked() -> None:
    question = "幻灯片里是不是说申请 OpenChain 认证之前必须先通过 ISO 9001 认证？"
    other = (
        "不是的。相反，幻灯片提到了在 ISO 5230 标准实施过程中，认证符合OpenChain标准是可选的 [1]。"
    )
    assert not corrects(question, other)
    assert not corrects(question, "是的，申请 OpenChain 认证之前必须先通过 ISO 9001 认证 [1]。")
    # Only a yes-or-no question is corrected so.
    assert not corrects(
        "口令连续输错几次账户会被锁定？", "不是 5 次，口令连续输错 3 次账户将被锁定 [1]。"
    )
