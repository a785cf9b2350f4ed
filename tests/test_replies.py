"""How a question asks: which questions ask for a yes or a no."""

from assistant.replies import asks_yes_or_no


def test_a_question_that_opens_with_its_verb_or_uses_a_chinese_yes_no_form_asks_yes_or_no() -> None:
    assert asks_yes_or_no("Can I run EduMIPS64 from the command line?")
    assert asks_yes_or_no("EduMIPS64 有没有分支预测功能？")
    assert asks_yes_or_no("这种写法是允许的吗？")


def test_a_yes_no_question_after_a_clause_that_sets_it_up_asks_yes_or_no() -> None:
    assert asks_yes_or_no(
        "When I open a file with SYSCALL 1 in EduMIPS64, am I allowed to combine the O_APPEND"
        " and O_TRUNC flags?"
    )
    assert asks_yes_or_no(
        "In the scanned guide's impact table, once three wrong passwords have locked an"
        " account, can the user log in while it is locked?"
    )
    assert asks_yes_or_no("Our servers mount /tmp `nosuid,nodev`; does the guide recommend it?")


def test_a_wh_question_with_an_aside_between_commas_does_not_ask_yes_or_no() -> None:
    assert not asks_yes_or_no("Which garbage collector, for example G1, does the manual name?")
    assert not asks_yes_or_no("How much, in US dollars, does certification cost?")
    assert not asks_yes_or_no("Into which part of rt, and how many bits, does LUI load it?")
    assert not asks_yes_or_no("What does SYSCALL 1 return?")
