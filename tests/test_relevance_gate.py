from dataclasses import replace

from test_citations import passage

from assistant.guards import RelevanceGate, question_names

SSH_TABLE = passage(
    "PermitRootLogin 禁止 root 用户直接 SSH 登录 no。PasswordAuthentication 口令认证 yes。",
    page=10,
    section="2.1.1 加固 SSH 服务",
)


def test_a_question_naming_a_setting_no_passage_mentions_is_not_covered() -> None:
    gate = RelevanceGate()
    assert gate.relevant("SSH 服务端加固表里，PrintMotd 建议设成 yes 还是 no？", [SSH_TABLE]) == []
    # The same question about a setting the passage writes is answered from it.
    asked = "SSH 服务端加固表里，PermitRootLogin 建议设成 yes 还是 no？"
    assert gate.relevant(asked, [SSH_TABLE]) == [SSH_TABLE]


def test_a_name_in_the_title_file_name_or_heading_counts_as_mentioned() -> None:
    manual = replace(SSH_TABLE, doc="edumips64-manual.pdf", title="EduMIPS64 Documentation")
    gate = RelevanceGate()
    assert gate.relevant("What does EduMIPS64 0.4 do at start-up?", [manual]) == [manual]
    # A manual that never names EduMIPS64 does not answer a question about it.
    assert gate.relevant("EduMIPS64 0.4 的 PermitRootLogin 是什么？", [SSH_TABLE]) == []


def test_sizes_and_plain_words_are_not_names() -> None:
    assert question_names("Which directive declares a 32-bit word in an EduMIPS64 program?") == [
        "EduMIPS64"
    ]
    assert question_names("Can I set a watchpoint on a memory cell?") == []
    # A number joined to a plain word is a quantity, not a name: the manual writes "0-11".
    asked = "What range do Calendar month values use, 0-based or 1-based?"
    assert question_names(asked) == []
    assert question_names("Is AGPL-3.0 or SHA-256 allowed?") == ["AGPL-3.0", "SHA-256"]
    assert question_names("内核参数 kernel.kptr_restrict 和 application.yml 呢？") == [
        "kernel.kptr_restrict",
        "application.yml",
    ]


def test_a_name_split_by_pdf_extraction_or_written_without_its_hyphen_is_mentioned() -> None:
    split = replace(SSH_TABLE, text="Permit RootLogin no. MACs hmac-sha2-512 (SHA2).")
    gate = RelevanceGate()
    assert gate.relevant("PermitRootLogin 建议设成什么？", [split]) == [split]
    assert gate.relevant("Which SHA-2 MACs does the guide keep?", [split]) == [split]


def test_any_latin_word_of_a_chinese_question_is_a_name_but_yes_and_no() -> None:
    java = passage("【强制】线程资源必须通过线程池提供，不允许在应用中自行显式创建线程。", page=12)
    gate = RelevanceGate()
    assert gate.relevant("手册对使用 Netty 编写网络服务有哪些规约？", [java]) == []
    assert question_names("SSH 服务端加固表里，PrintMotd 建议设成 yes 还是 no？") == [
        "SSH",
        "PrintMotd",
    ]


def test_a_long_name_broken_across_a_table_cell_is_mentioned() -> None:
    # A scanned table: the name's column is too narrow, its end comes after the next cells.
    cells = replace(SSH_TABLE, text="RSAAuthent 设置是否允许只有RSA 安全验证 yes 是ication")
    gate = RelevanceGate()
    assert gate.relevant("SSH 服务端加固表里，RSAAuthentication 设置的是什么？", [cells]) == [cells]
    # Eight characters of a short name prove nothing: AllowTcpForwarding is not AllowUsers.
    allow = replace(SSH_TABLE, text="AllowTcpForwarding 禁止 TCP 转发 no。")
    assert gate.relevant("SSH 服务端加固表里，AllowUsers 怎么设？", [allow]) == []
    # Nor does the head of a long name that another long name shares (holdout80).
    alive = replace(SSH_TABLE, text="/etc/ssh/sshd_config: ClientAliveInterval | 超时时间 | 300")
    assert gate.relevant("sshd_config 里面 ClientAliveCountMax 是做什么用的？", [alive]) == []


def test_an_address_in_a_question_is_not_a_name() -> None:
    assert question_names("密码多久更换一次？[见](http://evil.example)") == []


def test_a_dotted_name_a_passage_writes_in_its_parts_is_mentioned() -> None:
    # A Chinese manual names the method String.split as "String 的 split 方法".
    rule = passage(
        "使用索引访问用 String 的 split 方法得到的数组时，需做最后一个分隔符后有无内容的检查"
    )
    gate = RelevanceGate()
    asked = (
        "Which exception does indexing the array from String.split risk, according to the manual?"
    )
    assert gate.relevant(asked, [rule]) == [rule]
    # A method the passage never names, though its class is there, is not covered.
    assert gate.relevant("What does the manual say about String.strip?", [rule]) == []


def test_a_passage_below_the_similarity_gate_that_holds_the_questions_terms_is_used() -> None:
    # A row of the workbook's roles sheet: its vector lies far from any question about it.
    row = replace(
        passage("发布工程师（RelEng）：确保在计划下开发的软件打包发布。", section="1_-_角色"),
        score=0.21,
    )
    gate = RelevanceGate()
    assert gate.relevant("角色表里的发布工程师（RelEng）负责什么？", [row]) == [row]
    # A question that shares few of its terms with it is not answered from it ...
    assert gate.relevant("角色表里的法务顾问负责审批哪些合同？", [row]) == []
    # ... nor by its terms is one in another language, though the passage holds its one term:
    # across languages the terms a passage shares say little ...
    assert not gate.matches("What is a release engineer's job?", row)
    assert not gate.matches("What is the job of an engineer (RelEng)?", row)
    # ... but a name is no word of either language: the row that writes it is kept.
    assert gate.relevant("What does RelEng do?", [row]) == [row]
    # Set to 1, only a passage holding every term of the question is kept below the gate.
    strict = RelevanceGate(min_term_match=1.0)
    assert not strict.matches("角色表里的发布工程师（RelEng）负责什么？", row)


def test_a_condition_the_question_opens_with_is_no_term_the_passage_must_hold() -> None:
    # holdout61: a slide that answers "如果上游的合规工作能被保留并重复使用，对下游接收者有什么
    # 影响？" embeds at 0.19, and held 0.57 of its terms while 如果 counted as one.
    slide = replace(
        passage(
            "上游合规性工作被保留，可供下游接收者使用和重复使用\n"
            "下游接收者在较低的努力起点开始合规性工作",
            section="",
        ),
        score=0.19,
    )
    asked = "如果上游的合规工作能被保留并重复使用，对下游接收者有什么影响？"
    assert RelevanceGate().relevant(asked, [slide]) == [slide]


def test_an_english_question_naming_a_kept_word_no_passage_writes_is_not_covered() -> None:
    java = passage("【强制】POJO 类中的任何布尔类型的变量，都不要加 is 前缀。", page=12)
    java = replace(java, doc="java-manual.pdf", title="Java 开发手册")
    gate = RelevanceGate()
    asked = "What does the Java manual say about building native images with Quarkus?"
    # The translation keeps "Quarkus" as it is: a name with no other spelling, never written.
    assert gate.relevant(asked, [java], "Java 手册对使用 Quarkus 构建原生镜像有什么说法？") == []
    # "Java" is kept too, and written in the title; without a translation nothing is checked.
    assert question_names(asked, "Java 手册对使用 Quarkus 构建原生镜像有什么说法？") == [
        "Java",
        "Quarkus",
    ]
    assert gate.relevant(asked, [java]) == [java]


def test_a_plural_name_whose_singular_a_passage_writes_is_mentioned() -> None:
    # holdout69: "TimerTasks" of a manual that writes TimerTask.
    timer = passage(
        "【强制】多线程并行处理定时任务时，Timer 运行多个 TimerTask 时，只要其中之一没有"
        "捕获抛出的异常，其它任务便会自动终止运行，使用 ScheduledExecutorService 则没有这个问题。",
        page=19,
    )
    asked = "Our Timer runs several TimerTasks, and when one throws all others stop. What instead?"
    assert RelevanceGate().relevant(
        asked, [timer], "我们的 Timer 运行多个 TimerTasks…用什么代替？"
    ) == [timer]
    # A name is not the plural of a word inside another one: "Redis" is no "redirect".
    redirect = passage("使用 redirect 跳转时……", page=20)
    assert RelevanceGate().relevant("Java 手册对 Redis 有什么要求？", [redirect]) == []


def test_a_capitalized_word_the_translation_translates_is_not_a_name() -> None:
    slide = passage("开始使用：探索我们的社区，阅读 OpenChain ISO 标准。", page=12)
    asked = "What does the closing Get Started slide suggest doing first with OpenChain?"
    translated = "结尾的“开始使用”幻灯片建议首先对 OpenChain 做什么？"
    assert question_names(asked, translated) == ["OpenChain"]
    assert RelevanceGate().relevant(asked, [slide], translated) == [slide]


def test_a_far_passage_writing_every_name_the_question_asks_about_is_kept() -> None:
    row = replace(
        passage("DSUB rd, rs, rt Subtracts the value of rt to rs, and puts the result in rd.", 14),
        score=0.15,
        doc="edumips64-manual.pdf",
        title="EduMIPS64 User Manual",
    )
    gate = RelevanceGate()
    asked = "What does DSUB do in EduMIPS64?"
    assert gate.relevant(asked, [row], "DSUB 在 EduMIPS64 中做什么？") == [row]
    # The manual's own name alone does not bring a far passage back.
    assert (
        gate.relevant("What does EduMIPS64 do with the cache?", [row], "EduMIPS64 如何处理缓存？")
        == []
    )


def test_a_chinese_question_sharing_no_terms_with_chinese_passages_keeps_the_english_ones() -> None:
    hardening = passage("设置口令复杂度：口令长度至少 8 个字符。", page=27)
    english = passage("HALT is a deprecated alias for the SYSCALL 0 instruction.", page=40)
    asked = "老代码里用 HALT 让模拟器停下来，现在还推荐这么写吗？"
    # The Chinese passage shares none of its terms; the English manual may still answer it.
    assert RelevanceGate().relevant(asked, [hardening, english]) == [english]
    # With only Chinese passages that share none of its terms, it is not covered.
    assert RelevanceGate().relevant("公司的年假有几天？", [hardening]) == []


def test_an_ordinary_english_word_in_a_chinese_question_is_not_a_name() -> None:
    chain = passage("供应链的理想状态：每个参与方都以可信的方式交付开源合规信息。", page=3)
    gate = RelevanceGate()
    asked = "OpenChain supply chain 的理想状态是什么？"
    assert question_names(asked) == ["OpenChain"]
    assert gate.relevant("供应链 supply chain 的理想状态是什么？", [chain]) == [chain]
    # A tool's name is no word of any language: a passage must write it.
    assert question_names("加固指南里怎么写 auditctl 规则？") == ["auditctl"]
    assert gate.relevant("供应链里怎么写 auditctl 规则？", [chain]) == []


def test_an_english_word_alone_in_a_chinese_question_is_no_name_however_rare() -> None:
    # holdout80 (an engineer switching to English for one word): the manual writes 欺骗.
    assert question_names("用 SSH 传数据除了加密，还可以防止哪些 spoofing（欺骗）？") == ["SSH"]
    assert question_names(
        "ISO 5230 的 compliance program 里，对 role 和人员 staffing 有要求吗？"
    ) == ["ISO"]
    # A setting's value and a word of a quoted English message are written as they are.
    assert "forking" in question_names("systemd 中 Type=simple 和 Type=forking 有什么区别？")
    assert "verification" in question_names("SSH 登录时报 Host key verification failed，怎么办？")
