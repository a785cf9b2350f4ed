"""Sentence-level grounding: what is shown is supported by the passage it cites."""

from collections.abc import Sequence
from dataclasses import replace

import pytest
from test_citations import PASSAGES, REFUSAL, passage

from assistant.across import Cosine
from assistant.citations import check_citations, key_terms
from assistant.claims import Claim, claims_of
from assistant.grounding import ground
from assistant.judge import parse_verdicts
from assistant.retrieval import Passage
from assistant.stray import STRAYS
from assistant.wording import dangles
from pagewise.embedder import Embedder


def grounded(reply: str, **options: object):  # type: ignore[no-untyped-def]
    checked = check_citations(reply, PASSAGES, REFUSAL)
    return ground(checked.text, PASSAGES, REFUSAL, **options)  # type: ignore[arg-type]


class Judge:
    name = "test judge"

    def __init__(self, verdicts: Sequence[bool]) -> None:
        self.verdicts = list(verdicts)
        self.seen: list[str] = []

    def judge(self, claims: Sequence[Claim]) -> list[bool]:
        self.seen = [c.text for c in claims]
        return self.verdicts[: len(claims)]


def test_a_supported_multi_sentence_answer_keeps_every_sentence() -> None:
    result = grounded("不能写死 365 天 [1]。HashMap 默认容量 16 [2]。")
    assert not result.refused and result.removed == []
    assert result.text == "不能写死 365 天 [1]。HashMap 默认容量 16 [2]。"
    assert [(c.n, c.page) for c in result.citations] == [(1, 13), (2, 16)]


def test_a_sentence_with_a_number_missing_from_its_passage_is_removed() -> None:
    result = grounded("默认容量 16 [2]。一年按 366 天计算 [1]。")
    assert result.text == "默认容量 16 [1]。"
    assert [r.sentence for r in result.removed] == ["一年按 366 天计算 [1]。"]
    assert "366" in result.removed[0].reason
    # The citations renumber: what was [2] is now [1] and still points at page 16.
    assert [(c.n, c.page) for c in result.citations] == [(1, 16)]


def test_identifiers_must_appear_in_the_cited_passage_not_another() -> None:
    result = grounded("应该用 HashMap 并写死 365 天。[1]")
    assert result.refused and result.text == REFUSAL
    assert "HashMap" in result.removed[0].reason


def test_an_invented_figure_next_to_a_citation_is_never_shown() -> None:
    result = grounded("不能写死 365 天 [1]。The audit typically costs around $10,000 [1].")
    assert "10,000" not in result.text and "10000" not in result.text
    assert result.text == "不能写死 365 天 [1]。"


def test_an_answer_whose_direct_answer_is_unsupported_is_the_refusal() -> None:
    # What follows an invented answer explains it: shown alone it reads as the answer.
    for reply in (
        "The audit typically costs around $10,000 [1]. 不能写死 365 天 [1]。",
        "It should be set to 7 [1]. This setting is recommended in [1].",
    ):
        result = grounded(reply)
        assert result.refused and result.text == REFUSAL, reply
        assert result.removed[-1].reason in (
            "follows an unsupported answer",
            "only points at its source",
        )
    # A lead with merely few words of its passage may be a preamble: the answer stands.
    result = grounded(
        "集合处理需要考虑线程安全和性能监控 [2]。不能写死 365 天 [1]。", min_word_support=0.5
    )
    assert result.text == "不能写死 365 天 [1]。"
    # Without the rule, the supported rest is shown.
    result = grounded("一年按 366 天计算 [1]。默认容量 16 [2]。", lead_decides=False)
    assert result.text == "默认容量 16 [1]。"


def test_the_source_named_first_is_cited_last_and_pointers_are_removed() -> None:
    result = grounded("根据资料 [2]，HashMap 默认容量 16。依据的资料是资料 [2]。")
    assert result.text == "HashMap 默认容量 16 [1]。"
    assert [r.reason for r in result.removed] == ["only points at its source"]
    result = grounded(
        "According to [1], a year must not be fixed at 365 天. The passage [1] says so."
    )
    assert result.text == "A year must not be fixed at 365 天 [1]."
    assert grounded("根据资料 [1]，不能写死 365 天 [1]。").text == "不能写死 365 天 [1]。"
    assert grounded("根据资料 [1]，不能写死 365 天。依据的资料编号是 [1]。").text == (
        "不能写死 365 天 [1]。"
    )


def test_an_answer_that_only_says_the_manuals_are_silent_is_the_refusal() -> None:
    for reply in (
        "资料中没有具体要求 [1]。",
        "文档未提及审计费用 [2]。",
        "The passages do not mention a deadline [1].",
        "This is not specified in the manual [2].",
        # holdout63: "Does the service-management chapter warn against using systemctl kill…?"
        "No, the service-management chapter does not warn against using systemctl kill [1].",
        "该章节没有警告使用 systemctl kill [1]。",
    ):
        result = grounded(reply)
        assert result.refused and result.text == REFUSAL, reply


def test_a_sentence_without_a_mark_leans_on_the_next_cited_one() -> None:
    claims = claims_of("不可以。必须指定初始值大小 [2]。")
    assert [c.cited for c in claims] == [(2,), (2,)]
    result = grounded("不可以。HashMap 默认容量 16 [2]。")
    assert result.text == "不可以。HashMap 默认容量 16 [1]。"


def test_the_judge_removes_what_it_finds_unsupported_and_citations_renumber() -> None:
    passages = [*PASSAGES, passage("日期格式化时，年份统一使用小写的 y。", page=14)]
    checked = check_citations(
        "不能写死 365 天 [1]。默认容量 16 [2]。年份用小写 y [3]。", passages, REFUSAL
    )
    judge = Judge([True, False, True])
    result = ground(checked.text, passages, REFUSAL, judge=judge)
    assert len(judge.seen) == 3
    assert result.text == "不能写死 365 天 [1]。年份用小写 y [2]。"
    assert [(c.n, c.page) for c in result.citations] == [(1, 13), (2, 14)]
    assert result.removed[0].sentence == "默认容量 16 [2]。"


def test_sentences_with_too_few_words_from_their_passage_are_removed() -> None:
    result = grounded(
        "不能写死 365 天 [1]。集合处理需要考虑线程安全和性能监控 [2]。", min_word_support=0.5
    )
    assert result.text == "不能写死 365 天 [1]。"
    assert "few of its words" in result.removed[0].reason


def test_verdicts_are_read_leniently_and_missing_ones_keep_the_sentence() -> None:
    assert parse_verdicts("1: 是\n2：否\n3. yes", 3) == [True, False, True]
    assert parse_verdicts("1 - **否**", 2) == [False, True]


def test_a_sentence_citing_the_neighbour_passage_is_cited_to_the_one_that_holds_it() -> None:
    result = grounded("HashMap 默认容量 16 [1]。")
    assert not result.refused and result.removed == []
    assert result.text == "HashMap 默认容量 16 [1]。"
    assert [(c.n, c.page) for c in result.citations] == [(1, 16)]


def test_a_sentence_opening_like_a_pointer_with_a_name_of_its_own_is_an_answer() -> None:
    # "The manual gives X" answers when X is a name the question does not write; a page or
    # row number only says where the source is.
    result = grounded(
        "The manual gives HashMap a default capacity of 16 [2].", question="What is the default?"
    )
    assert (
        not result.refused
        and result.text == "The manual gives HashMap a default capacity of 16 [1]."
    )
    result = grounded("HashMap 默认容量 16 [2]。依据的资料是资料 [2] 第 16 页。")
    assert result.text == "HashMap 默认容量 16 [1]。"
    assert result.removed[0].reason == "only points at its source"


def test_a_sentence_of_punctuation_alone_is_removed() -> None:
    result = grounded("默认容量 16 [2]。``` ``` [1]。")
    assert result.text == "默认容量 16 [1]。"
    assert [r.reason for r in result.removed] == ["says nothing"]


def test_a_sentence_across_languages_far_in_meaning_from_its_passage_is_removed(
    embedder: Embedder,
) -> None:
    # The real embedder: Chinese and English share its vector space, so an English sentence
    # that says what the Chinese passage says stays near it, and an unrelated one does not.
    def similarity(sentence: str, text: str) -> float:
        first, second = embedder.embed([sentence, text])
        return sum(a * b for a, b in zip(first, second, strict=True))

    result = grounded(
        "Hard-coding a year as a fixed number of days is forbidden [1]. "
        "This is a common practice in Unix-like systems [1].",
        similarity=similarity,
        min_cross_support=0.35,
    )
    assert result.text == "Hard-coding a year as a fixed number of days is forbidden [1]."
    assert result.removed[0].reason.startswith("across languages, far in meaning")


def across(reply: str, passages: list[Passage], embedder: Embedder, question: str = ""):  # type: ignore[no-untyped-def]
    """``reply`` grounded with the real embedder measuring sentences across languages."""
    return ground(
        reply,
        passages,
        REFUSAL,
        question=question,
        similarity=Cosine(embedder),
        min_cross_support=0.35,
    )


# holdout56, slide 5: the sentence translates its last line, and the whole slide is far from
# it (0.33). holdout81, workbook sheet 1: the long passage is far from the sentence (0.2); its
# line that writes Moorcrofts and Orcro in Latin letters is near (0.46), though no translation
# of it (below 0.6). An unrelated claim is far from every line, named or not.
SLIDE = (
    "摩擦点已解决\n理想状态=广泛尊重开发商权利+低交易成本\n"
    "为了达到此目标，OpenChain提供供应链中建立信任的通用标准\n可自由优化和定制的基准流程\n"
    "上游合规性工作被保留，可供下游接收者使用和重复使用\n下游接收者在较低的努力起点开始合规性工作"
)
SHEET = (
    "第 2 行：OpenChain 开源政策模板\n"
    "第 3 行：此模板的重点是帮助应用高质量开源合规计划的关键要求。"
    "它提供了示例政策文本，可帮助组织选择、分类、合并和发布开源代码，重点关注开源的法律合规。\n"
    "第 31 行：OpenChain 项目不支撑此示例内容。如果您需要有关此部分内容的帮助，请联系英国的 "
    "Moorcrofts 或 Orcro。\n第 33 行：示例附录 5 - 培训要求"
)


@pytest.mark.parametrize(
    ("text", "kept", "invented"),
    [
        (
            SLIDE,
            "Downstream recipients start with lower effort compared to upstream compliance"
            " work [1].",
            "Downstream recipients must pay a yearly licence fee to the upstream vendor [1].",
        ),
        (
            SHEET,
            "The customer should contact Moorcrofts or Orcro for help with the unofficial"
            " licence examples in our policy template [1].",
            "Moorcrofts charges a yearly fee for every audit of the supply chain [1].",
        ),
    ],
    ids=["translating-a-line", "naming-what-a-line-writes"],
)
def test_a_sentence_across_languages_is_measured_against_one_line_of_a_long_passage(
    text: str, kept: str, invented: str, embedder: Embedder
) -> None:
    long_passage = passage(text, page=5)
    assert across(kept, [long_passage], embedder).text == kept
    result = across(invented, [long_passage], embedder)
    assert result.refused and result.removed[0].reason.startswith("across languages, far")


def test_a_chinese_sentence_is_measured_against_the_english_line_writing_its_name(
    embedder: Embedder,
) -> None:
    # holdout79: the sentence translates the O_TRUNC line of the flag list; a wrong "yes" to
    # an ADDU question stays far from the ADDU line, which says the opposite.
    page = passage(
        "• O_APPEND (0x08) In write mode, appends written text at the end of the file;\n"
        "• O_TRUNC (0x08) In write mode, deletes the content of the file as soon as it is"
        " opened.\nIt is mandatory to specify one of the first three modes. The fourth and the"
        " fifth modes are exclusive, you can not specify O_APPEND if you specify O_TRUNC (and"
        " vice versa).\nYou can specify a combination of modes by simply adding the integer"
        " values of those flags. For instance, if you want to open a file in write only mode"
        " and append the written text to the end of file, you should specify the mode 2 + 8 =\n"
        "10.\nThe return value of the system call is the new file descriptor associated with"
        " the file, that can be further used with the other system calls. If there is an error,"
        " the return value will be -1.\n• ADDU rd, rs, rt Sums the content of 32-bits registers"
        " rs and rt, and puts the result into rd. No integer overflow occurs under any"
        " circumstances.",
        page=17,
    )
    page = replace(page, title="EduMIPS64 Documentation", doc="edumips64-doc.pdf")
    kept = "在 EduMIPS64 里用 O_TRUNC 标志打开文件时，文件原有的内容会在文件被打开时被删除 [1]。"
    question = "在 EduMIPS64 里用 O_TRUNC 标志打开文件时，文件原有的内容会在什么时候被删除？"
    assert across(kept, [page], embedder, question).text == kept
    wrong = "是的，ADDU 指令做加法的时候如果 overflow 了，会 trap [1]。"
    question = "ADDU 指令做加法的时候如果 overflow 了，会不会 trap？"
    assert across(wrong, [page], embedder, question).refused


def test_a_quoted_translation_of_the_passages_quoted_term_is_not_a_name_it_must_hold() -> None:
    # holdout81: the Markdown quotes “事务一致性”; the English answer quotes its translation.
    # A quoted name (capitals, digits) must still be in the passage.
    chapter = [
        passage(
            "systemd虽然能够最大限度地并发执行很多有依赖关系的工作，但是类似“挂载NFS”和“启动网络”"
            "这样的工作还是存在天生的先后依赖关系。对于这些任务，systemd维护一个“事务一致性”的概念。"
        )
    ]
    kept = 'systemd keeps a "transaction consistency" concept for such jobs [1].'
    result = ground(kept, chapter, REFUSAL)
    assert result.text == kept
    result = ground('systemd keeps a "Transaction Manager 2" for such jobs [1].', chapter, REFUSAL)
    assert result.refused and "Transaction Manager 2" in result.removed[0].reason


def test_only_sentences_across_languages_without_a_name_of_their_own_are_compared() -> None:
    asked: list[str] = []

    def similarity(sentence: str, text: str) -> float:
        asked.append(sentence)
        return 0.0

    result = grounded(
        "HashMap 默认容量 16 [2]。The default capacity of a HashMap is 16 [2]. "
        "不能写死一年的天数 [1]。",
        similarity=similarity,
        min_cross_support=0.35,
    )
    # Same language: wording is compared instead; a checked name or number: nothing to ask.
    assert asked == [] and not result.refused and len(result.removed) == 0
    result = grounded("It must not be hard-coded [1].", similarity=similarity, min_cross_support=0)
    assert asked == [] and not result.refused  # 0 turns the check off


def test_a_sentence_that_quotes_its_passage_word_for_word_is_not_compared_by_meaning() -> None:
    # "Content-Type" is the manual's own term in a Chinese passage: nothing to translate. A
    # quote too short to prove anything ("No" is inside "nologin") is still compared.
    header = [passage("HTTP 请求通过 body 传递内容时，必须设置 Content-Type 请求头。")]

    def similarity(sentence: str, text: str) -> float:
        return 0.0

    options = {"similarity": similarity, "min_cross_support": 0.35}
    result = ground("Content-Type [1]", header, REFUSAL, **options)  # type: ignore[arg-type]
    assert not result.refused and result.text == "Content-Type [1]"
    result = ground("Required [1]", header, REFUSAL, **options)  # type: ignore[arg-type]
    assert result.refused and result.removed[0].reason.startswith("across languages")


def test_marks_written_apart_at_the_end_go_to_the_sentence_before() -> None:
    result = grounded("HashMap 默认容量 16。, [2], [1]")
    # They go to it together, and the one whose passage says nothing of it is dropped.
    assert result.text == "HashMap 默认容量 16 [1]。"
    assert [c.page for c in result.citations] == [16]


def test_a_sentence_saying_something_else_does_not_provide_x_is_an_answer() -> None:
    # Only the material's silence is a non-answer, not any "does not provide".
    reply = "不能写死 365 天 [1]。This rule does not provide an exception for leap years [1]."
    assert grounded(reply).text == reply


def test_a_number_written_in_another_base_is_held_by_its_value_in_the_passage() -> None:
    passages = [passage("To write only and append, specify the mode 2 + 8 =\n10.", page=17)]
    kept = "You should pass the value 10 (0xA in base 16) [1]."
    result = ground(kept, passages, REFUSAL)
    assert not result.refused and result.text == kept
    # A value the passage holds in no base is still invented, however it is written.
    result = ground("You should pass 0xB (11 in base 16) [1].", passages, REFUSAL)
    assert result.refused and "0xB" in result.removed[0].reason


def test_kept_sentences_keep_the_citation_of_a_removed_sentence_they_leaned_on() -> None:
    reply = "不能写死 365 天。一年的天数不固定。禁止写死 [1]。"
    result = ground(reply, PASSAGES, REFUSAL, judge=Judge([True, True, False]))
    assert not result.refused
    assert result.text == "不能写死 365 天。一年的天数不固定 [1]。"


def test_a_sentence_whose_words_are_in_another_passage_is_cited_to_it() -> None:
    result = grounded("初始化时要指定集合初始值大小 [1]。", min_word_support=0.3)
    assert not result.refused and result.removed == []
    assert [(c.n, c.page) for c in result.citations] == [(1, 16)]
    # Words found nowhere move nowhere: the sentence is still removed.
    result = grounded("集合处理需要考虑线程安全和性能监控 [1]。", min_word_support=0.3)
    assert result.refused and "few of its words" in result.removed[0].reason


def test_words_split_by_pdf_extraction_still_count_but_invented_numbers_do_not() -> None:
    passages = [passage("加固建议值使用DNS或者SSHF P 资源记录验证Host Key，默认 ask。", page=13)]
    result = ground(
        "应使用 SSHFP 资源记录验证 Host Key [1]。", passages, REFUSAL, min_word_support=0.6
    )
    assert not result.refused and result.removed == []
    result = ground("SSHFP 资源记录保留 30 天 [1]。", passages, REFUSAL, min_word_support=0.5)
    assert result.refused and "30 天" in result.removed[0].reason


def test_a_sentence_leaning_on_a_recited_one_moves_with_it() -> None:
    # The unmarked lead leans on the marked sentence; that one is cited to the passage holding
    # its words, and the lead goes with it instead of keeping the wrong passage.
    result = grounded("不可以。初始化时要指定集合初始值大小 [1]。", min_word_support=0.3)
    assert result.text == "不可以。初始化时要指定集合初始值大小 [1]。"
    assert [(c.n, c.page) for c in result.citations] == [(1, 16)]


def test_a_figure_given_for_an_asked_setting_the_passage_never_names_is_removed() -> None:
    passages = [passage("unlock_time=300 普通用户自动解锁时间为 300 秒。", page=30)]
    question = "fail_interval 建议设为多少秒？"
    result = ground("fail_interval 建议设为 300 秒 [1]。", passages, REFUSAL, question=question)
    assert result.refused and "fail_interval" in result.removed[0].reason
    # The setting the passage does name, with its figure, is an answer.
    result = ground(
        "unlock_time 设为 300 秒 [1]。", passages, REFUSAL, question="unlock_time 设为多少秒？"
    )
    assert not result.refused and result.removed == []


def test_an_answer_that_only_repeats_the_question_is_the_refusal() -> None:
    question = "Which line should be appended to /etc/profile so that idle terminals log out?"
    result = grounded(
        "The line should be appended to /etc/profile so that idle terminals log out. [1]",
        question=question,
    )
    assert result.refused and result.text == REFUSAL
    assert result.removed[0].reason == "only repeats the question"


def test_a_repetition_is_seen_through_the_inflection_of_its_words() -> None:
    # holdout62: "applies" repeats the question's "apply"; the command after it is the answer.
    passages = [passage("设置 httpd 服务开机时启动：systemctl enable httpd.service", page=1)]
    question = (
        "Does enabling a service apply to the current session or only at boot? "
        "What is the command to make httpd start at boot?"
    )
    answer = (
        "Enabling a service applies to the current session or only at boot [1]. "
        "The command to make httpd start at boot is `systemctl enable httpd.service` [1]."
    )
    result = ground(answer, passages, REFUSAL, question=question)
    assert result.text == (
        "The command to make httpd start at boot is `systemctl enable httpd.service` [1]."
    )
    assert [r.reason for r in result.removed] == ["only repeats the question"]


def test_a_sentence_repeating_the_question_without_its_question_word_only_repeats_it() -> None:
    # holdout64, near-domain: "哪个" left out, the question's words meet in pairs it never wrote
    # (运行预处理器: "行预"), and the echo was shown as an answer.
    passages = [passage("The preprocessor expands the #include directive.", page=9)]
    question = "在 EduMIPS64 里汇编源文件之前，需要先运行哪个预处理器来展开宏？"
    answer = "在 EduMIPS64 里汇编源文件之前，需要先运行预处理器来展开宏 [1]。"
    result = ground(answer, passages, REFUSAL, question=question)
    assert result.refused and result.removed[0].reason == "only repeats the question"


def test_a_repeated_question_before_the_answer_does_not_decide_it() -> None:
    question = "HashMap 的默认容量是多少？"
    result = grounded("HashMap 的默认容量是多少 [2]。默认 16 [2]。", question=question)
    assert not result.refused and result.text == "默认 16 [1]。"


def test_to_a_yes_no_question_a_first_sentence_repeating_it_decides_the_answer() -> None:
    # "没有分支预测功能" is the answer's no: removed as a repetition, it leaves nothing that the
    # steps after it could explain, so they are not shown on their own.
    passages = [passage("在配置对话框中可以设置流水线的各项参数。", page=12)]
    question = "模拟器有没有分支预测功能？怎么打开？"
    answer = "没有分支预测功能 [1]。要打开分支预测功能，需要在配置对话框中进行设置 [1]。"
    result = ground(answer, passages, REFUSAL, question=question)
    assert result.refused and result.text == REFUSAL
    assert [r.reason for r in result.removed] == [
        "only repeats the question",
        "follows an unsupported answer",
    ]


def test_a_repeated_yes_does_not_decide_when_what_follows_answers_the_next_question() -> None:
    # holdout52: the yes only repeats the question, unverified; the version the second question
    # asks for is the manual's own, and is shown without the yes.
    passages = [passage("Java Runtime Environment, version 5 or later, is required.", page=9)]
    question = "2007 年版 EduMIPS64 手册是否要求安装 Java 运行环境？最低需要哪个版本？"
    answer = (
        "是的，2007 年版 EduMIPS64 手册要求安装 Java 运行环境。"
        "最低需要 Java Runtime Environment, version 5 or later [1]。"
    )
    result = ground(answer, passages, REFUSAL, question=question)
    assert not result.refused
    assert result.text == "最低需要 Java Runtime Environment, version 5 or later [1]。"
    assert [r.reason for r in result.removed] == ["only repeats the question"]


def test_yes_to_a_yes_or_no_question_is_not_a_repetition() -> None:
    result = grounded(
        "Yes, HashMap has a default capacity [2].", question="Does HashMap have a default capacity?"
    )
    assert [r.reason for r in result.removed if r.reason == "only repeats the question"] == []


def test_a_count_given_to_a_how_many_question_is_not_a_repetition() -> None:
    # "一个" is no keyword, so the answer's words are all the question's; the count answers it.
    passages = [passage("每个源代码行最多只能使用一个标签。", page=7)]
    question = "源代码的每一行最多可以使用几个标签？"
    answer = "源代码的每一行最多可以使用一个标签 [1]。"
    result = ground(answer, passages, REFUSAL, question=question)
    assert not result.refused and result.removed == []
    # Without a count of its own it still only repeats the question.
    echo = "源代码的每一行最多可以使用几个标签 [1]。"
    result = ground(echo, passages, REFUSAL, question=question)
    assert result.refused and result.removed[0].reason == "only repeats the question"


def test_a_word_questions_ask_with_given_as_the_answer_is_not_a_repetition() -> None:
    # 要求 is no keyword ("有什么要求"), but here it is what RQ stands for.
    passages = [passage("D 列的分类：RQ = 要求，RC = 建议。", page=1)]
    result = ground("RQ 代表要求 [1]。", passages, REFUSAL, question="D 列里 RQ 代表什么？")
    assert not result.refused and result.removed == []
    # The question said again without its question word still repeats it.
    echo = "公司对口令有要求 [1]。"
    result = ground(echo, passages, REFUSAL, question="公司对口令有什么要求？")
    assert result.refused and result.removed[0].reason == "only repeats the question"


def test_a_preamble_across_languages_far_from_its_passage_does_not_decide_the_answer() -> None:
    # Like a lead with few of its passage's words, a lead far in meaning may be a preamble
    # ("The manual recommends avoiding …"): it is removed, and the checked answer after it stays.
    def similarity(sentence: str, text: str) -> float:
        return 0.1 if sentence.startswith("The manual") else 0.9

    result = grounded(
        "The manual has a rule on this [2]. The default capacity of a HashMap is 16 [2].",
        similarity=similarity,
        min_cross_support=0.35,
    )
    assert not result.refused
    assert result.text == "The default capacity of a HashMap is 16 [1]."
    assert result.removed[0].reason.startswith("across languages, far in meaning")


def test_a_name_the_question_asks_about_must_be_in_the_cited_passage() -> None:
    # The question's own names used to be exempt; a value given for a setting the passage never
    # names ("PasswordAuthentication … yes") is then invented for it.
    passages = [passage("PermitRootLogin | 禁止 root 账户直接登录 | no", page=12)]
    question = "SSH 服务端加固表里 PasswordAuthentication 建议设成 yes 还是 no？"
    answer = "PasswordAuthentication 建议设成 yes [1]。"
    result = ground(answer, passages, REFUSAL, question=question)
    assert result.refused and "PasswordAuthentication" in result.removed[0].reason


def test_a_product_name_or_figure_from_the_question_need_not_be_repeated_by_the_passage() -> None:
    # "Java" names the manual (its title) and 2022 is the question's own figure.
    passages = [passage("5.【强制】禁止在程序中写死一年为 365 天。")]
    question = "JavaDoc 手册 2022 版里一年能写死为 365 天吗？"
    result = ground(
        "JavaDoc 手册 2022 版不允许写死 365 天 [1]。",
        [replace(passages[0], title="JavaDoc 开发手册")],
        REFUSAL,
        question=question,
    )
    assert not result.refused and result.removed == []


def test_the_manuals_product_typed_in_lowercase_by_the_user_need_not_be_in_the_passage() -> None:
    # holdout72: "openeuler" in the question is no key term; the answer writes "openEuler".
    guide = replace(
        passage("在 /etc/sysconfig/init 文件中将 SINGLE 配置为 SINGLE=/sbin/sulogin。", page=25),
        doc="openeuler-hardening-zh.pdf",
        title="安全加固指南",
    )
    question = "openeuler 单用户模式要输密码 咋配啊 改哪个文件"
    reply = "要配置 openEuler 单用户模式，需要修改 `/etc/sysconfig/init` 文件 [1]。"
    result = ground(reply, [guide], REFUSAL, question=question)
    assert not result.refused and result.removed == []
    # Not typed by the user, the product must still be in the passage.
    result = ground(reply, [guide], REFUSAL, question="单用户模式要输密码，改哪个文件？")
    assert result.refused and "openEuler" in result.removed[0].reason


def test_a_common_abbreviation_the_question_asks_for_need_not_be_in_the_passage() -> None:
    # holdout68: the slide writes the address, never the word "URL" the question asks with.
    slide = passage(
        "开始使用\n探索我们的社区:\nhttps://www.openchainproject.org/get-started", page=12
    )
    question = "What URL does the deck give for exploring the OpenChain community?"
    reply = (
        "The deck gives the URL for exploring the community as"
        " https://www.openchainproject.org/get-started [1]."
    )
    result = ground(reply, [slide], REFUSAL, question=question)
    assert not result.refused and result.removed == []
    # An abbreviation that names something ("SSH") must still be in the passage.
    asked = "What SSH port does the deck give for the community?"
    result = ground("The SSH port is given as 22 [1].", [slide], REFUSAL, question=asked)
    assert result.refused


def test_a_code_line_cited_to_a_passage_without_it_moves_to_the_one_it_was_copied_from() -> None:
    # holdout70: the counterexample's line is on passage 1; the model cited passage 2.
    example = passage("反例：\n// put elephant into fridge put(elephant, fridge);", page=24)
    other = passage("【强制】所有的抽象方法必须要用 Javadoc 注释。", page=23)
    question = "注释规约的反例里，那行不需要注释的代码是怎么写的？"
    result = ground("put(elephant, fridge) [2];", [example, other], REFUSAL, question=question)
    assert not result.refused and [c.page for c in result.citations] == [24]


def test_a_yes_vouches_for_the_questions_figures_and_needs_them_in_its_passage() -> None:
    # holdout59: "是的" to a port that no table gives.
    passages = [passage("SSH 服务端加固项：PermitRootLogin 建议设为 no，Protocol 建议设为 2。")]
    question = "SSH 加固表里是不是建议把 SSH 服务端口改成 2222？"
    result = ground(
        "是的，SSH 加固表里建议把 SSH 服务端口改成 2222 [1]。", passages, REFUSAL, question=question
    )
    assert result.refused and "2222" in result.removed[0].reason
    # Without the yes the figure is only the question's, repeated.
    result = ground(
        "SSH 加固表里建议把服务端口改成 2222 的说法，对应 Protocol 设为 2 [1]。",
        passages,
        REFUSAL,
        question=question,
    )
    assert "2222" not in " ".join(r.reason for r in result.removed)
    # A version or a year names the manual asked about, even after a yes.
    guide = [replace(passages[0], title="openEuler 安全加固指南")]
    question = "openEuler 22.03 的 SSH 加固表里是否建议 Protocol 设为 2？"
    reply = "是的，openEuler 22.03 的 SSH 加固表里建议 Protocol 设为 2 [1]。"
    assert not ground(reply, guide, REFUSAL, question=question).refused


def test_a_product_name_from_the_question_must_be_in_a_passage_of_another_products_manual() -> None:
    # holdout57: asked about OpenChain, the model glued the question to a rule of the
    # hardening guide; "OpenChain" is the slides' product, not that guide's.
    slide = replace(
        passage("认证符合OpenChain标准", page=6),
        doc="openchain-iso5230-overview-zh.pptx",
        title="ISO/IEC 5230开源许可合规性",
    )
    guide = replace(
        passage(
            "口令过期后用户重新登录时，提示口令过期并强制要求修改，不修改则无法进入系统。", page=28
        ),
        doc="openeuler-hardening-zh.pdf",
        title="安全加固指南",
    )
    question = "OpenChain 认证到期后怎样办理续期？"
    reply = "OpenChain 认证到期后，用户需要重新登录并提示口令过期并强制要求修改 [2]。"
    result = ground(reply, [slide, guide], REFUSAL, question=question)
    assert result.refused
    assert result.removed[0].reason == "not in the cited passage: OpenChain"


def test_a_sentence_said_again_is_shown_once() -> None:
    result = grounded("默认容量 16 [2]。默认容量 16 [2]。默认容量 16。不能写死 365 天 [1]。")
    assert result.text == "默认容量 16 [1]。不能写死 365 天 [2]。"
    assert [r.reason for r in result.removed] == ["said before", "said before"]


def test_a_standard_number_from_the_question_that_no_manual_names_must_be_in_the_passage() -> None:
    # Manuals on ISO/IEC 5230 never mention 18974: the question's own number is the name of
    # something they do not cover, not a figure the answer may repeat.
    passages = [
        replace(passage("OpenChain ISO/IEC 5230 是开源合规的国际标准。"), doc="iso5230.pptx")
    ]
    question = "ISO/IEC 18974 和 ISO/IEC 5230 是什么关系？"
    result = ground(
        "ISO/IEC 18974 是 ISO/IEC 5230 的替代标准 [1]。", passages, REFUSAL, question=question
    )
    assert result.refused and "18974" in result.removed[0].reason
    # The number of the manual's own standard (in its file name) may still go unrepeated.
    answer = "ISO/IEC 5230 是开源合规的国际标准 [1]。"
    result = ground(
        answer,
        [replace(passages[0], text="本 ISO/IEC 标准是开源合规的国际标准。")],
        REFUSAL,
        question="ISO/IEC 5230 是什么标准？",
    )
    assert not result.refused and result.removed == []


def test_a_small_number_after_a_name_in_capitals_must_be_in_the_passage_with_it() -> None:
    # holdout60, near-domain: the manuals define SYSCALL 0 to 5, and "手册里 SYSCALL 6 是用于
    # 打印字符串的 [1]" was shown, the question's 6 being exempt and "4.1.6" holding a 6.
    passages = [passage("4.1.6 SYSCALL 5 Example program that prints a string.", page=30)]
    question = "我的程序里调用了 `syscall 6`，手册里 SYSCALL 6 是做什么的？"
    result = ground(
        "手册里 SYSCALL 6 是用于打印字符串的 [1]。", passages, REFUSAL, question=question
    )
    assert result.refused and "SYSCALL 6" in result.removed[0].reason
    asked = "SYSCALL 5 是做什么的？"
    result = ground("SYSCALL 5 用于打印字符串 [1]。", passages, REFUSAL, question=asked)
    assert not result.refused


def test_a_source_label_the_answer_echoes_names_no_number_of_its_own() -> None:
    # holdout53: the model opened with the prompt's label of its passage; 15, 12 and 51 are
    # where the passage is, not figures the passage must hold.
    rule = passage("说明：三个条件如下\n1）x，y 的比较结果和 y，x 的比较结果相反。", page=15)
    passages = [replace(rule, title="Java 开发手册（黄山版）")]
    question = "黄山版手册说 Comparator 实现类需要检查什么？"
    answer = (
        "黄山版手册第 15 页（印刷页 12/51） · (六) 集合处理，说明：三个条件如下。"
        "1）x，y 的比较结果和 y，x 的比较结果相反 [1]。"
    )
    result = ground(answer, passages, REFUSAL, question=question)
    assert not result.refused and "相反 [1]" in result.text


def test_a_sentence_that_is_only_a_source_label_points_at_its_source() -> None:
    # holdout66: the model opened with its passage's whole label; as the lead it refused the
    # answer that followed, for the title in 《》 no passage text holds.
    rule = passage("DAO 层：数据访问层，与底层 MySQL、Oracle 等进行数据交互。", page=32)
    passages = [replace(rule, title="Java 开发手册（黄山版）", section="三、单元测试")]
    question = "哪一层负责与底层 MySQL、Oracle 等数据库进行数据交互？"
    answer = (
        "资料 [1]（《Java 开发手册（黄山版）》第 32 页（印刷页 29/51） · 三、单元测试）：\n"
        "DAO 层：数据访问层，与底层 MySQL、Oracle 等进行数据交互 [1]。"
    )
    result = ground(answer, passages, REFUSAL, question=question)
    assert result.text == "DAO 层：数据访问层，与底层 MySQL、Oracle 等进行数据交互 [1]。"
    assert [r.reason for r in result.removed] == ["only points at its source"]


def test_a_command_with_its_subcommand_in_chinese_text_must_be_in_the_passage() -> None:
    # holdout64, near-domain: the passage restarts another service after another edit; the
    # question's "systemctl edit" is what the answer is about, and no passage names it.
    passages = [
        passage(
            "完成修改 usr-security.conf 文件后，请运行如下命令使新添加的配置生效。\n"
            "systemctl restart openEuler-security.service",
            page=33,
        )
    ]
    question = "用 systemctl edit 修改服务单元的配置之后，还要先执行什么才能让改动生效？"
    answer = (
        "用 systemctl edit 修改服务单元的配置之后，还要先执行 systemctl restart "
        "openEuler-security.service 使新添加的配置生效 [1]。"
    )
    result = ground(answer, passages, REFUSAL, question=question)
    assert result.refused and "systemctl edit" in result.removed[0].reason
    asked = "修改 usr-security.conf 之后要执行什么命令？"
    said = "执行 systemctl restart openEuler-security.service 使新添加的配置生效 [1]。"
    assert not ground(said, passages, REFUSAL, question=asked).refused


def test_a_sentence_across_languages_moves_to_the_passage_much_closer_in_meaning() -> None:
    passages = [
        passage("识别、跟踪和管理入站开源组件；评估和满足出站分发的许可义务。", page=4),
        passage("OpenChain ISO 5230 定义高质量开源合规计划的关键要求。", page=2),
    ]

    def similarity(sentence: str, text: str) -> float:
        return 0.7 if "出站" in text else 0.4

    answer = "Every participant must meet the license obligations of outbound distribution [2]."
    judge = Judge([True])
    result = ground(
        answer, passages, REFUSAL, judge=judge, similarity=similarity, min_cross_support=0.35
    )
    assert not result.refused and [c.page for c in result.citations] == [4]
    assert judge.seen == [answer.replace("[2]", "[1]")]
    # Not when the other passage is only a little closer, nor for a sentence with a number or
    # name of its own: the passages that hold those decide its citation.
    close = ground(
        answer,
        passages,
        REFUSAL,
        similarity=lambda s, t: 0.5 if "出站" in t else 0.4,
        min_cross_support=0.35,
    )
    assert [c.page for c in close.citations] == [2]
    named = answer.replace("distribution", "distribution under OpenChain ISO 5230")
    held = ground(named, passages, REFUSAL, similarity=similarity, min_cross_support=0.35)
    assert [c.page for c in held.citations] == [2]


def test_a_product_name_with_leading_capitals_is_a_name_its_passage_must_hold() -> None:
    # holdout79: "…when JBoss restarts" names what the Chinese passage names ("每次 Jboss 重启时才
    # 滚动"); checked by that name, it is not measured by meaning (0.27 from the long passage).
    assert key_terms("The files roll over when JBoss restarts; SELinux and IPsec too.") == {
        "JBoss",
        "SELinux",
        "IPsec",
    }
    assert key_terms("Both IDs and URLs are listed.") == set()
    rule = passage("标准日志输出与标准错误输出文件每次 Jboss 重启时才滚动，容易造成文件过大。")
    question = "When do the standard output and standard error files get rolled over?"
    answer = "The standard output and standard error files roll over when JBoss restarts [1]."

    def far(reply: str) -> bool:
        return ground(
            reply,
            [rule],
            REFUSAL,
            question=question,
            similarity=lambda s, t: 0.27,
            min_cross_support=0.35,
        ).refused

    assert not far(answer)
    assert far(answer.replace("JBoss", "Tomcat"))


def test_a_sentence_across_languages_does_not_move_off_the_only_passage_naming_what_it_names() -> (
    None
):
    # holdout79: the flag list names O_TRUNC; the syscall's introduction, nearer to the Chinese
    # sentence as a whole, does not.
    passages = [
        passage(
            "• O_TRUNC (0x08) In write mode, deletes the content of the file as soon as it is"
            " opened.",
            page=17,
        ),
        passage(
            "The SYSCALL 1 expects two parameters: a pathname and the flags of the file.", page=17
        ),
    ]
    question = "在 EduMIPS64 里用 O_TRUNC 标志打开文件时，文件原有的内容会在什么时候被删除？"
    answer = "用 O_TRUNC 标志打开文件时，文件原有的内容会在文件被打开时被删除 [1]。"
    result = ground(
        answer,
        passages,
        REFUSAL,
        question=question,
        similarity=lambda s, t: 0.7 if "pathname" in t else 0.4,
        min_cross_support=0.35,
    )
    assert not result.refused and [c.page for c in result.citations] == [17]


def test_a_sentence_its_passage_cannot_support_moves_to_a_passage_near_enough_in_meaning() -> None:
    # Small models cite a neighbour for the direct answer. A translation far from the passage it
    # cites (0.25) but near enough to another (0.42) moves there, though that one is not much
    # closer; so does an English sentence citing an English list that holds none of its words.
    passages = [
        passage("服务进程需要派生（fork）两次，才能作为守护进程在后台运行。", page=1),
        passage("crond.service loaded active running Command Scheduler", page=2),
        passage("sysvinit 启动所有后台服务之后才允许用户登录。", page=3),
    ]

    def similarity(sentence: str, text: str) -> float:
        return 0.42 if "派生" in text else 0.25

    options = {"similarity": similarity, "min_cross_support": 0.35, "min_word_support": 0.3}
    for answer in (
        "A service program forks twice to run as a daemon in the background [3].",
        "A service program forks twice to run as a daemon in the background [2].",
    ):
        result = ground(answer, passages, REFUSAL, **options)  # type: ignore[arg-type]
        assert not result.refused and [c.page for c in result.citations] == [1]
    # A later sentence is mostly the model's elaboration: it is not moved.
    later = ground(
        "A daemon runs in the background [1]. It forks twice to get there [3].",
        passages,
        REFUSAL,
        **options,  # type: ignore[arg-type]
    )
    assert later.text == "A daemon runs in the background [1]."
    # Near enough to none: still removed.
    far = ground(
        "A service program forks twice to run as a daemon in the background [3].",
        passages,
        REFUSAL,
        similarity=lambda s, t: 0.3,
        min_cross_support=0.35,
    )
    assert far.refused and far.removed[0].reason.startswith("across languages, far")


def test_the_similarity_embeds_each_text_once_per_answer() -> None:
    class Counting:
        name = "counting"

        def __init__(self) -> None:
            self.seen: list[str] = []

        def embed(self, texts: Sequence[str]) -> list[list[float]]:
            self.seen += texts
            return [[1.0, 0.0] if "出站" in t else [0.6, 0.8] for t in texts]

        def count_tokens(self, text: str) -> int:
            return len(text)

    embedder = Counting()
    cosine = Cosine(embedder)
    assert cosine("outbound", "出站分发") == 0.6 and cosine("outbound", "入站") == 1.0
    assert cosine("inbound", "出站分发") == 0.6
    assert embedder.seen == ["outbound", "出站分发", "入站", "inbound"]


def test_a_hyphenated_name_in_a_chinese_sentence_must_be_in_the_cited_passage() -> None:
    passages = [passage("kernel.dmesg_restrict=1 限制普通用户读取内核日志。", page=21)]
    question = "如何限制 systemd-journald 日志最多占用多少磁盘空间？"
    answer = "要限制 systemd-journald 日志占用的磁盘空间，可以使用 kernel.dmesg_restrict 参数 [1]。"
    result = ground(answer, passages, REFUSAL, question=question)
    assert result.refused and "systemd-journald" in result.removed[0].reason
    # The passage that names it answers; in English a hyphenated word is often a plain word.
    named = [replace(passages[0], text="systemd-journald 的日志上限由 SystemMaxUse 设置。")]
    assert not ground(
        "systemd-journald 的日志上限由 SystemMaxUse 设置 [1]。", named, REFUSAL
    ).refused
    english = ground(
        "Hard-coding a year as 365 days is forbidden [1].", PASSAGES, REFUSAL, question="Why?"
    )
    assert "Hard-coding" not in str([r.reason for r in english.removed])


def test_an_answer_that_says_the_manuals_are_silent_is_the_refusal_whatever_came_before() -> None:
    # The small model gives background first, then its real answer: the manuals set nothing.
    # Showing the background alone would answer a question the manuals do not cover.
    result = grounded("HashMap 默认容量 16 [2]。因此，资料中没有明确规定这种情况 [1]。")
    assert result.refused and result.text == REFUSAL
    assert [r.reason for r in result.removed] == [
        "says the manuals do not cover it",
        "follows an unsupported answer",
    ]


def test_a_bare_yes_or_no_stands_or_falls_with_what_follows_it() -> None:
    # "No [1]." has no meaning of its own to compare across languages (its cosine with any
    # passage is near 0: "是的 [1]。" of three right answers of holdout59 was removed so); the
    # sentence after it is what can be checked, and without it the yes or no is not shown.
    def similarity(sentence: str, text: str) -> float:
        return 0.1 if "capacity" not in sentence else 0.9

    options = {"similarity": similarity, "min_cross_support": 0.35}
    result = grounded("No [2]. The default capacity of a HashMap is 16 [2].", **options)
    assert (
        not result.refused and result.text == "No [1]. The default capacity of a HashMap is 16 [1]."
    )
    result = grounded("No [2]. Its size never changes [2].", **options)
    assert result.refused and result.text == REFUSAL
    assert [r.reason for r in result.removed] == [
        "across languages, far in meaning from the cited passage (0.10)",
        "a yes or no with nothing checked after it",
    ]


class ByPassage:
    """A judge that says YES only where the cited passage holds the sentence's telling word."""

    name = "test judge"

    def __init__(self, passages: Sequence[Passage], word: str) -> None:
        self.passages, self.word, self.calls = passages, word, 0

    def judge(self, claims: Sequence[Claim]) -> list[bool]:
        self.calls += 1
        return [all(self.word in self.passages[n - 1].text for n in c.cited) for c in claims]


def test_a_sentence_the_judge_rejects_is_kept_when_the_passage_beside_it_states_it() -> None:
    passages = [
        passage("The NOP instruction does nothing."),
        passage("The NOP instruction is used to create gaps in the source code.", page=24),
    ]
    reply = "NOP is used to create gaps in the source code [1]."
    judge = ByPassage(passages, "gaps")
    result = ground(reply, passages, REFUSAL, question="What is NOP for?", judge=judge)
    assert not result.refused and judge.calls == 2
    assert result.text == "NOP is used to create gaps in the source code [1]."
    assert [c.page for c in result.citations] == [24]


def test_a_rejected_sentence_no_other_passage_could_state_is_not_asked_about_again() -> None:
    passages = [
        passage("年假天数按工龄计算。"),
        passage("HashMap 初始化时指定集合初始值大小，默认 16。", page=16),
    ]
    judge = ByPassage(passages, "审计")
    result = ground("年假天数由部门经理决定 [1]。", passages, REFUSAL, judge=judge)
    assert result.refused and judge.calls == 1


def test_a_rejected_sentence_is_not_asked_about_again_against_a_passage_in_another_language() -> (
    None
):
    # The judge is weakest across languages: "within 18 months" passed against "维持 18 个月"
    # for a question no manual answers.
    passages = [
        passage("The OpenChain specification has a validity period section."),
        passage("宣布符合规范的 OpenChain 计划从遵从生效之日起必须维持 18 个月。", page=7),
    ]
    reply = "A conforming company must keep its programme conforming for a long time [1]."
    judge = ByPassage(passages, "维持")
    result = ground(reply, passages, REFUSAL, question="How many months?", judge=judge)
    assert result.refused and judge.calls == 1


def test_a_sentence_repeating_a_name_the_question_asks_about_moves_to_the_passage_holding_it() -> (
    None
):
    passages = [
        passage("测试和有限分发场景，许可证为宽松的，结果：允许。"),
        passage("测试和有限分发场景，许可证为 SaaS 分发，注意确保合同涵盖使用场景。", page=14),
    ]
    question = "测试和有限分发场景下用了 SaaS 分发类许可证，要注意什么？"
    reply = "SaaS 分发类许可证要注意确保合同涵盖使用场景 [1]。"
    result = ground(reply, passages, REFUSAL, question=question)
    assert not result.refused and [c.page for c in result.citations] == [14]


def test_a_sentence_that_stops_where_its_answer_should_begin_is_not_shown() -> None:
    # The model left the name out: "… is [1]." states nothing.
    passages = [passage("RSAAuthentication | 设置是否允许只有 RSA 安全验证 | yes")]
    reply = "The item that controls RSA authentication is [1]. RSAAuthentication is set to yes [1]."
    result = ground(reply, passages, REFUSAL, question="Which item controls RSA auth?")
    assert result.text == "RSAAuthentication is set to yes [1]."
    assert result.removed[0].reason == "says nothing"
    alone = ground("该字段是 [1]。", passages, REFUSAL, question="哪个字段？")
    assert alone.refused
    assert dangles("其默认值为") and not dangles("课程会教他们如何报告和纠正违规行为")


def test_a_bare_no_to_whether_the_manual_covers_something_is_the_refusal() -> None:
    asked = "加固指南里有没有讲怎么用 firewalld 配置规则？"
    assert grounded("没有 [1]。", question=asked).refused
    english = "Does the hardening guide explain how to encrypt disks with LUKS?"
    assert grounded("No [1].", question=english).refused
    # A yes-or-no question about what the manual allows is answered by its "no".
    assert not grounded("不能 [1]。禁止写死 365 天 [1]。", question="能写死 365 天吗？").refused


def test_a_later_sentence_citing_only_another_manual_is_removed() -> None:
    services = replace(
        passage("CUPS 打印服务在多数服务器上很少被真正使用到。", page=1),
        chunk_id="m1",
        doc="services.md",
        doc_id="d2",
    )
    java = passage("操作系统默认 240 秒后才会关闭处于 time_wait 状态的连接。", page=42)
    more = passage("systemd 可以提供按需启动的能力。", page=2)
    more = replace(more, chunk_id="m2", doc="services.md", doc_id="d2")
    reply = (
        "CUPS 是打印服务，在多数服务器上很少被真正使用到 [1]。"
        "操作系统默认 240 秒后才会关闭 time_wait 连接 [2]。systemd 可以按需启动它 [3]。"
    )
    result = ground(reply, [services, java, more], REFUSAL, question="CUPS 是哪类服务？")
    kept = "CUPS 是打印服务，在多数服务器上很少被真正使用到 [1]。systemd 可以按需启动它 [2]。"
    assert result.text == kept
    assert [r.reason for r in result.removed] == [STRAYS]


@pytest.mark.parametrize(
    ("texts", "question", "reply", "kept"),
    [
        (
            [
                "systemd 的目标是尽可能启动更少的进程，尽可能将更多进程并行启动。",
                "查看当前系统默认的启动目标：systemctl get-default",
            ],
            "为了减少系统启动时间，systemd 的目标有哪几条？",
            "systemd 尽可能将更多进程并行启动 [1] 和 [2]。",
            "systemd 尽可能将更多进程并行启动 [1]。",
        ),
        # holdout70: [2] is the next slide, holding 参考 but not the groups the sentence names.
        (
            [
                "OpenChain社区：区域工作组、汽车工作组、参考工具工作组。",
                "OpenChain ISO 5230合规：参考规范，自我认证。",
            ],
            "OpenChain 社区这页举例的工作组里，除了区域工作组还有哪些？",
            "除了区域工作组，还有汽车工作组和参考工具工作组。依据的资料是资料 [1] 和资料 [2]。",
            "除了区域工作组，还有汽车工作组和参考工具工作组 [1]。",
        ),
        # holdout81: the Chinese sentence names LO and HI of the English page; [2] is a page of
        # the hardening guide, which writes neither as a word ("pam_pwhistory" is no "HI").
        (
            [
                "So in the ALU there are four instructions that use two special registers:"
                " LO and HI.",
                "实现口令复杂度通过 pam_pwquality.so 和 pam_pwhistory.so 模块实现。",
            ],
            "用户问 ALU 指令里有几条会用到两个特殊寄存器，这两个寄存器叫什么？",
            "有四条会用到两个特殊寄存器，分别是 [1] 和 [2] 中提到的 LO 和 HI。",
            "有四条会用到两个特殊寄存器，分别是 [1] 中提到的 LO 和 HI。",
        ),
    ],
    ids=["saying-nothing-of-it", "adding-no-word", "across-languages-naming-nothing"],
)
def test_a_mark_written_beside_another_for_a_passage_adding_nothing_is_dropped(
    texts: list[str], question: str, reply: str, kept: str
) -> None:
    passages = [passage(text, page=n) for n, text in enumerate(texts, 1)]
    result = ground(reply, passages, REFUSAL, question=question)
    assert result.text == kept
    assert [c.page for c in result.citations] == [1]


def test_marks_written_apart_or_on_passages_adding_words_are_kept() -> None:
    passages = [
        passage("Open... Opens a dialog to choose a source file.", page=21),
        passage("Shut down... Shuts down the simulator. Open recent lists recent files.", page=22),
    ]
    # [2] holds "recent", which [1] lacks: each passage holds part of what the sentence says.
    both = "Open opens a dialog to choose a source file, Open recent lists recent ones [1] [2]."
    assert ground(both, passages, REFUSAL).text == both
    # Of two passages holding the same words, neither mark is idle.
    same = [passages[0], passage("Open... Opens a dialog to choose a source file.", page=30)]
    twice = "Open opens a dialog to choose a source file [1] [2]."
    assert ground(twice, same, REFUSAL).text == twice
    # Each mark of a sentence that speaks of both passages stands for its own part.
    apart = "Open opens a dialog [1], and Shut down shuts down the simulator [2]."
    assert ground(apart, passages, REFUSAL).text == apart


def test_a_bare_yes_cites_what_the_sentence_after_it_cites() -> None:
    # The yes is said by the passage of the sentence that explains it, not by the one the small
    # model happened to mark it with.
    result = grounded("是的 [1]。HashMap 默认容量 16 [2]。", question="HashMap 默认容量是 16 吗？")
    assert result.text == "是的 [1]。HashMap 默认容量 16 [1]。"
    assert [c.page for c in result.citations] == [16]


def test_a_sentence_whose_names_two_neighbouring_passages_hold_together_cites_both() -> None:
    # holdout61: the rule names mergeFunction, its example on the next chunk Collectors.toMap;
    # "…without a mergeFunction, Collectors.toMap() throws an IllegalStateException [1]" cited
    # the example and was removed for mergeFunction.
    rule = passage(
        "3.【强制】在使用 toMap() 方法转为 Map 集合时，一定要使用参数名为"
        " mergeFunction 的方法，否则当出现相同 key 时会抛出 IllegalStateException 异常。",
        page=13,
    )
    example = passage(
        "// 抛出 IllegalStateException 异常\nMap<Integer, String> map = Arrays.stream(d)"
        ".collect(Collectors.toMap(String::hashCode, str -> str));",
        page=14,
    )
    reply = "Without a mergeFunction, Collectors.toMap() throws an IllegalStateException [2]."
    question = "What goes wrong with Collectors.toMap() if two elements share a key?"
    result = ground(reply, [rule, example], REFUSAL, question=question)
    assert not result.refused
    assert [c.page for c in result.citations] == [13, 14]
    # Passages of other manuals, or pages apart, are not read together.
    far = replace(example, page=20)
    assert ground(reply, [rule, far], REFUSAL, question=question).refused


def test_the_questions_words_around_a_whole_line_of_the_passage_need_no_judge() -> None:
    # holdout60 and holdout62: the small judge said the slide does not state its own line,
    # given after the question's words.
    slide = replace(
        passage(
            "合规计划监督：\n由具有权威和专业知识的决策机构进行治理\n跟踪和管理开源组件", page=7
        ),
        doc="openchain-iso5230-overview-zh.pptx",
        title="OpenChain ISO 5230",
    )
    question = "OpenChain ISO 5230 的合规计划监督要求由谁来负责治理？"
    answer = "OpenChain ISO 5230 的合规计划监督要求由具有权威和专业知识的决策机构进行治理 [1]。"
    result = ground(answer, [slide], REFUSAL, question=question, judge=Judge([False]))
    assert not result.refused and result.text == answer
    # A word of its own beside the line, or a short line, is left to the judge.
    for said in (
        "合规计划监督要求由具有权威和专业知识的决策机构每年进行治理 [1]。",
        "合规计划监督要求由外部审计师负责，跟踪和管理开源组件 [1]。",
    ):
        assert ground(said, [slide], REFUSAL, question=question, judge=Judge([False])).refused


def test_a_sentence_pointing_back_at_a_removed_one_is_removed_with_it() -> None:
    # The second sentence is removed for its invented figure; "这样" then names nothing shown.
    result = grounded("不能写死 365 天 [1]。默认容量是 64 [2]。这样可以避免频繁扩容 [2]。")
    assert result.text == "不能写死 365 天 [1]。"
    assert [r.reason for r in result.removed][-1] == "points back at a removed sentence"


def test_the_reason_given_for_a_removed_sentence_is_removed_with_it() -> None:
    # holdout80: the lead was removed, and "因为资料 [1] 提到…" was shown alone as the answer.
    result = grounded("不能写死 365 天 [1]。默认容量是 64 [2]。因为资料 [2] 提到要避免扩容 [2]。")
    assert result.text == "不能写死 365 天 [1]。"
    assert [r.reason for r in result.removed][-1] == "points back at a removed sentence"
    # After a kept sentence, the reason stays.
    kept = grounded("HashMap 默认容量 16 [2]。因为资料 [2] 提到 HashMap 默认容量 16 [2]。")
    assert "points back at a removed sentence" not in [r.reason for r in kept.removed]


def test_a_sentence_pointing_back_at_a_kept_one_stays() -> None:
    result = grounded("不能写死 365 天 [1]。这是一条强制规约 [1]。")
    assert not result.refused
    assert "这是一条强制规约" in result.text


def test_where_in_the_manual_written_after_the_marks_is_not_part_of_the_claim() -> None:
    result = grounded("不能写死 365 天。依据的资料是 [1]，第 3.1 节。")
    assert result.text == "不能写死 365 天 [1]。"
    assert not result.removed
