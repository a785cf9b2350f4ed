"""How a question is translated for the search in the other language (assistant/translation.py):
the direction, the worked examples the model sees, and what is not taken as a translation."""

from llm_doubles import ScriptedLLM

from assistant.llm import LLM
from assistant.translation import EXAMPLES, INSTRUCTIONS, Translator
from pagewise.keywords import question_language

# Chinese, though most of its letters are Latin.
IDENTIFIER_HEAVY = "EduMIPS64 0.4 中 SYSCALL 4 写文件成功时返回什么？"


def test_a_chinese_question_full_of_identifiers_is_translated_into_english() -> None:
    english = "What does SYSCALL 4 return in EduMIPS64 0.4 when it writes a file successfully?"
    llm = ScriptedLLM(english)
    assert Translator(llm).translate(IDENTIFIER_HEAVY) == english
    assert llm.calls[0][0].content == INSTRUCTIONS["en"]


def test_the_model_sees_worked_examples_before_the_question() -> None:
    llm = ScriptedLLM("How long is the warranty?")
    Translator(llm).translate("保修期多长？")
    chat = llm.calls[0]
    assert [m.role for m in chat] == ["system", "user", "assistant", "user", "assistant", "user"]
    assert [m.content for m in chat[2:5:2]] == [english for _, english in EXAMPLES["en"]]
    assert chat[-1].content == "保修期多长？"


def test_an_answer_in_the_question_language_is_no_translation() -> None:
    llm = ScriptedLLM("在 EduMIPS64 0.4 中，SYSCALL 4 写文件成功时返回 0。")
    assert Translator(llm).translate(IDENTIFIER_HEAVY) == ""


def test_the_embedded_model_translates_rather_than_answers(embedded_llm: LLM) -> None:
    # Told only "do not answer", it answered: "…you would use the `lw` (load word) instruction".
    question = "EduMIPS64 0.4 里，把内存里的一个双字读进寄存器 rt 用哪条指令？"
    translated = Translator(embedded_llm).translate(question)
    assert question_language(translated) == "en"
    assert translated.endswith("?")
    assert "EduMIPS64 0.4" in translated and "lw" not in translated.split()
