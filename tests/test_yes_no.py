"""A second opinion on a yes or a no that the checks removed: asked the question itself, the
model keeps a right yes-or-no lead and leaves the answer to a question its passage does not
answer refused."""

from collections.abc import Sequence
from dataclasses import replace

from llm_doubles import ScriptedLLM, checked_answer
from test_citations import passage

from assistant.answer import Answer, User
from assistant.claims import Claim
from assistant.grounding import ground
from assistant.llm import LLM
from assistant.yes_no import SYSTEM as YES_NO_SYSTEM
from assistant.yes_no import YesNoCheck, parse_answer, polarity, turns_round
from pagewise.settings import Settings
from ui.components import Components

REFUSAL = "该问题暂未收录，请联系技术支持"

SLIDES = replace(
    passage(
        "OpenChain参考资料 官方和社区合规资源 有助于创建合规流程和培训资源的资源，包括："
        "开源策略模板 完整培训计划的参考幻灯片 指南、大纲和案例研究 各种社区提交",
        page=8,
    ),
    doc="openchain-overview-zh.pptx",
    title="OpenChain ISO 5230",
)
GROUPS = replace(
    SLIDES,
    page=9,
    text="支持合规工作的活跃社区 全球双周网络研讨会和会议 支持性和重点突出的工作组 针对中国、"
    "德国、印度、日本、韩国、台湾、英国和美国的区域工作组。 汽车工作组 参考工具工作组 教育工作组",
)
MOUNTS = passage(
    "传统的Linux系统中，用户可以用/etc/fstab文件来维护固定的文件系统挂载点。这些挂载点在系统启动"
    "过程中被自动挂载，一旦启动过程结束，这些挂载点就会确保存在。",
    page=1,
)


class Rejecting:
    """A judge that says NO to every sentence."""

    name = "llm check"

    def judge(self, claims: Sequence[Claim]) -> list[bool]:
        return [False] * len(claims)


def test_the_yes_or_no_a_lead_opens_with_and_the_checks_reply_are_read() -> None:
    assert polarity("是的，OpenChain 提供培训用的幻灯片 [1]。") == "yes"
    assert polarity("不能混在一个文件里 [1]。") == "no"
    assert polarity("No, OpenChain 2.1 is not only for big companies.") == "no"
    assert polarity("The second column shows the value [1].") == ""
    assert parse_answer("YES") == "yes" and parse_answer("No.") == "no"
    assert parse_answer("UNKNOWN") == "" and parse_answer("I cannot tell") == ""


def test_a_lead_the_judge_rejected_and_the_check_confirms_is_shown() -> None:
    question = "OpenChain 提供培训用的幻灯片吗？"
    reply = "是的，OpenChain 提供培训用的幻灯片 [1]。"
    asked: list[Claim] = []

    def confirm(claim: Claim) -> bool:
        asked.append(claim)
        return True

    kept = ground(reply, [SLIDES], REFUSAL, question=question, judge=Rejecting(), confirm=confirm)
    assert not kept.refused and kept.text == reply and kept.removed == []
    assert [c.text for c in asked] == [reply]
    # Without the check's agreement the removed lead is the refusal, as before.
    refused = ground(reply, [SLIDES], REFUSAL, question=question, judge=Rejecting())
    assert refused.refused and refused.text == REFUSAL


def test_a_lead_removed_for_a_name_its_passage_lacks_is_not_asked_about_again() -> None:
    asked: list[Claim] = []

    def confirm(claim: Claim) -> bool:
        asked.append(claim)
        return True

    result = ground(
        "是的，OpenChain 提供 SPDX 培训幻灯片 [1]。",
        [SLIDES],
        REFUSAL,
        question="OpenChain 提供培训用的幻灯片吗？",
        judge=Rejecting(),
        confirm=confirm,
    )
    assert result.refused and asked == []


def test_the_check_sends_the_question_and_the_cited_passage() -> None:
    llm = ScriptedLLM("YES")
    check = YesNoCheck(llm, [GROUPS, SLIDES], "OpenChain 提供培训用的幻灯片吗？")
    assert check.confirms(Claim("是的，OpenChain 提供培训用的幻灯片 [2]。", (2,)))
    asked = llm.calls[0][-1].content
    assert "Question: OpenChain 提供培训用的幻灯片吗？" in asked
    assert "参考幻灯片" in asked and "区域工作组" not in asked
    # A reply that disagrees, or a lead with no yes or no, is not confirmed.
    assert not YesNoCheck(ScriptedLLM("NO"), [SLIDES], "…吗？").confirms(Claim("是的 [1]。", (1,)))
    assert not check.confirms(Claim("OpenChain 提供参考幻灯片 [2]。", (2,)))


def test_only_a_lead_that_turns_the_question_round_is_asked_about() -> None:
    question = "Can my students put a comment on a line of its own?"
    assert turns_round("Yes, your students can put a comment on a line of its own [1].", question)
    no = "不，ISO 5230 不要求合规流程写成文档 [1]。"
    assert turns_round(no, "ISO 5230 要求合规流程写成文档吗？")
    # The reply reads only the yes: the setting this lead adds stays the judge's to accept.
    adds = Claim("Yes, by setting umask to 0027 in /etc/profile [1].", (1,))
    llm = ScriptedLLM("YES")
    assert not YesNoCheck(llm, [SLIDES], "Can the default umask be changed?").confirms(adds)
    assert llm.calls == []


def test_the_embedded_model_confirms_right_leads_and_not_an_unanswered_one(
    embedded_llm: LLM,
) -> None:
    slides = YesNoCheck(embedded_llm, [SLIDES], "OpenChain 提供培训用的幻灯片吗？")
    assert slides.confirms(Claim("是的，OpenChain 提供培训用的幻灯片 [1]。", (1,)))
    mounts = YesNoCheck(embedded_llm, [MOUNTS], "Do mount points stay there after boot?")
    assert mounts.confirms(Claim("Yes, mount points stay there after boot [1].", (1,)))
    # The slide lists regional and topic groups; no games group is named, nor denied.
    games = YesNoCheck(embedded_llm, [GROUPS], "OpenChain 有没有游戏行业的工作组？")
    assert not games.confirms(Claim("没有游戏行业的工作组 [1]。", (1,)))


def test_the_assistant_asks_the_check_when_the_judge_rejects_a_yes(
    manual_components: Components,
) -> None:
    answer = "是的，密码需要定期更换 [1]。"
    assert _asked(manual_components, answer, "YES").answer == answer
    assert _asked(manual_components, answer, "UNKNOWN").refused


def test_the_check_is_off_by_default(manual_components: Components) -> None:
    # On blind question sets the embedded model's agreement brought back wrong yeses. The
    # Assistant is built from the default settings, as the portal and the CLI build it.
    assert not Settings().yes_no_check
    shown = _asked(manual_components, "是的，密码需要定期更换 [1]。", "YES", enabled=None)
    assert shown.refused


def _asked(components: Components, answer: str, check: str, enabled: bool | None = True) -> Answer:
    llm = checked_answer(answer, {YES_NO_SYSTEM[:40]: check})
    assistant = components.assistant(llm=llm, rate_limited=False, audited=False)
    if enabled is not None:
        assistant.options = replace(assistant.options, yes_no_check=enabled)
    shown = assistant.ask("密码需要定期更换吗？", User("u"))
    calls = [c for c in llm.calls if c[0].content == YES_NO_SYSTEM]
    assert len(calls) == bool(enabled)
    assert all("Question: 密码需要定期更换吗？" in call[-1].content for call in calls)
    return shown


def test_a_confirmed_lead_withdraws_only_its_own_removal() -> None:
    # The lead has few words of the passage; its copy is removed as said before, and stays so.
    reply = "是的，OpenChain 会提供配套讲义 [1]。是的，OpenChain 会提供配套讲义 [1]。"
    result = ground(
        reply,
        [SLIDES],
        REFUSAL,
        question="OpenChain 提供培训用的幻灯片吗？",
        min_word_support=0.5,
        confirm=lambda claim: True,
    )
    assert not result.refused and result.text == "是的，OpenChain 会提供配套讲义 [1]。"
    assert [r.reason for r in result.removed] == ["said before"]
