"""What the sentence judge is sent: each claim without the setting it repeats from the
question, so that the manual's name and version are not taken for an addition."""

from dataclasses import replace

from test_citations import passage

from assistant.claims import Claim
from assistant.judge import headed, judge_messages, unframed

QUESTION = "In EduMIPS64 0.4, which register do the system calls put their return value in?"


def test_a_leading_setting_made_of_the_questions_words_is_not_sent_to_the_judge() -> None:
    claim = Claim(
        "In EduMIPS64 0.4, the system calls put their return value in register R1 [1].", (1,)
    )
    ask = judge_messages(
        ["All system calls put their return value in register R1."], [claim], QUESTION
    )
    assert "1. The system calls put their return value in register R1 [1]." in ask[-1].content
    assert (
        unframed(
            "EduMIPS64 0.5.3 的 SYSCALL 1 中，O_CREAT 表示不存在就创建 [2]。",
            "EduMIPS64 0.5.3 的 SYSCALL 1 中 O_CREAT 是什么意思？",
        )
        == "O_CREAT 表示不存在就创建 [2]。"
    )


def test_a_setting_the_question_does_not_give_or_a_condition_is_judged_with_the_claim() -> None:
    # A version the question never named is the answer's own claim.
    claim = "In EduMIPS64 0.5.3, the quotient is left in the LO register [2]."
    assert unframed(claim, "Where does DDIV leave the quotient?") == claim
    # A condition is what the passage must state, even in the question's words.
    condition = "If exceptions are not masked, the dialog pops out [1]."
    assert unframed(condition, "If exceptions are not masked, what happens?") == condition
    # Nothing left to judge: the sentence stays whole.
    assert unframed("In EduMIPS64 0.4: [1]", QUESTION) == "In EduMIPS64 0.4: [1]"


def test_a_leading_yes_is_not_sent_to_the_judge_but_a_no_is() -> None:
    question = "OpenChain ISO 5230 是否要求合规计划由专门的决策机构进行监督治理？"
    assert (
        unframed("是的，合规计划由决策机构进行治理 [1]。", question)
        == "合规计划由决策机构进行治理 [1]。"
    )
    assert (
        unframed("Yes, in EduMIPS64 0.4, R1 holds the result [1].", QUESTION)
        == "R1 holds the result [1]."
    )
    # A no turns what follows round: dropping it would send the judge the opposite claim.
    assert unframed("No, R1 does not hold it [1].", QUESTION) == "No, R1 does not hold it [1]."
    assert unframed("是的 [1]。", question) == "是的 [1]。"


def test_the_judge_reads_each_passage_under_its_manuals_title_and_section() -> None:
    slide = replace(
        passage(
            "合规计划监督：由具有权威和专业知识的决策机构进行治理",
            page=7,
            section="开源软件治理的基准要求",
        ),
        title="ISO/IEC 5230开源许可合规性",
    )
    ask = judge_messages([headed(slide)], [Claim("合规计划由决策机构治理 [1]。", (1,))])
    assert (
        "《ISO/IEC 5230开源许可合规性》 · 开源软件治理的基准要求\n合规计划监督" in ask[-1].content
    )
