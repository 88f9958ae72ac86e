"""Text analysis: what a reporter searching Chinese, Uyghur and English text notices."""

from __future__ import annotations

import unicodedata

import pytest

from trove.search.analysis import (
    normalize,
    query_tokens,
    query_words,
    stem,
    stems,
    tokens,
    words,
)


def found(query: str, document: str) -> bool:
    """Does the query term's token sequence occur in the document's token stream?"""
    wanted = query_tokens(query)
    stream = [t.text for t in tokens(document)]
    open_end = len(wanted[-1]) == 1 and "\u4e00" <= wanted[-1] <= "\u9fff"
    for i in range(len(stream) - len(wanted) + 1):
        window = stream[i:i + len(wanted)]
        if window[:-1] == wanted[:-1] and (
                window[-1].startswith(wanted[-1]) if open_end else window[-1] == wanted[-1]):
            return True
    return False


def test_chinese_term_found_inside_a_longer_run() -> None:
    assert query_tokens("教育转化") == ["教育", "育转", "转化"]
    assert found("教育转化", "开展教育转化工作")
    assert not found("教育转换", "开展教育转化工作")


def test_every_substring_of_a_chinese_sentence_is_found() -> None:
    sentence = "新疆维吾尔自治区党委副书记朱海仑签发了文件"
    for start in range(len(sentence)):
        for end in range(start + 1, len(sentence) + 1):
            assert found(sentence[start:end], sentence), sentence[start:end]


def test_a_term_jieba_segments_differently_still_matches() -> None:
    # jieba cuts the document into 自治区 / 党委 ...; the query straddles the words.
    document = "新疆维吾尔自治区党委副书记"
    assert "区党" not in words(document)
    assert found("区党委", document)
    assert query_words("教育转化")  # the ranking words exist for a real word


def test_traditional_chinese_finds_simplified() -> None:
    assert normalize("搜尋") == normalize("搜寻") == "搜寻"
    assert found("搜尋", "我们搜寻了档案")
    assert found("搜寻", "我們搜尋了檔案")


def test_full_width_and_case_fold() -> None:
    assert normalize("ＡＢＣ") == "abc"
    assert found("abc", "型号ＡＢＣ-123")
    assert found("ABC", "abc")


def test_latin_diacritics_fold() -> None:
    assert normalize("Café Été Ñandú") == "cafe ete nandu"
    assert found("cafe", "Le Café")
    assert found("été", "ete")


def test_uyghur_presentation_forms_and_letter_variants() -> None:
    base = "ئۇيغۇر"
    presentation = "ﺋﯘﻳﻐﯘﺭ"  # what PDFs with Uyghur fonts store
    assert unicodedata.normalize("NFC", presentation) != base
    assert normalize(presentation) == normalize(base)
    # Farsi yeh and alef maksura for Arabic yeh; keheh for kaf; the heh family.
    assert normalize("ی") == normalize("ى") == normalize("ي")
    assert normalize("ک") == normalize("ك")
    assert normalize("ھ") == normalize("ە") == normalize("ه")
    # Hamza-yeh survives (it is Uyghur's vowel carrier), also typed as yeh + hamza above.
    assert normalize("ئ") == normalize("ی\u0654") == "ئ"
    assert normalize("أحمد") == normalize("احمد")
    # Tatweel, zero-width joiners and harakat vanish.
    assert normalize("ئۇيـغۇر") == normalize("ئۇي\u200cغۇر") == normalize(base)
    assert normalize("كَتَبَ") == normalize("كتب")
    assert found("ئۇيغۇر", "ﺋﯘﻳﻐﯘﺭ ئاپتونوم رايونى")


def test_invisible_characters_do_not_split_words() -> None:
    assert [t.text for t in tokens("infor\u00admation re\u200bport")] == ["information", "report"]


def test_digits_of_every_script_are_ascii() -> None:
    assert [t.text for t in tokens("٢٠١٧ ۱۲ ２０１７")] == ["2017", "12", "2017"]


def test_words_emails_and_urls() -> None:
    assert [t.text for t in tokens("Don't e-mail zhu@example.com")] == [
        "dont", "e", "mail", "zhu", "example", "com"]
    assert query_tokens("zhu@example.com") == ["zhu", "example", "com"]
    assert [t.text for t in tokens("Привет мир Ελλάδα")] == ["привет", "мир", "ελλαδα"]


def test_chinese_runs_survive_line_breaks_and_ocr_spaces() -> None:
    assert found("教育转化", "开展教育转\n化工作")
    assert found("工作计划", "工 作 计 划")
    assert not found("育转", "教育。转化")  # punctuation ends a run


def test_single_character_and_mixed_queries() -> None:
    assert query_tokens("教") == ["教"]
    for document in ("教育", "宗教", "教"):
        assert found("教", document)
    assert query_tokens("2017年") == ["2017", "年"]
    assert found("2017年", "2017年度报告")
    assert found("iPhone手机", "新款iPhone手机壳")


@pytest.mark.parametrize("text", [
    "开展教育转化工作", "搜尋 ＡＢＣ Café", "ﺋﯘﻳﻐﯘﺭ ئاپتونوم", "Don't e-mail zhu@example.com",
    "教育转\n化。工 作", "x\u00ady ２０１７年", "⑴ ﬁne",
])
def test_offsets_point_into_the_original_text(text: str) -> None:
    for token in tokens(text):
        original = text[token.start:token.end]
        assert original
        assert token.text[:1] in normalize(original)


def test_highlight_offsets_of_a_bigram_cover_both_characters() -> None:
    text = "Ａ搜尋Ｂ"
    assert [(t.text, text[t.start:t.end]) for t in tokens(text)] == [
        ("a", "Ａ"), ("搜寻", "搜尋"), ("寻", "尋"), ("b", "Ｂ")]


def test_stems_are_a_separate_stream() -> None:
    assert stem("running") == "run"
    assert stem("教育") == "教育"
    assert stems(tokens("running runs run cats")) == ["run", "run", "cat"]


def test_hostile_text_is_harmless() -> None:
    hostile = '"NEAR( * " OR 1=1; DROP TABLE x; -- \x00 \ud800 ' + "a" * 500
    assert all(t.text.isalnum() for t in tokens(hostile))
    assert query_tokens('"*()') == []
