"""A range an answer gives must be a range its passage gives, not two numbers from elsewhere."""

from test_citations import REFUSAL, passage

from assistant.citations import check_citations
from assistant.grounding import ground
from assistant.ranges import ranges, ungiven

# holdout76: the register table of the EduMIPS64 manual, which holds 0 and 15, far apart.
TABLE = passage(
    "Register | Name 0 | zero 1 | at 2 | v0 3 | v1 4 | a0 5 | a1 6 | a2 7 | a3 8 | t0 9 | t1 "
    "10 | t2 11 | t3 12 | t4 13 | t5 14 | t6 15 | t7",
    page=9,
)
RULE = passage("A register is written as $n or Rn, with n between 0 and 31.", page=8)
QUESTION = "在 EduMIPS64 中写寄存器参数时，寄存器编号的取值范围是多少？"


def test_a_range_is_read_in_both_languages_and_not_from_dates_or_versions() -> None:
    assert ranges("取值范围是 0 到 15 [1]。") == [("0", "15")]
    assert ranges("8 位到 16 位") == [("8", "16")]
    assert ranges("a value between 0 and 31") == [("0", "31")]
    assert ranges("from 1 to 5 seconds") == [("1", "5")]
    assert ranges("released 2011-05-29, version 2.1.3-4") == []


def test_two_numbers_far_apart_in_the_passage_are_not_the_range() -> None:
    assert ungiven("取值范围是 0 到 15", TABLE.text) == ["0–15"]
    assert ungiven("取值范围是 0 到 31", RULE.text) == []
    # An end the passage does not write as a number is left to the check of numbers.
    assert ungiven("从 0 到 31", "from zero to thirty-one") == []


def test_an_answer_giving_a_range_its_passage_lacks_is_refused() -> None:
    reply = "寄存器编号的取值范围是 0 到 15 [1]。"
    checked = check_citations(reply, [TABLE], REFUSAL, question=QUESTION)
    result = ground(checked.text, [TABLE], REFUSAL, question=QUESTION)
    assert result.refused
    assert result.removed[0].reason.endswith("0–15")


def test_an_answer_giving_the_range_its_passage_gives_is_kept() -> None:
    reply = "寄存器编号的取值范围是 0 到 31 [1]。"
    checked = check_citations(reply, [RULE], REFUSAL, question=QUESTION)
    result = ground(checked.text, [RULE], REFUSAL, question=QUESTION)
    assert (result.text, result.refused) == (reply, False)
