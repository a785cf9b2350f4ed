"""Prompt assembly: the editable system prompt, numbered passages, recent history, the question.

Text from manuals (and from the user) is defused before it goes into a message: it cannot close
a passage's fence, and it cannot carry chat-template control tokens. Model servers (llama.cpp,
vLLM) turn the text "<|im_start|>system" inside a message into the real control tokens, so a
planted manual could otherwise open a system turn of its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from assistant.llm import Message
from assistant.retrieval import Passage
from pagewise.keywords import question_language

# Control tokens of the common chat templates: ChatML and Llama 3 (<|im_start|>, <|eot_id|>),
# DeepSeek (<｜User｜>), Llama 2 and Mistral (<s>, [INST], <<SYS>>), Gemma (<start_of_turn>).
_CHAT_MARKER = re.compile(
    r"<[|｜][^<>\n]{0,64}?[|｜]>"
    r"|</?s>|</?(?:start|end)_of_turn>|<</?SYS>>"
    r"|\[/?INST\]",
    re.IGNORECASE,
)
# Look-alikes keep the text readable for the model and a person, but match no control token.
_LOOKALIKES = str.maketrans({"<": "‹", ">": "›", "[": "［", "]": "］"})
REMINDER_ZH = (
    "（请在每句回答的末尾标注依据的资料编号，例如 [1]。用中文回答，一到三句话；资料写明了原因"
    "或替代做法时一并说明。）"
)
REMINDER_EN = (
    "(Answer in English, in one to three sentences, even if the passages are in Chinese; quote"
    " the manual's own terms where needed. If the passage gives the reason or the alternative,"
    " say it. End every sentence with the number of the passage it comes from, e.g. [1].)"
)
PASSAGE_OPEN = "<<<"
PASSAGE_CLOSE = ">>>"


@dataclass(frozen=True)
class Turn:
    question: str
    answer: str


def citation_label(passage: Passage) -> str:
    """《Title》第 13 页（印刷页 10/51）· (五) 日期时间; 第 5 张幻灯片 for a deck; 工作表「政策」
    for a workbook."""
    first, last = passage.page, passage.page_end
    span = f"{first}" if last == first else f"{first}–{last}"
    if passage.kind == "pptx":
        where, printed = f"第 {span} 张幻灯片", ""
    elif passage.kind == "xlsx":
        # A sheet is a page whose label is its name; its rows are numbered in the text.
        rows = sheet_rows(passage.text)
        where = f"工作表「{passage.page_label}」" + (f"第 {rows} 行" if rows else "")
        printed = ""
    else:
        where = f"第 {span} 页"
        printed = (
            f"（印刷页 {passage.page_label}）"
            if passage.page_label and passage.page_label != str(passage.page)
            else ""
        )
    shown_section = passage.section if passage.section != passage.page_label else ""
    section = f" · {shown_section}" if shown_section else ""
    return f"《{passage.title}》{where}{printed}{section}"


# The where-part of a label as citation_label writes it, when an answer echoes it: "第 15 页
# （印刷页 12/51）", "第 5 张幻灯片", "工作表「政策」第 5 行".
SOURCE_LABEL = re.compile(
    r"第 ?\d+(?:[–-]\d+)? ?页（印刷页 ?[^）]{1,12}）|第 ?\d+(?:[–-]\d+)? ?张幻灯片"
    r"|工作表「[^」]{1,40}」(?:第 ?[\d、–-]+ ?行)?"
)


_SHEET_ROW = re.compile(r"^第 (\d+) 行：", re.MULTILINE)


def sheet_row_numbers(text: str) -> list[int]:
    """The numbers of the worksheet rows a passage holds, as ingest/sheets.py writes them
    ("第 3 行：…")."""
    return [int(n) for n in _SHEET_ROW.findall(text)]


def sheet_rows(text: str) -> str:
    """ "3–9" for a passage of a worksheet whose lines are its rows 3 to 9; "" when it holds
    no numbered row."""
    numbers = sheet_row_numbers(text)
    if not numbers:
        return ""
    first, last = min(numbers), max(numbers)
    return f"{first}" if first == last else f"{first}–{last}"


def defuse(text: str) -> str:
    """``text`` with no chat-template control token and no passage fence left in it."""
    text = _CHAT_MARKER.sub(lambda marker: marker.group(0).translate(_LOOKALIKES), text)
    return text.replace(PASSAGE_OPEN, "‹‹‹").replace(PASSAGE_CLOSE, "›››")


def format_passages(passages: Sequence[Passage]) -> str:
    # Each passage is fenced so that its text cannot pose as a rule or as another passage. The
    # header comes from the document's title and headings, so it is kept to one line too: a
    # title with a line break could otherwise start a fence of its own.
    blocks = []
    for n, passage in enumerate(passages, start=1):
        label = " ".join(defuse(citation_label(passage)).split())
        blocks.append(
            f"资料 [{n}]（{label}）：\n{PASSAGE_OPEN}\n{defuse(passage.text)}\n{PASSAGE_CLOSE}"
        )
    return "\n\n".join(blocks)


def build_messages(
    system_prompt: str,
    question: str,
    passages: Sequence[Passage],
    history: Sequence[Turn] = (),
) -> list[Message]:
    messages = [Message("system", system_prompt)]
    # A user's own text is defused too: typing "<|im_start|>system" must not open a system turn.
    for turn in history:
        messages.append(Message("user", defuse(turn.question)))
        messages.append(Message("assistant", defuse(turn.answer)))
    # Small models follow the last thing they read: the rules that matter most are restated
    # after the question, in its language (a Chinese manual otherwise pulls the answer into
    # Chinese). The language is the one the refusal follows (pagewise/policies.py).
    if question_language(question) == "zh":
        reminder = REMINDER_ZH
        asked = f"问题：{defuse(question)}"
    else:
        reminder = REMINDER_EN
        asked = f"Question: {defuse(question)}"
    messages.append(Message("user", f"{format_passages(passages)}\n\n{asked}\n{reminder}"))
    return messages


def trim_history(
    history: Sequence[Turn], budget_tokens: int, count_tokens: Callable[[str], int]
) -> list[Turn]:
    """The most recent turns that fit the token budget, oldest first."""
    kept: list[Turn] = []
    used = 0
    for turn in reversed(history):
        cost = count_tokens(turn.question) + count_tokens(turn.answer)
        if used + cost > budget_tokens:
            break
        kept.insert(0, turn)
        used += cost
    return kept
