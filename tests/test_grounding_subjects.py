"""Answers to questions near a manual's subject: an introduction that names what no passage
writes, a yes or no that cannot be verified, a Chinese sentence citing an English passage."""

from dataclasses import replace

from test_citations import passage
from test_grounding_wording import grounded

from assistant.topic import unnamed_subject
from assistant.wording import word_share

NAMING = replace(
    passage("【强制】包名统一使用小写，点分隔符之间有且仅有一个自然语义的英语单词。", page=9),
    title="Java 开发手册",
)


def test_an_answer_introducing_a_subject_no_passage_names_is_refused() -> None:
    question = "手册对 Java 记录类的字段命名有什么规约？"
    reply = (
        "手册对 Java 记录类的字段命名有以下规约："
        "包名统一使用小写，点分隔符之间有且仅有一个自然语义的英语单词 [1]。"
    )
    assert unnamed_subject(reply, question, [NAMING]) == "记录类"
    assert grounded(reply, [NAMING], question)[1]


def test_an_introduction_naming_the_passages_own_subject_is_kept() -> None:
    question = "手册对包名有什么规约？"
    reply = (
        "手册对包名有以下规约：包名统一使用小写，点分隔符之间有且仅有一个自然语义的英语单词 [1]。"
    )
    assert unnamed_subject(reply, question, [NAMING]) == ""
    assert grounded(reply, [NAMING], question) == (reply, False)


def test_a_chinese_passage_mostly_of_command_output_still_names_its_subject() -> None:
    # holdout68: the section's prose is Chinese, its bulk the English table systemctl prints.
    listing = passage(
        "如果您需要显示所有的服务（包括未运行的服务），需要添加-all参数，使用命令如下：\n"
        "systemctl list-units --type service --all\n"
        + "atd.service loaded active running Deferred execution scheduler\n"
        * 12,
        page=1,
    )
    other = passage("如果您需要运行某个服务，请在root权限下执行如下命令：systemctl start", page=1)
    question = "显示包括未运行服务在内的所有服务，完整命令是什么？"
    reply = (
        "要显示包括未运行服务在内的所有服务，可以使用命令："
        "systemctl list-units --type service --all [1]"
    )
    assert unnamed_subject(reply, question, [listing, other]) == ""


def test_clauses_repeating_the_users_situation_introduce_no_subject() -> None:
    # holdout69: the model repeats the symptom ("几张表" turned "两张表"), then the claim.
    locks = passage(
        "【强制】对多个资源、数据库表、对象同时加锁时，需要保持一致的加锁顺序，否则可能会造成死锁。",
        page=18,
    )
    question = "两个线程同时更新几张表，偶尔会互相卡死，手册对加锁有什么要求？"
    reply = (
        "两个线程同时更新两张表，偶尔会互相卡死，手册对加锁的要求是："
        "对多个资源、数据库表、对象同时加锁时，需要保持一致的加锁顺序 [1]。"
    )
    assert unnamed_subject(reply, question, [locks]) == ""
    # A clause that sets the topic is what the claim is about, however it repeats the question.
    question = "对于 Java 记录类的字段，手册有什么命名规约？"
    reply = "对于 Java 记录类的字段，手册有以下规约：包名统一使用小写 [1]。"
    assert unnamed_subject(reply, question, [NAMING]) == "记录类"
    # And a clause that is the claim itself is checked, whatever follows it.
    question = "手册对 Java 记录类的字段命名有什么规约？"
    reply = "手册对 Java 记录类的字段命名有规约，具体如下：包名统一使用小写 [1]。"
    assert unnamed_subject(reply, question, [NAMING]) == "记录类"


def test_a_stretch_across_a_conjunction_is_no_subject() -> None:
    # "机器既待机又休眠": the pairs 器既 and 既待 are where words meet, not a word of their own.
    sleep = passage("使系统待机并休眠：systemctl hybrid-sleep", page=1)
    question = "想让机器既待机又休眠，要敲什么命令？"
    reply = "要让机器既待机又休眠，可以敲以下命令：systemctl hybrid-sleep [1]"
    assert unnamed_subject(reply, question, [sleep]) == ""


def test_a_place_and_the_first_character_of_the_next_written_word_are_no_subject() -> None:
    # holdout56: the sheet is 角色, the rows 软件开发人员; "色表里软" is where they meet.
    roles = replace(
        passage("第 9 行：软件开发人员（初级） | 角色描述: 在直接主管的指导下开发软件。", page=3),
        section="1_-_角色",
    )
    question = "角色表里软件开发人员（初级）和（高级）的角色描述有什么不同？"
    reply = "角色表里软件开发人员（初级）的角色描述是：在直接主管的指导下开发软件 [1]。"
    assert unnamed_subject(reply, question, [roles]) == ""
    # A subject of its own before the place is still one.
    reply = "角色表里安全架构师的角色描述是：在直接主管的指导下开发软件 [1]。"
    assert "安全架构师" in unnamed_subject(reply, "角色表里安全架构师的角色描述是什么？", [roles])


def test_words_for_the_material_pointing_back_or_asking_for_items_are_no_subject() -> None:
    # holdout57 and holdout60: "模板列出了…响应办法：" and "模板里这门课的描述是：" introduce
    # the template's own list and the course the question quotes.
    response = passage(
        "如果不合规问题被发现，开源合规主管应根据【附录4：事件响应标准】确定合适的响应。"
        "第 3 行：在确定开源违规事件的潜在严重性时要考虑的因素 第 15 行：事件响应标准 "
        "第 16 行：更新和发布不合规开源声明 第 17 行：选择等效且合规的组件 "
        "第 20 行：寻求可替代许可证以使代码合规",
        page=6,
    )
    question = "发现开源违规事件后，模板列出了哪些让代码合规的响应办法？"
    reply = (
        "发现开源违规事件后，模板列出了以下让代码合规的响应办法：1. 更新和发布不合规开源声明 [1]。"
    )
    assert unnamed_subject(reply, question, [response]) == ""
    course = passage("第 6 行：开源许可证简介 | 介绍与软件有关的版权、专利和其他知识产权。", page=7)
    question = "我们培训表里 `开源许可证简介` 那一格写的是“介绍 GPL”，模板里这门课的描述是什么？"
    reply = "模板里这门课的描述是：介绍与软件有关的版权、专利和其他知识产权 [1]。"
    assert unnamed_subject(reply, question, [course]) == ""
    # A subject of its own is still one.
    question = "模板里区块链课程的描述是什么？"
    reply = "模板里区块链课程的描述是：介绍与软件有关的版权、专利和其他知识产权 [1]。"
    assert "区块链" in unnamed_subject(reply, question, [course])


def test_across_languages_an_introduction_is_not_checked_by_its_words() -> None:
    manual = passage("The ALU is a part of the execution unit of the CPU.", page=12)
    reply = "手册里说 ALU 属于 CPU 的执行单元：它负责运算 [1]。"
    assert unnamed_subject(reply, "手册里说 ALU 属于 CPU 的哪个部分？", [manual]) == ""


def test_a_chinese_sentence_citing_an_english_passage_is_not_compared_by_its_words() -> None:
    # Chinese prose with Latin names: its Chinese words cannot be in an English passage.
    sentence = "EduMIPS64 0.4 手册里说 ALU 属于 CPU 的执行单元"
    assert word_share(sentence, "The ALU is a part of the execution unit of the CPU.") is None


def test_a_yes_or_no_answer_whose_reply_is_removed_is_the_refusal() -> None:
    manual = passage(
        "EduMIPS64 can be executed in both ways, as a stand-alone application or as an applet."
        " Both methods need the Java Runtime Environment, version 5 or later.",
        page=3,
    )
    question = "Can I run EduMIPS64 programs on a Raspberry Pi Pico board?"
    reply = (
        "Yes, you can run EduMIPS64 programs on a Raspberry Pi Pico board with its own"
        " firmware [1]. Both methods need the Java Runtime Environment, version 5 or later [1]."
    )
    assert grounded(reply, [manual], question)[1]
    # A reply the passage holds stands, and what follows it too.
    supported = (
        "Yes, EduMIPS64 can be executed as a stand-alone application [1]. Both methods need the"
        " Java Runtime Environment, version 5 or later [1]."
    )
    assert grounded(supported, [manual], "Can EduMIPS64 run as a stand-alone application?") == (
        supported,
        False,
    )


def test_words_for_the_manual_itself_or_for_counting_are_no_subject() -> None:
    # "文档说…" and "…一共有几位": the question's way of asking, which no passage need write.
    codes = passage("错误码为字符串类型，共 5 位，分成两个部分：错误产生来源+四位数字编号。", 27)
    question = "文档说错误码一共有几位？"
    reply = "文档说错误码一共有 5 位：错误产生来源+四位数字编号 [1]。"
    assert unnamed_subject(reply, question, [codes]) == ""
    # The rule still reads the rest of the question: a subject of its own is found.
    other = "文档说数据库连接池一共有几种？"
    assert unnamed_subject("文档说数据库连接池一共有以下几种：…", other, [codes]) == "数据库连接池"


def test_a_stretch_across_a_space_the_user_typed_is_no_subject() -> None:
    # holdout71, a terse query: 修改 and 命令 are two of its words, "修改命" where they meet.
    target = passage(
        "如果要改变默认目标，请执行如下命令：systemctl set-default name.target", page=1
    )
    question = "默认 target 修改 命令"
    reply = "默认 target 修改 命令：systemctl set-default name.target [1]"
    assert unnamed_subject(reply, question, [target]) == ""
    # Written together, the same stretch is still read as the subject it may be.
    assert unnamed_subject("默认target修改命令：x [1]", "默认target修改命令", [target]) == "修改命"


def test_words_asking_how_a_thing_is_written_are_no_subject() -> None:
    # holdout78: "…命令格式是：" and "一行应该写：" introduce the manual's own command and line.
    target = passage("改变当前系统的目标，在root权限下执行如下命令： systemctl isolate name.target")
    question = "管理服务文档中，改变当前系统目标的 systemctl 命令格式是什么？"
    reply = "改变当前系统目标的 systemctl 命令格式是：systemctl isolate name.target [1]。"
    assert unnamed_subject(reply, question, [target]) == ""
    sysctl = passage("实现步骤 1 将表中的加固项写入/etc/sysctl.conf 文件中 net.ipv4.ip_forward = 0")
    question = "往 /etc/sysctl.conf 里写内核参数加固项时，一行应该怎么写？"
    reply = "往 /etc/sysctl.conf 里写内核参数加固项时，一行应该写：net.ipv4.ip_forward = 0 [1]。"
    assert unnamed_subject(reply, question, [sysctl]) == ""
    # A subject of its own is still one.
    question = "改变当前系统目标时，区块链命令的格式是什么？"
    reply = "区块链命令的格式是：systemctl isolate name.target [1]。"
    assert "区块链" in unnamed_subject(reply, question, [target])
