from drillpad.core.words import count_text


def test_counts_read_as_words():
    assert [count_text(n, "item") for n in (0, 1, 4)] == ["0 items", "1 item", "4 items"]
    assert count_text(2, "person", "people") == "2 people"
