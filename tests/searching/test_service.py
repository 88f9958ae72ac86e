"""Snippets: the quick span finder agrees with the full scan."""

from __future__ import annotations

import pytest

from trove.search.index import match_spans
from trove.search.query import parse
from trove.search.service import make_snippet, snippet_spans

FILLER = "会议研究了年度考核办法，部署了下一阶段重点任务。" * 40

CASES = [
    ("教育转化", f"{FILLER}开展教育轉化工作{FILLER}"),  # traditional form in the text
    ('"training center"', f"Report. {'word ' * 500} the Training  Center opened."),
    ("欧阳明澈 OR camera", f"{FILLER}欧阳 明澈{FILLER}"),  # a run broken by a space
    ("ﻛﯩﺘﺎﺏ", "بۇ كىتاب ياخشى " * 3),  # presentation forms in the query
    ("absent", FILLER),
    ("straße", "Die Strasse und die STRASSE."),
]


@pytest.mark.parametrize(("query", "text"), CASES)
def test_quick_spans_agree_with_a_full_scan(query: str, text: str) -> None:
    node = parse(query)
    full = match_spans(node, text)
    quick = snippet_spans(node, text)
    assert bool(quick) == bool(full)
    assert set(quick) <= set(full)
    if full:
        assert quick[0] == full[0]


def test_snippet_marks_the_match() -> None:
    text = f"{FILLER}开展教育转化工作{FILLER}"
    node = parse("教育转化")
    snippet, spans = make_snippet(text, snippet_spans(node, text))
    assert [snippet[a:b] for a, b in spans] == ["教育转化"]


def test_quick_spans_when_normalization_changes_the_length() -> None:
    # Tatweel and zero-width joiners are dropped by normalization, shifting offsets.
    text = "ئـــۇيغۇر\u200c " * 300 + "ئۈرۈمچی شەھىرى " + FILLER + "欧阳明澈"
    node = parse("欧阳明澈")
    full = match_spans(node, text)
    quick = snippet_spans(node, text)
    assert quick and quick[0] == full[0]
    assert text[quick[0][0]:quick[0][1]] == "欧阳明澈"
