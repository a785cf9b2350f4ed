"""A yes its cited passage says no to is not shown: the passage's sentence about the very
things asked forbids them together."""

from test_citations import REFUSAL, passage

from assistant.citations import check_citations
from assistant.grounding import ground
from assistant.polarity import denied
from assistant.reasons import DENIED

# holdout77: the SYSCALL 1 flags of the EduMIPS64 manual.
FLAGS = passage(
    "• O_APPEND (0x08) In write mode, appends written text at the end of the file;\n"
    "• O_TRUNC (0x08) In write mode, deletes the content of the file as soon as it is opened.\n"
    "It is mandatory to specify one of the first three modes. The fourth and the fifth modes are"
    " exclusive, you can not specify O_APPEND if you specify O_TRUNC (and vice versa).\n"
    "You can specify a combination of modes by simply adding the integer values of those flags.",
    page=17,
)
QUESTION = (
    "When I open a file with SYSCALL 1 in EduMIPS64, am I allowed to combine the O_APPEND"
    " and O_TRUNC flags?"
)


def test_a_yes_to_two_things_the_passage_forbids_together_is_denied() -> None:
    no = denied("Yes, you can combine the O_APPEND and O_TRUNC flags", QUESTION, [FLAGS.text], "")
    assert "you can not specify O_APPEND if you specify O_TRUNC" in no


def test_a_yes_stands_where_a_sentence_naming_as_much_allows_it() -> None:
    question = "Can I combine the O_CREAT and O_APPEND flags?"
    text = FLAGS.text + "\nYou may add O_CREAT and O_APPEND together."
    assert denied("Yes, you can combine them", question, [text], "") == ""


def test_a_no_a_question_for_more_than_yes_or_no_or_one_name_is_not_checked() -> None:
    assert denied("No, you can not combine them", QUESTION, [FLAGS.text], "") == ""
    what = "What happens when I combine the O_APPEND and O_TRUNC flags?"
    assert denied("You can combine them", what, [FLAGS.text], "") == ""
    one = "Can I use O_TRUNC when the file is opened for writing?"
    assert denied("Yes, you can use it", one, [FLAGS.text], "") == ""


def test_an_answer_whose_yes_the_passage_denies_is_refused() -> None:
    reply = "Yes, you can combine the O_APPEND and O_TRUNC flags [1]. Add their values [1]."
    checked = check_citations(reply, [FLAGS], REFUSAL, question=QUESTION)
    result = ground(checked.text, [FLAGS], REFUSAL, question=QUESTION)
    assert result.refused
    assert result.removed[0].reason.startswith(DENIED)
