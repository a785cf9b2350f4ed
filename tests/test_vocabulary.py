from pagewise.vocabulary import ordinary_word


def test_common_lowercase_words_are_ordinary_and_tool_names_are_not() -> None:
    assert all(ordinary_word(w) for w in ("format", "supply", "incident", "client", "course"))
    assert not any(ordinary_word(w) for w in ("auditctl", "yescrypt", "quadlet", "podman"))


def test_a_word_with_a_capital_digit_or_hyphen_is_never_ordinary() -> None:
    assert not any(ordinary_word(w) for w in ("Format", "JSON", "sha256", "high-order", ""))
