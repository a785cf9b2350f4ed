"""Grounding rules that removed right answers: a command copied from a Chinese passage, a number
followed by a joining word, a hyphenated name cited to the neighbour, a source named with the
header it was given under, a name in the section heading, a Chinese sentence full of Latin
names."""

from dataclasses import replace

from test_citations import REFUSAL, passage

from assistant.citations import check_citations, key_terms
from assistant.claims import claims_of
from assistant.dates import in_a_held_date
from assistant.grounding import ground
from assistant.retrieval import Passage
from assistant.spelled import counted_in_words
from assistant.wording import added_terms, copied, term_held, word_share
from pagewise.keywords import written_in_chinese

STICKY = passage(
    "需要为全局可写目录添加粘滞位属性。步骤 2 为全局可写目录添加粘滞位属性。dirname 为实际查找到的"
    "目录名。\nchmod +t dirname ----结束",
    page=18,
)
SIMULATOR = passage(
    "The address on the left side of each row of the table refers to the right-most memory cell.",
    page=9,
)


def grounded(reply: str, passages: list[Passage], question: str) -> tuple[str, bool]:
    checked = check_citations(reply, passages, REFUSAL, question=question)
    result = ground(checked.text, passages, REFUSAL, question=question, min_word_support=0.3)
    return result.text, result.refused


def test_a_command_copied_from_a_chinese_passage_is_compared_by_its_words() -> None:
    assert copied("chmod +t dirname ----结束", STICKY.text)
    assert word_share("chmod +t dirname ----结束", STICKY.text) == 1.0
    # English prose is still not compared with a Chinese passage by its words.
    assert word_share("Add the sticky bit to every directory", STICKY.text) is None


def test_a_copied_command_cited_to_the_wrong_passage_moves_to_the_one_that_holds_it() -> None:
    text, refused = grounded(
        "具体命令是：\nchmod +t dirname ----结束 [2]。",
        [STICKY, SIMULATOR],
        "给系统中所有全局可写的目录加上粘滞位，具体用哪条命令？",
    )
    assert not refused and text == "chmod +t dirname ----结束 [1]。"


def test_a_bare_reply_is_not_the_passages_wording_however_short() -> None:
    assert not copied("No", "PermitRootLogin | no | 是")
    assert not copied("2", "第 2 行：2 | 步骤")


def test_a_joining_word_after_a_number_is_not_its_unit() -> None:
    assert key_terms("把默认 umask 加固成 077 后，目录权限为 700 [1]。") >= {"077", "700"}
    assert "077 后" not in key_terms("把默认 umask 加固成 077 后，目录权限为 700 [1]。")
    # Real units are still checked with the number.
    assert key_terms("口令保留 90 天，失败 3 次锁定") >= {"90 天", "3 次"}
    # A word that only starts after a number is not its unit either: "SYSCALL 0 指令",
    # "1 表示删除" hold the numbers 0 and 1, which the passage writes without "指" or "表".
    assert key_terms("HALT 是 SYSCALL 0 指令的别名，1 表示删除") == {"HALT", "SYSCALL", "0", "1"}
    umask = passage(
        "设置所有用户的默认 umask 值为077，使用户创建文件的默认权限为 600、目录权限为 700。"
    )
    text, refused = grounded(
        "把默认 umask 加固成 077 后，用户新建的目录默认权限为 700 [1]。",
        [umask],
        "把默认 umask 加固成 077 以后，用户新建的目录默认权限是什么？",
    )
    assert not refused and "700 [1]" in text


def test_a_hyphenated_name_cited_to_the_neighbour_moves_to_the_passage_holding_it() -> None:
    listing = passage("chkconfig --list | systemctl list-unit-files --type=service | 输出启用情况")
    other = passage("service network status | systemctl status network.service", page=14)
    text, refused = grounded(
        "应该用 systemctl list-unit-files --type=service 命令 [2]。",
        [listing, other],
        "以前用 chkconfig --list 查看服务启用情况，换成 systemd 应该用什么命令？",
    )
    assert not refused and text == "应该用 systemctl list-unit-files --type=service 命令 [1]。"


def test_a_source_named_with_its_header_is_cited_and_its_header_is_not_a_claim() -> None:
    claims = claims_of(
        "资料 [2]（《安全加固指南》第 21 页 · 2.3.1 加固内核参数）中提到，加固项"
        " `net.ipv4.tcp_max_syn_backlog` 是队列长度的参数。"
    )
    assert [(c.text, c.cited) for c in claims] == [
        ("加固项 `net.ipv4.tcp_max_syn_backlog` 是队列长度的参数 [2]。", (2,))
    ]
    # Not a source when the word only stands inside a sentence ("因为资料 [2] 中…" keeps it).
    inside = claims_of("这是因为资料 [2] 中明确指出，目录权限为 700。")
    assert inside[0].text.startswith("这是因为资料 [2]")


def test_a_name_in_the_cited_passages_section_heading_is_the_passages_own() -> None:
    rows = (
        "加固项 | 加固项说明 | 加固建议\n"
        "IgnoreRhosts | 设置是否使用 rhosts 和 shosts 文件验证 | yes"
    )
    question = "SSH 服务端加固项里，决定是否使用 rhosts 和 shosts 文件做验证的是哪一项？"
    reply = "SSH 服务端决定是否用 rhosts 和 shosts 文件验证的是 IgnoreRhosts [1]。"
    text, refused = grounded(reply, [passage(rows, section="2.1.1 加固 SSH 服务")], question)
    assert not refused and "IgnoreRhosts [1]" in text
    # Under a heading that does not name it, "SSH" is still a name the passage lacks.
    assert grounded(reply, [passage(rows, section="2.1.2 加固内核参数")], question)[1]


def test_a_chinese_sentence_full_of_latin_names_is_compared_as_chinese() -> None:
    sentence = "文档拿 avahi.service 举例，这个 unit 封装的是守护进程 Avahi"
    assert written_in_chinese(sentence)
    assert not written_in_chinese("The unit avahi.service wraps the Avahi daemon")
    unit = (
        "unit是由一个与配置文件对应的名字和类型组成的（例如：avahi.service unit有一个具有相同"
        "名字的配置文件，是守护进程Avahi的一个封装单元）。"
    )
    # Compared by its words with the Chinese passage, not by meaning across languages.
    assert word_share(sentence, unit) is not None


def test_a_count_the_passage_spells_out_is_held() -> None:
    assert term_held("6 个", "The main window has six menus: File, Execute, Config")
    assert term_held("6 个", "主窗口有六个菜单") and term_held("2 个", "有两个菜单")
    # Another count, or a bare figure, still needs the passage's own value.
    assert not term_held("7 个", "The main window has six menus")
    assert not term_held("6", "The main window has six menus")
    assert not term_held("6 个", "主窗口有五个菜单")


def test_a_name_broken_at_a_line_end_by_the_typesetter_is_held() -> None:
    # EduMIPS64 0.5.3, p. 24, as pypdf reads it: the option's name runs over a line break.
    page = "If the “Mask syn- chronous exceptions” option is checked, the simulator will ignore"
    assert term_held("Mask synchronous exceptions", page)
    assert term_held("Mask syn-chronous exceptions", page)
    # A hyphen inside a name is not a line break, and another name is still missing.
    assert not term_held("Mask asynchronous exceptions", page)
    assert not term_held("signextending", "the sign-extending load")


def test_a_number_with_a_chinese_unit_is_held_by_an_english_passage_writing_the_unit() -> None:
    # "每一行代表 64 位" translates "each row is 64 bits wide": the unit cannot be written in
    # Chinese there.
    assert term_held("64 位", "In the memory table each row is 64 bits wide")
    assert term_held("64 位", "SLT compares two 64-bit registers")
    # Another figure, a unit the passage does not give it, or a Chinese passage without it.
    assert not term_held("32 位", "each row is 64 bits wide")
    assert not term_held("64 天", "each row is 64 bits wide")
    assert not term_held("64 位", "每一行是 64 比特")


def test_a_chinese_sentence_full_of_names_still_moves_from_a_code_passage_to_its_own() -> None:
    rule = passage(
        "5.【强制】ArrayList 的 subList 结果不可强转成 ArrayList，否则会抛出 ClassCastException"
        " 异常：\njava.util.RandomAccessSubList cannot be cast to java.util.ArrayList。",
        page=14,
    )
    code = passage(
        "反例：\nList<String> generics = null;\nList notGenerics = new ArrayList(10);\n"
        "notGenerics.add(new Object());\ngenerics = notGenerics;\n"
        "// 此处抛出 ClassCastException 异常String string = generics.get(0);",
        page=15,
    )
    text, refused = grounded(
        "ArrayList 的 subList 结果不可强转成 ArrayList，否则会抛出 ClassCastException 异常 [2]。",
        [rule, code],
        "ArrayList 的 subList 有什么要注意的？",
    )
    assert not refused and text.endswith("ClassCastException 异常 [1]。")


def test_a_quote_or_option_written_plainly_is_held_by_its_typeset_form() -> None:
    settings = passage("It’s pretty useless, bu t it’s cute.\n• -h (–help) shows the help", 31)
    quoted = 'The authors call it "pretty useless, but it\'s cute." [1]'
    assert grounded(quoted, [settings], "How do the authors judge it?") == (quoted, False)
    assert term_held("--help", settings.text)
    assert not term_held("--version", settings.text)


def test_a_count_of_ten_or_more_with_the_measure_word_ge_is_held_by_the_bare_number() -> None:
    text = "四位数字编号从 0001 到 9999，大类之间的步长间距预留 100，参考文末附表 3。"
    assert term_held("100 个", text)
    assert not term_held("200 个", text)
    assert not term_held("3 个", text)  # a small bare number is on every page


def test_a_short_answer_joining_the_questions_words_anew_is_not_a_repetition() -> None:
    rescue = passage("改变当前系统为救援模式，在root权限下执行如下命令：\nsystemctl rescue", 1)
    asked = "Which systemctl command switches a running openEuler system into rescue mode?"
    assert grounded("systemctl rescue [1]", [rescue], asked) == ("systemctl rescue [1]", False)
    echoed = "Which entry does the Tools menu have?"
    assert grounded("The Tools menu [1].", [rescue], echoed)[1]


def test_a_name_joined_from_the_questions_words_answers_it() -> None:
    row = passage("名字: Apache License 2.0 | SPDX 标识符: Apache-2.0 | 类型: permissive", 4)
    asked = (
        "Which SPDX identifier does the sample licence classification give the Apache License 2.0?"
    )
    answer = "The SPDX identifier for the Apache License 2.0 is Apache-2.0 [1]."
    assert grounded(answer, [row], asked) == (answer, False)
    echoed = (
        "The sample licence classification does give the Apache License 2.0 an SPDX identifier [1]."
    )
    assert grounded(echoed, [row], asked) == (REFUSAL, True)


def test_a_suffix_led_by_a_dot_is_a_name_that_answers_and_must_be_held() -> None:
    units = passage("| 交换分区 | .swap | 用于标识swap设备。 |", 1)
    asked = "Which unit file suffix does systemd use for swap devices or swap files?"
    answer = "The unit file suffix for swap devices or swap files is .swap [1]."
    assert grounded(answer, [units], asked) == (answer, False)
    invented = "The unit file suffix for swap devices or swap files is .swapfile [1]."
    assert grounded(invented, [units], asked) == (REFUSAL, True)


def test_a_figure_of_the_question_is_its_own_whatever_word_follows_it() -> None:
    close = replace(
        passage("If the operation is successful, SYSCALL 2 will return 0, otherwise -1.", 23),
        doc="edumips64-manual-2007-en.pdf",
        title="EduMIPS64 User Manual",
    )
    asked = "EduMIPS64 0.4 里，SYSCALL 2 成功关闭文件后返回什么值？"
    answer = "EduMIPS64 0.4 中，SYSCALL 2 成功关闭文件后返回 0 [1]。"
    assert grounded(answer, [close], asked) == (answer, False)
    invented = "EduMIPS64 0.5 中，SYSCALL 2 成功关闭文件后返回 0 [1]。"
    assert grounded(invented, [close], asked) == (REFUSAL, True)


def test_an_annotation_is_a_name_its_passage_must_hold() -> None:
    assert "@Override" in key_terms("The manual makes the @Override annotation mandatory [1].")
    assert key_terms("Write to ops@example.com [1].") == {"example.com"}


def test_words_of_polarity_are_left_to_the_judge_not_counted_as_missing_wording() -> None:
    # The manual says "禁止"; the answer to "能不能" says "不能": the words it adds are the
    # question's own, so wording cannot decide it.
    rule = "【强制】POJO 类禁止命名成 xxxPOJO。"
    question = "领域模型命名规约里，POJO 类能不能命名成 xxxPOJO？"
    assert word_share("不能命名成 xxxPOJO。", rule, question) is None
    # Words of its own that the passage lacks still count.
    assert word_share("不能命名成 xxxPOJO，要用驼峰风格。", rule, question) == 0.0
    # holdout77: "不推荐给方法加上 public 修饰符" to "推荐…加上 public 修饰符吗？" was removed for
    # 不推 (0.00), though the rule reads "不要加任何修饰符号（public 也不要加）".
    rule = (
        "16.【推荐】接口类中的方法和属性不要加任何修饰符号（public 也不要加），保持代码的简洁性。"
    )
    question = "在接口类里定义方法时，推荐给方法加上 public 修饰符吗？"
    assert word_share("不推荐给方法加上 public 修饰符。", rule, question) is None


def test_a_pair_where_two_of_the_questions_words_meet_is_not_added_wording() -> None:
    # "长度等于" yields the pair 度等, which the question ("长度，…等于") never wrote as a pair.
    rule = (
        "【强制】使用 toArray 带参方法，数组空间大小的 length 等于 0，动态创建与 size 相同的数组，"
        "性能最好。"
    )
    question = "toArray 传入的数组长度，手册说等于 0 性能最好，还是等于 size 性能最好？"
    assert word_share("toArray 传入的数组长度等于 0 性能最好。", rule, question) is None
    reply = "toArray 传入的数组长度等于 0 性能最好 [1]。"
    assert grounded(reply, [passage(rule, page=15)], question) == (reply, False)
    # A pair with a character of its own is still the sentence's own word.
    assert word_share("数组长度等于 0 时性能更差。", rule, question) == 0.0
    # A pair with a negation is the sentence's own, though the question has both characters.
    asked = "执行 systemctl poweroff 时是否一定会向所有登录用户发送提示消息？如何不发送？"
    assert "不会" in added_terms("执行 systemctl poweroff 时不会发送提示消息", asked)


def test_pairs_of_joining_characters_are_not_added_wording() -> None:
    # holdout61: "来源可接受性分数低于 3，…，结果都会被禁止 [2]" was removed for 果都, 都会 and 会被
    # (0.00), though its row reads "来源可接受性: <3 | … | 结果: 禁止".
    question = "来源可接受性分数如果低于 3，不管是什么使用场景，结果会怎样？"
    row = "第 56 行：使用场景: 任意场景 | 来源可接受性: <3 | 许可证: 均可 | 修改: 均可 | 结果: 禁止"
    said = "来源可接受性分数低于 3，不管是什么使用场景，结果都会被禁止"
    assert added_terms(said, question) == set()
    assert word_share(said, row, question) is None
    # A word of its own beside a joining character still counts.
    assert "上报" in added_terms("结果都会被上报", question)


def test_an_english_yes_or_no_is_left_to_the_judge_not_counted_as_missing_wording() -> None:
    # "Yes" is in no passage: counted as a word the sentence adds, it removed right answers.
    rule = "To embed EduMIPS64 in a web page, the <applet> tag must be used."
    question = "Must the <applet> tag be used when embedding EduMIPS64 in a web page?"
    assert added_terms("Yes, the <applet> tag must be used.", question) == set()
    assert added_terms("No, it isn't, it is not.", "Is it?") == set()
    # Words of its own that the passage lacks still count.
    assert word_share("Yes, an iframe works too.", rule, question) == 0.0


def test_a_command_template_filled_in_with_the_users_own_value_is_the_manuals() -> None:
    # holdout60: the guide writes "systemctl set-default name.target"; "…uses `systemctl
    # set-default multi-user.target`" for a kickstart linking multi-user.target was removed.
    target = passage("改变默认目标\n使用 systemctl set-default name.target 命令。", page=1)
    question = (
        "Our kickstart runs `ln -sf /usr/lib/systemd/system/multi-user.target "
        "/etc/systemd/system/default.target`. Which command changes the default target?"
    )
    answer = "The guide changes it with `systemctl set-default multi-user.target` [1]."
    assert grounded(answer, [target], question) == (answer, False)
    # A value the question does not give, or another command, is still the answer's own.
    for invented in ("set-default graphical.target", "isolate multi-user.target"):
        assert grounded(f"Use `systemctl {invented}` [1].", [target], question)[1]


def test_a_class_member_written_with_a_dot_is_held_where_the_manual_writes_it_in_words() -> None:
    # holdout61: "`ArrayList.subList()` returns a view…" was removed for ArrayList.subList, of a
    # rule written "ArrayList 的 subList 结果不可强转成 ArrayList".
    assert term_held("ArrayList.subList", "5.【强制】ArrayList 的 subList 结果不可强转成 ArrayList")
    assert term_held("Collectors.toMap()", "在使用 java.util.stream.Collectors类的 toMap() 方法")
    # A member the passage does not write beside its class, or a file name, is not.
    assert not term_held("String.strip", "String 类的 trim 方法")
    assert not term_held("ArrayList.subList", "ArrayList 扩容。subList 是视图")
    assert not term_held("eduMIPS64.jar", "Download the eduMIPS64 jar file")


def test_a_sentence_on_two_passages_holding_few_of_its_words_moves_to_the_one_that_does() -> None:
    # holdout75: the reply copies slide 5 and cites the two slides after it.
    slide = passage(
        "上游合规性工作被保留，可供下游接收者使用和重复使用"
        " 下游接收者在较低的努力起点开始合规性工作",
        page=5,
    )
    aims = passage("备注：OpenChain项目旨在帮助改进合规流程并在整个供应链中建立信任。", page=1)
    vision = passage("我们的愿景是可信任的开源与一致合规性信息一起交付的供应链。", page=2)
    question = "在 OpenChain ISO 5230 供应链中，下游接收者的合规性工作和以往相比有什么不同？"
    text, refused = grounded(
        "下游接收者在较低的努力起点开始合规性工作 [2][3]。", [slide, aims, vision], question
    )
    assert not refused and text == "下游接收者在较低的努力起点开始合规性工作 [1]。"
    # A sentence about each of its passages finds its words there, and keeps both marks.
    text, refused = grounded(
        "OpenChain 项目旨在改进合规流程，愿景是可信任的开源供应链 [2][3]。",
        [slide, aims, vision],
        "OpenChain 项目的目标和愿景是什么？",
    )
    assert not refused
    assert text == "OpenChain 项目旨在改进合规流程，愿景是可信任的开源供应链 [1][2]。"


def test_a_date_written_another_way_is_the_same_date() -> None:
    # holdout79: the version table writes "2016.12.07"; the answer writes the Chinese form.
    history = passage("版本号 | 发布日期 | 备注 -- | 2016.12.07 | 试读版本首次对外发布", page=45)
    cover = passage("Java开发手册区", page=1)
    question = "《Java 开发手册》的试读版本是什么时候首次对外发布的？"
    reply = "《Java 开发手册》的试读版本是在2016年12月07日首次对外发布的 [1]。"
    text, refused = grounded(reply, [cover, history], question)
    assert not refused and text == reply
    assert in_a_held_date("15", "It was released on March 15, 2007.", "Version 1, 15 March 2007")
    # Another day is still a figure the passage lacks, in any form.
    assert grounded(reply.replace("07日", "08日"), [cover, history], question)[1]
    assert not in_a_held_date("15", "It was released on March 15, 2007.", "16 March 2007")


def test_a_bare_count_is_held_where_the_passage_spells_it_out_counting_the_same_thing() -> None:
    # holdout76: "Four of those instructions make use of two special registers LO and HI".
    alu = passage(
        "ALU Instructions can be divided in two groups: R-Type and I-Type. Four of those"
        " instructions make use of two special registers LO and HI.",
        page=11,
    )
    question = "How many of the ALU instructions use the special registers LO and HI?"
    reply = "There are 4 R-Type ALU instructions that use the special registers LO and HI [1]."
    text, refused = grounded(reply, [alu], question)
    assert not refused and text == reply
    # Another count, or the same count of something else, is still a figure the passage lacks.
    assert grounded(reply.replace("4", "3"), [alu], question)[1]
    assert not counted_in_words("4", "It takes 4 cycles.", alu.text)
    assert not counted_in_words("4", "有 4 条指令。", alu.text)
