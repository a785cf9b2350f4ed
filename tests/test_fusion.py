"""The fusion rules of the hybrid search, on rankings made up for each rule (no index needed)."""

from assistant.retrieval import chunk_language, fused_ranking, keyword_lead


def test_a_passage_in_the_other_language_keeps_its_vector_rank() -> None:
    # An English question; the answer is a Chinese passage that only the vector search can
    # find. Two English passages that both lists found loosely no longer push it out of
    # first place, as plain reciprocal-rank fusion did.
    vector = ["zh-answer", "en-a", "en-b", "en-c"]
    keyword = [("en-b", 9.0), ("en-a", 8.5), ("en-d", 8.0), ("en-c", 7.9)]
    assert fused_ranking(vector, keyword)[0] != "zh-answer"
    ranked = fused_ranking(vector, keyword, other_language={"zh-answer"})
    assert ranked[0] == "zh-answer"


def test_keyword_votes_do_not_count_across_languages() -> None:
    # A Chinese passage that the keyword list reached through a shared word is ranked by its
    # vector rank (counted for both lists), like every passage in the other language.
    vector = ["en-1", "en-2", "zh-x"]
    keyword = [("zh-x", 5.0), ("en-2", 4.9)]
    ranked = fused_ranking(vector, keyword, other_language={"zh-x"})
    assert ranked == fused_ranking(vector, keyword[1:], other_language={"zh-x"})
    assert ranked == ["en-2", "zh-x", "en-1"]


def test_an_exact_identifier_vote_counts_across_languages() -> None:
    # An English question names java.util.Random; the Chinese rule that names it too is the
    # vector search's second find. The exact search's vote lifts it over an English passage
    # that both lists found first.
    vector = ["en-a", "zh-rule", "en-b"]
    keyword = [("en-a", 9.0), ("zh-rule", 8.0), ("en-b", 7.9)]
    other = {"zh-rule"}
    assert fused_ranking(vector, keyword, other_language=other)[0] == "en-a"
    ranked = fused_ranking(vector, keyword, exact=["zh-rule"], other_language=other)
    assert ranked[0] == "zh-rule"


def test_a_clear_keyword_first_place_is_kept_in_the_top_three() -> None:
    vector = [f"v{i}" for i in range(20)]
    keyword = [("exact-phrase", 30.0)] + [(f"v{i}", 20.0 - i) for i in range(10, 19)]
    assert keyword_lead(keyword) == ["exact-phrase"]
    ranked = fused_ranking(vector, keyword)
    assert "exact-phrase" in ranked[:3]
    # The fused order is kept above it: only the third place is given up.
    assert ranked[:2] == fused_ranking(vector, keyword[1:])[:2]
    assert ranked[2] == "exact-phrase"


def test_two_editions_sharing_a_clear_keyword_lead_are_both_kept() -> None:
    vector = [f"v{i}" for i in range(20)]
    keyword = [("edition-1", 36.2), ("edition-2", 36.1), ("v15", 24.7), ("v16", 21.1)]
    assert keyword_lead(keyword) == ["edition-1", "edition-2"]
    assert {"edition-1", "edition-2"} <= set(fused_ranking(vector, keyword)[:3])


def test_a_keyword_first_place_without_a_clear_gap_gets_no_slot() -> None:
    assert keyword_lead([("a", 12.0), ("b", 11.0), ("c", 10.5)]) == []
    # A drop after the third hit is too late to call a lead.
    assert keyword_lead([("a", 30.0), ("b", 29.0), ("c", 28.0), ("d", 10.0)]) == []
    assert keyword_lead([("only", 5.0)]) == []


def test_a_passage_is_chinese_with_a_fair_share_of_chinese() -> None:
    assert chunk_language("POJO 类中的任何布尔类型的变量，都不要加 is 前缀，例如 isDeleted") == "zh"
    assert chunk_language("Flow control instructions are used to alter the order") == "en"
    assert chunk_language("执行 systemctl get-default 查看默认目标") == "zh"
    assert chunk_language("systemctl get-default 查看") == "en"  # a command with a word


def test_a_slide_found_first_by_its_words_is_not_buried_under_rows_found_loosely() -> None:
    # A terse passage (a slide, a sheet's row) that the keyword search ranks first but the
    # embedder misses: its keyword vote also stands for the vector vote, so it leads rows that
    # both lists found loosely, as a passage both lists ranked first would.
    vector = [f"row-{i}" for i in range(20)]
    keyword = [("slide", 31.9), ("row-3", 25.7), ("row-1", 24.4), ("row-0", 22.7)]
    assert fused_ranking(vector, keyword).index("slide") > 2
    ranked = fused_ranking(vector, keyword, terse={"slide"})
    assert ranked[0] == "slide"


def test_a_terse_passage_keeps_a_better_vector_vote_and_gains_nothing_across_languages() -> None:
    vector = ["slide", "a", "b", "c"]
    keyword = [("a", 9.0), ("b", 8.0), ("c", 7.0), ("slide", 6.0)]
    # Its vector vote is the better one: nothing changes.
    assert fused_ranking(vector, keyword, terse={"slide"}) == fused_ranking(vector, keyword)
    # In the other language it is ranked by its vector rank alone, as before.
    vector, keyword = ["a", "slide"], [("slide", 9.0), ("a", 8.0)]
    across = fused_ranking(vector, keyword, other_language={"slide"})
    assert fused_ranking(vector, keyword, other_language={"slide"}, terse={"slide"}) == across
