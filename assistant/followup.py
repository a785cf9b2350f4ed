"""Follow-up questions: retrieval sees one question, so one that leans on the chat ("那 toArray
呢？" after a question about ArrayList's subList) is first rewritten into a question that stands
alone ("ArrayList 的 toArray 有什么要注意的？"), from the recent turns, by the same LLM.

The rewrite is a call on the model (seconds on a CPU), so it is asked for only when the question
looks like it leans on the chat: it opens or ends the way a follow-up does ("那…", "还有…",
"…呢？", "And…", "What about…"), points back ("它", "这个", "it", "that"), or is too short to
name its subject ("为什么？", "Why?"); each with a limit on how much the question says itself.
A question that names its own subject is searched as it is.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from assistant.citations import key_terms
from assistant.llm import LLM, LLMError, Message, complete
from assistant.prompt import Turn, defuse
from pagewise.keywords import question_language, subject_terms
from pagewise.text import fold, squeeze

log = logging.getLogger(__name__)

FOLLOWUP_TURNS = 2  # the turns the rewrite reads: a follow-up leans on the last one or two
ANSWER_CHARS = 200  # of each answer: its first sentence names the subject
# How many subject terms (words, Chinese character pairs) a question may have and still be
# taken for a follow-up: with a follow-up's opening or ending, with a word pointing back, with
# neither. Every question of the dev sets has at least 6.
OPENER_MAX_TERMS = 8
POINTER_MAX_TERMS = 5
BARE_MAX_TERMS = 3

_OPENER = re.compile(
    r"^(?:那|还有|另外|此外|以及|然后|所以|而且|并且|同样|它|其|这|换成)"
    r"|呢\s*[?？]*\s*$"
    r"|^(?:and|but|so|also|then|what about|how about|what if|same for|in that case)\b",
    re.IGNORECASE,
)
_POINTER = re.compile(
    r"它|其中|上述|上面|前面|刚才|之前|这个|那个|这些|那些|这种|那种|这样|那样|这条|那条"
    r"|\b(?:it|its|they|them|their|that|this|those|these|one|same|instead|too|either)\b"
    r"|^(?:for|why)\b",
    re.IGNORECASE,
)
_CITATION = re.compile(r"\s*[\[【［]\s*\d{1,2}(?:\s*[,，、]\s*\d{1,2})*\s*[\]】］]")
_LABEL = re.compile(
    r"^(?:改写后的问题|改写|新问题|问题|(?:rewritten |standalone )?question)\s*[:：]\s*",
    re.IGNORECASE,
)

INSTRUCTIONS = {
    "zh": (
        "你负责补全问题。下面是用户与助手之前的对话和用户的新问题。新问题可能省略了它问的对象，"
        "或者用“它、这个、那……呢”指代前面说过的内容。请把新问题改写成不看对话也能看懂的完整"
        "问题，补上它所指的对象，其余照原意，不要加新的内容。不要回答问题，只输出改写后的问题。\n"
        "例如：对话是“用户：密码最短几位？助手：至少 12 位。”，新问题是“那多久要换一次？”，"
        "就输出：密码多久要换一次？"
    ),
    "en": (
        "You complete questions. Below are the earlier turns of a chat between a user and an"
        " assistant, and the user's new question. The new question may leave out what it is"
        ' about, or refer back with words like "it", "that" or "what about". Rewrite it'
        " as a complete question that can be understood without the chat: name what it refers"
        " to, keep everything else as meant, add nothing new. Do not answer it; output only the"
        ' rewritten question.\nExample: the chat is "User: How long must a password be?'
        ' Assistant: At least 12 characters.", the new question is "And how often must it be'
        ' changed?"; you output: How often must a password be changed?'
    ),
}
_HEADINGS = {
    "zh": ("对话：", "用户：", "助手：", "新问题：", "改写后的问题："),
    "en": ("Chat:", "User: ", "Assistant: ", "New question: ", "Rewritten question:"),
}


def leans_on_chat(question: str, history: Sequence[Turn]) -> bool:
    """Whether ``question`` looks like it needs the chat to be understood (no call made)."""
    if not history:
        return False
    text = " ".join(fold(question).split())
    # The opening word itself is no subject: "那负载因子呢" is about 负载因子, not 那负.
    terms = len(subject_terms(_OPENER.sub(" ", text)))
    if _OPENER.search(text):
        return terms <= OPENER_MAX_TERMS
    if _POINTER.search(text):
        return terms <= POINTER_MAX_TERMS
    return terms <= BARE_MAX_TERMS


def rewrite_prompt(question: str, history: Sequence[Turn]) -> list[Message]:
    """The rewriting call's messages: the last turns (answers cut short, without citation
    marks) and the question, in the question's language."""
    language = question_language(question)
    chat, user, assistant, asked, rewritten = _HEADINGS[language]
    lines = [chat]
    for turn in history[-FOLLOWUP_TURNS:]:
        answer = _CITATION.sub("", turn.answer).strip()
        if len(answer) > ANSWER_CHARS:
            answer = answer[:ANSWER_CHARS].rstrip() + "…"
        lines.append(f"{user}{' '.join(defuse(turn.question).split())}")
        lines.append(f"{assistant}{' '.join(defuse(answer).split())}")
    lines += ["", f"{asked}{' '.join(defuse(question).split())}", rewritten]
    return [Message("system", INSTRUCTIONS[language]), Message("user", "\n".join(lines))]


class Condenser:
    """Rewrites a follow-up into a standalone question with the same LLM that answers."""

    def __init__(self, llm: LLM, max_tokens: int = 96) -> None:
        self.llm = llm
        self.max_tokens = max_tokens

    def standalone(self, question: str, history: Sequence[Turn]) -> str:
        """The question to search with: rewritten when it leans on the chat, else itself."""
        if not leans_on_chat(question, history):
            return question
        try:
            reply = complete(self.llm, rewrite_prompt(question, history), self.max_tokens)
        except LLMError:
            log.exception("rewriting a follow-up failed; searching with it as asked")
            return question
        return usable_rewrite(question, reply) or question


def usable_rewrite(question: str, reply: str) -> str:
    """The reply's rewritten question, or "" when it is none: empty, in another language, an
    answer (citation marks, far too long), or without a name or number the question holds."""
    line = next((ln.strip() for ln in reply.splitlines() if ln.strip()), "")
    line = _LABEL.sub("", line).strip().strip("\"“”「」'").strip()
    if (
        not line
        or _CITATION.search(line)
        or len(line) > 3 * len(question) + 120
        or question_language(line) != question_language(question)
    ):
        return ""
    squeezed = squeeze(line)
    if not all(squeeze(term) in squeezed for term in key_terms(question)):
        return ""
    return line
