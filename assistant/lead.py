"""The answer's lead: its first statement, the direct answer the prompt asks for. When the lead
is removed as unsupported, what follows elaborates an answer that could not be verified, and
the whole answer is the refusal; but a lead with merely few words of its passage, or far from
it in meaning across languages, may be a preamble ("The #include command is useful for …")."""

from __future__ import annotations

from assistant.across import FAR
from assistant.replies import bare_reply, opens_with_reply

FEW_WORDS = "few of its words"
REPEATS = "only repeats the question"
NOT_STATED = "not stated in the cited passages"  # the judge's reason, after its name


def decisive(lead: str, reason: str, yes_no: bool, answers_more: bool = False) -> bool:
    """Whether the lead (unmarked), removed for ``reason`` ("" when kept), makes the answer
    the refusal. To a yes-no question (``yes_no``), a lead that opens with its yes or no is
    the answer, never a preamble, whatever removed it: on holdout22-35, three near-domain
    answers were shown after their "Yes, EduMIPS64 0.5.3 can simulate a scratchpad memory …"
    was removed for its few words, and no right answer opened with a removed yes or no.
    But when the question asks more after its yes or no and a kept sentence answers that with
    a number or name of its own (``answers_more``), a lead that only repeats the question is
    not decisive ("是的，手册要求安装 Java 运行环境。最低需要 Java Runtime Environment, version 5
    or later [1]。"): what follows is shown without the unverified yes. Without a name of its
    own, what follows may only elaborate the lead ("要打开分支预测功能，需要在配置对话框中…")."""
    if not reason:
        return False
    if answers_more and reason == REPEATS and not bare_reply(lead):
        return False
    if bare_reply(lead) or (yes_no and opens_with_reply(lead)):
        return True
    return not reason.startswith((FEW_WORDS, FAR))
