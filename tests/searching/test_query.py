"""The search query language: what users type, the tree backends get, the errors they see."""

from __future__ import annotations

import contextlib
import time
import unicodedata
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trove.errors import TroveError
from trove.search.ast import (
    FIELDS,
    And,
    DateRange,
    Filter,
    MatchAll,
    Node,
    Not,
    Or,
    Phrase,
    Term,
)
from trove.search.query import SYNTAX_HELP, QuerySyntaxError, parse

T = Term
UG_CITY = "ئۈرۈمچی"  # Ürümqi in Uyghur
UG_SCHOOL = "مەكتەپ"  # school


def year(y: int) -> DateRange:
    return DateRange(date(y, 1, 1), date(y, 12, 31))


TREES: list[tuple[str, Node]] = [
    # empty and whitespace of every kind
    ("", MatchAll()),
    (" \t\n\u3000\u00a0 ", MatchAll()),
    # Chinese
    ("新疆", T("新疆")),
    ("新疆 教育", And((T("新疆"), T("教育")))),
    ("新疆\u3000教育", And((T("新疆"), T("教育")))),
    ("朱海仑 OR 陈全国", Or((T("朱海仑"), T("陈全国")))),
    ("学校 NOT 幼儿园", And((T("学校"), Not(T("幼儿园"))))),
    ("学校 -幼儿园", And((T("学校"), Not(T("幼儿园"))))),
    ("“职业技能 教育”", Phrase("职业技能 教育")),
    ("＂职业技能教育＂", Phrase("职业技能教育")),
    ("（朱海仑 OR 陈全国） 签发", And((Or((T("朱海仑"), T("陈全国"))), T("签发")))),
    ("title：通知", T("通知", "title")),
    ("标题:通知", T("标题:通知")),  # not an ASCII field name: text
    ("注意：事项", T("注意：事项")),  # text keeps the characters typed
    ("“会议：纪要”", Phrase("会议：纪要")),
    ("新疆（南疆）", And((T("新疆"), T("南疆")))),
    ("date:2017年6月", DateRange(date(2017, 6, 1), date(2017, 6, 30))),
    ("date：２０１７－０６－０１", DateRange(date(2017, 6, 1), date(2017, 6, 1))),
    # Uyghur
    (UG_CITY, T(UG_CITY)),
    (f"{UG_CITY} {UG_SCHOOL}", And((T(UG_CITY), T(UG_SCHOOL)))),
    (f"{UG_CITY} OR Ürümqi OR Урумчи", Or((T(UG_CITY), T("Ürümqi"), T("Урумчи")))),
    (f"-{UG_SCHOOL}", And((MatchAll(), Not(T(UG_SCHOOL))))),
    (f"{UG_SCHOOL}*", T(UG_SCHOOL, prefix=True)),
    (f'title:"{UG_CITY} {UG_SCHOOL}"', Phrase(f"{UG_CITY} {UG_SCHOOL}", "title")),
    # English
    ("annual report", And((T("annual"), T("report")))),
    ('"annual report"', Phrase("annual report")),
    ('"  annual report "', Phrase("annual report")),  # trimmed, inner text as typed
    ('"training center"~5', Phrase("training center", slop=5)),
    ("educat*", T("educat", prefix=True)),
    ("educat**", T("educat", prefix=True)),
    ("Kashgar~", T("Kashgar", fuzzy=2)),  # 5 letters and more: 2 edits
    ("Kash~", T("Kash", fuzzy=1)),  # under 5: 1 edit
    ("Kashgar~1", T("Kashgar", fuzzy=1)),
    ("zhu~0", T("zhu")),
    ("Урумчи~", T("Урумчи", fuzzy=2)),
    ("+zhu +chen", And((T("zhu"), T("chen")))),
    ("zhu and chen or li", And((T("zhu"), T("and"), T("chen"), T("or"), T("li")))),
    ("a OR b c", Or((T("a"), And((T("b"), T("c")))))),
    ("a b OR c", Or((And((T("a"), T("b"))), T("c")))),
    ("NOT a OR b", Or((And((MatchAll(), Not(T("a")))), T("b")))),
    ("a AND b OR c AND d", Or((And((T("a"), T("b"))), And((T("c"), T("d")))))),
    ("a AND (b OR c)", And((T("a"), Or((T("b"), T("c")))))),
    ("(a b) (c d)", And((T("a"), T("b"), T("c"), T("d")))),
    ("((a))", T("a")),
    ("-foo", And((MatchAll(), Not(T("foo"))))),
    ("-foo -bar", And((MatchAll(), Not(T("foo")), Not(T("bar"))))),
    ('-"annual report"', And((MatchAll(), Not(Phrase("annual report"))))),
    ("-type:pdf", And((MatchAll(), Not(Filter("type", "pdf"))))),
    ("-(a OR b) c", And((Not(Or((T("a"), T("b")))), T("c")))),
    ("NOT NOT a", T("a")),
    ("-(-a)", T("a")),
    ("a OR -b", Or((T("a"), And((MatchAll(), Not(T("b"))))))),
    ("2017 - 2018", And((T("2017"), T("2018")))),  # a dash between words is punctuation
    ("COVID-19 e-mail", And((T("COVID-19"), T("e-mail")))),
    ('"AND" "NOT"', And((Phrase("AND"), Phrase("NOT")))),
    # colons that are not fields
    ("http://example.com/a?b=c", T("http://example.com/a?b=c")),
    ("10:30", T("10:30")),
    ("Re: meeting", And((T("Re:"), T("meeting")))),
    ("C:\\Users\\zhu", T("C:\\Users\\zhu")),
    ('"error:404"', Phrase("error:404")),
    # fields
    ('title:"annual report"', Phrase("annual report", "title")),
    ('title:"annual report"~3', Phrase("annual report", "title", slop=3)),
    ("TITLE:Report", T("Report", "title")),
    ("author:zhu from:li to:wang subject:x name:y text:z", And((
        T("zhu", "author"), T("li", "from"), T("wang", "to"), T("x", "subject"),
        T("y", "name"), T("z", "text")))),
    ("title:educat*", T("educat", "title", prefix=True)),
    ("title:a:b", T("a:b", "title")),
    ("type:pdf lang:zh ext:docx tag:urgent sha256:3fa9 entity:Q42", And((
        Filter("type", "pdf"), Filter("lang", "zh"), Filter("ext", "docx"),
        Filter("tag", "urgent"), Filter("sha256", "3fa9"), Filter("entity", "Q42")))),
    ("path:/cache/mail", Filter("path", "/cache/mail")),
    ('path:"/cache/my mail"', Filter("path", "/cache/my mail")),
    ("type:pdf*", Filter("type", "pdf*")),  # filter values are kept exactly
    ("type:(pdf OR docx)", Or((Filter("type", "pdf"), Filter("type", "docx")))),
    ('title:(报告 -草稿 "工作 报告")', And((T("报告", "title"), Not(T("草稿", "title")),
                                          Phrase("工作 报告", "title")))),
    ("title:(a author:b)", And((T("a", "title"), T("b", "author")))),
    ("date:(2017 OR 2019)", Or((year(2017), year(2019)))),
    # dates
    ("date:2017", year(2017)),
    ("date:2017-06", DateRange(date(2017, 6, 1), date(2017, 6, 30))),
    ("date:2016-02", DateRange(date(2016, 2, 1), date(2016, 2, 29))),
    ("date:2017-06-01", DateRange(date(2017, 6, 1), date(2017, 6, 1))),
    ("date:2017/6/1", DateRange(date(2017, 6, 1), date(2017, 6, 1))),
    ("date:2017-01..2017-12", DateRange(date(2017, 1, 1), date(2017, 12, 31))),
    ("date:..2018", DateRange(None, date(2018, 12, 31))),
    ("date:2019-03..", DateRange(date(2019, 3, 1), None)),
    ("date:2017-06-01..2017-06-01", DateRange(date(2017, 6, 1), date(2017, 6, 1))),
    # mixed
    ("新疆 Kashgar~ type:pdf date:2017..2018", And((
        T("新疆"), T("Kashgar", fuzzy=2), Filter("type", "pdf"),
        DateRange(date(2017, 1, 1), date(2018, 12, 31))))),
    (f"(新疆 OR {UG_CITY} OR Xinjiang) -lang:en", And((
        Or((T("新疆"), T(UG_CITY), T("Xinjiang"))), Not(Filter("lang", "en"))))),
    ("-type:pdf date:2017", And((Not(Filter("type", "pdf")), year(2017)))),
]


@pytest.mark.parametrize(("query", "tree"), TREES, ids=[q or "empty" for q, _ in TREES])
def test_query_gives_tree(query: str, tree: Node) -> None:
    assert parse(query) == tree


ERRORS: list[tuple[str, int, str]] = [
    # quotes and parentheses
    ('report "annual', 7, 'unbalanced quote: the " at character 8 is never closed'),
    ("“职业技能", 0, "is never closed"),
    ("(a OR b", 0, "the ( at character 1 is never closed"),
    ("a OR b)", 6, "the ) at character 7 has no matching ("),
    (") a", 0, "has no matching ("),
    ("（新疆", 0, "never closed"),
    ("a () b", 2, "empty parentheses at character 3"),
    ('a "" b', 2, "empty quotes at character 3"),
    ('" \u3000 "', 0, "empty quotes"),
    # operators
    ("AND a", 0, "AND at character 1 has nothing before it"),
    ("OR a", 0, "OR at character 1 has nothing before it"),
    ("a OR", 2, "OR at character 3 has nothing after it"),
    ("a AND", 2, "AND at character 3 has nothing after it"),
    ("(a OR) b", 3, "OR at character 4 has nothing after it"),
    ("(OR a)", 1, "OR at character 2 has nothing before it"),
    ("a OR OR b", 5, "two operators in a row: OR at character 6"),
    ("a AND OR b", 6, "two operators in a row"),
    ("NOT", 0, "NOT at character 1 is not followed by anything"),
    ("a NOT", 2, "NOT at character 3 is not followed by anything"),
    ("a NOT OR b", 2, "NOT at character 3 is not followed by anything"),
    ("OR", 0, "OR at character 1 has nothing before it"),
    # fields
    ("title:", 0, "the field title: at character 1 has no value"),
    ("a title: report", 2, "the field title: at character 3 has no value"),
    ("type:", 0, "the field type: at character 1 has no value"),
    ("date:", 0, "the field date: at character 1 has no value"),
    ("colour:red", 0, 'unknown field "colour:" at character 1'),
    ("a Foo:bar", 2, 'unknown field "Foo:"'),
    ('foo:"bar"', 0, 'unknown field "foo:"'),
    ("foo:(a b)", 0, 'unknown field "foo:"'),
    # wildcards and fuzziness
    ("*", 0, "a * alone at character 1"),
    ("a * b", 2, "a * alone at character 3"),
    ("*report", 0, "a * can only end a word"),
    ("re*port", 2, "the * at character 3"),
    ("report*~", 0, "both a prefix (*) and a fuzzy match (~)"),
    ("~", 0, "the ~ at character 1 must come right after a word"),
    ("Kashgar~3", 7, "the ~3 at character 8"),
    ("Kashgar~1.5", 7, "the ~1.5 at character 8"),
    ("新疆~", 0, "only on words in Latin or Cyrillic letters"),
    (f"a {UG_CITY}~1", 2, "only on words in Latin or Cyrillic letters"),
    ("title:教育~", 6, "only on words in Latin or Cyrillic letters"),
    # proximity
    ('"a b"~x', 5, "needs a whole number"),
    ('"a b"~', 5, "needs a whole number"),
    ('"a b"~-1', 5, "needs a whole number"),
    ('"a b"~1001', 5, "too large"),
    ('"a b"~99999999999999999999', 5, "too large"),
    ('type:"pdf"~2', 10, "the ~ at character 11 has no meaning after type:"),
    # control characters
    ("a\x00b", 1, "control character (U+0000) at character 2"),
    ("report\x07", 6, "control character (U+0007)"),
    ("\x1b[31mred", 0, "control character (U+001B)"),
    ("a\x9bb", 1, "control character (U+009B)"),
    ("a\x7f", 1, "control character (U+007F)"),
    # dates
    ("date:2017-13", 5, "the month 13 in \"2017-13\" at character 6 does not exist"),
    ("date:2017-02-29", 5, "the day 29 in \"2017-02-29\" at character 6 does not exist: "
                           "February 2017 has 28 days"),
    ("date:2017-04-31", 5, "April 2017 has 30 days"),
    ("date:2017-00", 5, "the month 00"),
    ("date:0000", 5, "the year 0000"),
    ("date:17", 5, '"17" at character 6 is not a date'),
    ("date:yesterday", 5, "is not a date"),
    ("date:2017-01..2017-13", 14, "the month 13"),
    ("date:2017..2018..2019", 11, "is not a date"),
    ("date:..", 5, "no date on either side"),
    ("date:2018..2017", 5, "ends before it starts"),
    ('date:"2017" type:"a"~1', 20, "no meaning after type:"),
    # nesting
    ("(" * 60 + "a" + ")" * 60, 50, "nested more than 50 deep"),
]


@pytest.mark.parametrize(("query", "position", "message"), ERRORS,
                         ids=[repr(q)[:40] for q, _, _ in ERRORS])
def test_bad_query_says_where_and_why(query: str, position: int, message: str) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        parse(query)
    assert caught.value.position == position
    assert message in str(caught.value)
    assert isinstance(caught.value, TroveError)
    assert "\n" not in str(caught.value) and "Traceback" not in str(caught.value)


def test_unknown_field_lists_the_known_ones_and_the_way_out() -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        parse("colour:red")
    message = str(caught.value)
    for field in FIELDS:
        assert f"{field}:" in message
    assert '"colour:red"' in message
    assert parse('"colour:red"') == Phrase("colour:red")


def test_too_long_query_fails_at_the_limit() -> None:
    with pytest.raises(QuerySyntaxError, match=r"10,001 characters long.*10,000") as caught:
        parse("a" * 10_001)
    assert caught.value.position == 10_000
    assert parse("a" * 10_000) == T("a" * 10_000)
    with pytest.raises(QuerySyntaxError, match="the most Trove accepts is 50"):
        parse("a" * 51, max_length=50)


def test_too_many_terms_points_at_the_first_one_over() -> None:
    with pytest.raises(QuerySyntaxError, match="more than 3 words and phrases") as caught:
        parse('a "b c" type:pdf d', max_terms=3)
    assert caught.value.position == 17
    assert isinstance(parse("a b c", max_terms=3), And)


def test_ten_thousand_terms_fail_fast() -> None:
    words = " ".join(f"w{i}" for i in range(10_000))
    for kwargs in ({}, {"max_length": 1_000_000}):
        started = time.perf_counter()
        with pytest.raises(QuerySyntaxError):
            parse(words, **kwargs)
        assert time.perf_counter() - started < 1.0


@pytest.mark.parametrize("query", ["(" * 10_000, "(" * 5_000 + ")" * 5_000, "NOT " * 2_500,
                                   "-" * 9_999 + "a", '"' * 10_000, "a OR " * 2_000])
def test_pathological_queries_end_quickly(query: str) -> None:
    started = time.perf_counter()
    with contextlib.suppress(QuerySyntaxError):
        parse(query)
    assert time.perf_counter() - started < 1.0


def test_syntax_help_documents_every_field_and_its_examples_parse() -> None:
    for field in FIELDS:
        assert f"{field}:" in SYNTAX_HELP, field
    examples = ["新疆 教育", "朱海仑 OR 陈全国", "学校 NOT 幼儿园", "-幼儿园",
                '"annual report"', "“职业技能 教育”", '"training center"~5',
                f"(Ürümqi OR {UG_CITY}) camp", "educat*", "Kashgar~", "Kashgar~1",
                'title:"work report"', "from:(zhu OR chen)", "title：通知", "type:pdf",
                "lang:ug", "sha256:3fa9", "path:/cache/mail", "date:2017-06-01",
                "date:2017年6月", "date:2017-01..2017-12", "date:..2018", "date:2019-03..",
                '"error:404"', "10:30", "type:pdf lang:ug"]
    for example in examples:
        assert example in SYNTAX_HELP, example
        parse(example)
    columns = [sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)
               for line in SYNTAX_HELP.splitlines()]
    assert max(columns) <= 90  # fits a terminal, Chinese characters counting double


# Property: on any string, parse returns a well-formed tree or raises QuerySyntaxError,
# quickly. The pieces are the characters and words the grammar gives meaning to.
PIECES = ['"', "“", "”", "＂", "(", ")", "（", "）", ":", "：", "*", "~", "-", "+", "..",
          " ", "\u3000", "\t", "\n", "AND", "OR", "NOT", "and", "title:", "type:", "date:",
          "foo:", "http://", "2017", "-06", "13", "~2", "~1001", "新疆", "教育", UG_CITY,
          "Kashgar", "Урумчи", "a", "\x85", "\u200b", "²", "0"]
CONTROLS = ["\x00", "\x07", "\x1b", "\x7f", "\x9f"]


def _joined(pieces: list[str]) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(pieces), max_size=80).map(lambda ps: "".join(ps)[:300])


queries = st.one_of(_joined(PIECES), _joined(PIECES + CONTROLS), st.text(max_size=300))


def _well_formed(node: Node, parent: Node | None = None) -> None:
    """The guarantees the module docstring gives backends."""
    if isinstance(node, And | Or):
        assert len(node.items) >= 2
        for item in node.items:
            assert type(item) is not type(node)
            _well_formed(item, node)
        if isinstance(node, And):
            assert any(not isinstance(item, Not) for item in node.items)
    elif isinstance(node, Not):
        assert isinstance(parent, And)
        assert not isinstance(node.item, Not)
        _well_formed(node.item, node)
    elif isinstance(node, Term):
        assert node.text and node.text == node.text.strip() and 0 <= node.fuzzy <= 2
    elif isinstance(node, Phrase):
        assert node.text and node.text == node.text.strip() and 0 <= node.slop <= 1000
    elif isinstance(node, DateRange):
        assert node.start or node.end
        assert not (node.start and node.end) or node.start <= node.end
    else:
        assert isinstance(node, Filter | MatchAll)


@settings(max_examples=600, deadline=200, database=None)
@given(queries)
def test_parse_never_fails_otherwise(query: str) -> None:
    try:
        tree = parse(query)
    except QuerySyntaxError as error:
        assert 0 <= error.position <= len(query)
        assert str(error)
    else:
        _well_formed(tree)
