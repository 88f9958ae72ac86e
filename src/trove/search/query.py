"""The query language: what a journalist types in the search box, parsed into the tree of
`trove.search.ast` that every index backend translates.

The syntax is Lucene's, cut down to what Trove's backends can all honour, and forgiving of
how Chinese users type: full-width quotes, parentheses and colon work like ASCII ones, and
any kind of space (U+3000 too) separates words. `SYNTAX_HELP` is the user's reference.

The parser is written by hand: it is a short recursive descent over a hand-written lexer,
and the error messages (which must point at a character and speak to a non-engineer) are
most of the work; no parsing library would make that shorter.

Decisions a user can notice:

- Keywords are upper-case `AND`, `OR`, `NOT`; `and`, `or`, `not` are ordinary words.
  Precedence is NOT (and `-`) > AND > OR; words side by side are ANDed.
- `foo:bar` is a field only when `foo` looks like a field name (ASCII letters, digits,
  `_`, starting with a letter). An unknown name with a value is an error listing the
  fields, unless the value starts with `/` or `\\` (`http://x`, `C:\\Users`); `10:30`,
  `Re:` (nothing after the colon) and `新疆:` are plain text. Quotes make anything text.
- `word~` without a number allows 1 edit for words under 5 characters, 2 from 5 up;
  `~0`, `~1`, `~2` are explicit. Fuzziness is refused with an error on a word with
  letters outside the Latin and Cyrillic alphabets: on Chinese one edit is another word,
  and silently ignoring the `~` would let a user believe the search was fuzzy.
- A `-` or `+` not attached to anything (`2017 - 2018`) is punctuation and ignored.
- Control characters other than tab, line breaks and form feed are refused with an error
  rather than stripped: a NUL or an escape code in a query is a paste gone wrong, and
  silently searching something else than what was pasted would hide it.
- Filter values (`type:`, `path:`, ...) are kept exactly as typed; `*` and `~` have no
  meaning there. Term and phrase text is kept as typed, full-width forms included
  (analysis normalises it later); only the syntax reads them as ASCII.

Guarantees to backends, beyond the types: And and Or have at least two items and never
contain an item of their own type; every Not is an item of an And that also holds at least
one item that is not a Not (a MatchAll when the user wrote only exclusions); Not never
wraps a Not.

`QuerySyntaxError.position` is a 0-based index into the query string (so a user interface
can put a caret under `query[position]`); its message counts characters from 1.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from trove.errors import TroveError
from trove.search.ast import (
    DATE_FIELDS,
    FIELDS,
    TEXT_FIELDS,
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

__all__ = ["SYNTAX_HELP", "QuerySyntaxError", "parse"]

MAX_SLOP = 1000
MAX_FUZZY = 2
MAX_DEPTH = 50  # parentheses; keeps the recursion far from Python's limit

_HELP_WORDS = [
    ("新疆 教育", "documents with all the words (AND is implied)"),
    ("朱海仑 OR 陈全国", "either word"),
    ("学校 NOT 幼儿园", "leave out documents with a word; 学校 -幼儿园 is the same"),
    ('"annual report"', "the exact words in this order; “职业技能 教育” works too"),
    ('"training center"~5', "the words at most 5 words apart"),
    ("(Ürümqi OR ئۈرۈمچی) camp", "parentheses group; NOT binds first, then AND, then OR"),
    ("educat*", 'words starting with "educat" (* only at the end of a word)'),
    ("Kashgar~  Kashgar~1", "similar spellings: ~ allows 1 letter off (2 from 5 letters),"),
    ("", "~1 or ~2 say how many; Latin and Cyrillic letters only"),
]
_HELP_FIELDS = [
    ("title:报告  author:zhu", "search one part only; also from: to: subject: name: text:"),
    ('title:"work report"', "a phrase in one part"),
    ("from:(zhu OR chen)", "a field applies to a whole group"),
    ("type:pdf  ext:docx", "filter exactly; also lang:zh lang:ug tag:urgent entity:..."),
    ("sha256:3fa9", "documents whose SHA-256 starts with 3fa9"),
    ("path:/cache/mail", "documents under this folder of the cache"),
    ("date:2017  date:2017-06", "a year, a month, a day (date:2017-06-01, date:2017年6月)"),
    ("date:2017-01..2017-12", "a range, both ends included; date:..2018  date:2019-03.."),
]
_HELP_NOTES = """\
  AND, OR and NOT are keywords only in capitals; "and" and "or" are ordinary words.
  Chinese punctuation works like English: “ ” （ ） ： and title：通知
  Quotes make anything plain text: "error:404", "AND", "*"; 10:30 and http://...
  need no quotes.
  An empty search lists every document; add filters to narrow it: type:pdf lang:ug
"""


def _width(text: str) -> int:
    """Terminal columns: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _help_table(rows: list[tuple[str, str]]) -> str:
    column = 26
    return "".join(f"  {ex}{' ' * max(2, column - _width(ex))}{what}\n" for ex, what in rows)


SYNTAX_HELP = (f"Search syntax\n\n{_help_table(_HELP_WORDS)}\nFields\n\n"
               f"{_help_table(_HELP_FIELDS)}\nNotes\n\n{_HELP_NOTES}")

# Full-width forms Chinese input methods produce, mapped one to one (positions stay put).
_FULL_WIDTH = str.maketrans({"＂": '"', "“": '"', "”": '"', "（": "(", "）": ")", "：": ":"})
# C0 and C1 controls and DEL, except tab, LF, VT, FF, CR and NEL, which are whitespace.
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")
_FIELD_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,31}")
_DIGITS = re.compile(r"[0-9]+")  # ASCII only: str.isdigit() also says yes to "²"
_FUZZ_SUFFIX = re.compile(r"[0-9.]*")
_DATE = re.compile(r"([0-9]{4})(?:[-/]([0-9]{1,2})(?:[-/]([0-9]{1,2}))?)?"
                   r"|([0-9]{4})年(?:([0-9]{1,2})月(?:([0-9]{1,2})日)?)?")
_KEYWORDS = frozenset({"AND", "OR", "NOT"})
_MONTHS = ("", "January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")
_DATE_HINT = ("write a year (2017), a month (2017-06), a day (2017-06-01) or a range "
              "(2017-01..2017-12, ..2018, 2019-03..)")


class QuerySyntaxError(TroveError):
    """A search query Trove cannot read; the message says where and why."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.message = message
        self.position = position  # 0-based index into the query


def _at(position: int) -> str:
    return f"character {position + 1:,}"


def _fields_list() -> str:
    return ", ".join(f"{name}:" for name in sorted(FIELDS))


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "(", ")", "AND", "OR", "NOT", "-", "word", "phrase"
    pos: int  # where the token starts, field name included
    text: str = ""  # word or phrase text, field prefix and quotes removed
    text_pos: int = 0
    field: str | None = None  # a field written on this token, lower-cased
    slop: int | None = None  # "..."~N
    slop_pos: int = 0


def parse(query: str, *, max_terms: int = 1000, max_length: int = 10_000) -> Node:
    """Parse a user's search query into a query tree; raise QuerySyntaxError if it is wrong.

    An empty query (or only spaces) is MatchAll. See SYNTAX_HELP for the language.
    """
    if len(query) > max_length:
        raise QuerySyntaxError(
            f"the search is {len(query):,} characters long; the most Trove accepts is "
            f"{max_length:,}", max_length)
    control = _CONTROL.search(query)
    if control:
        raise QuerySyntaxError(
            f"the search contains an invisible control character "
            f"(U+{ord(control.group()):04X}) at {_at(control.start())}: remove it (it often "
            "comes from copying text out of a document)", control.start())
    tokens = _Lexer(query, max_terms).run()
    if not tokens:
        return MatchAll()
    return _Parser(tokens).run()


class _Lexer:
    """Cuts the query into tokens; catches quote, field and count errors on the way."""

    def __init__(self, query: str, max_terms: int) -> None:
        self.typed = query  # text comes from here: terms keep what the user typed
        self.q = query.translate(_FULL_WIDTH)  # syntax is read from here
        self.max_terms = max_terms
        self.terms = 0
        self.tokens: list[_Token] = []

    def run(self) -> list[_Token]:
        q, n, i = self.q, len(self.q), 0
        while i < n:
            c = q[i]
            if c.isspace():
                i += 1
            elif c in "()":
                self.tokens.append(_Token(c, i))
                i += 1
            elif c in "-+":
                i = self._signs(i)
            elif c == '"':
                i = self._phrase(i, i, None)
            else:
                i = self._word(i)
        return self.tokens

    def _delimiter(self, i: int) -> bool:
        c = self.q[i]
        return c.isspace() or c in '()"'

    def _count(self, pos: int) -> None:
        self.terms += 1
        if self.terms > self.max_terms:
            raise QuerySyntaxError(
                f"the search has more than {self.max_terms:,} words and phrases (the next "
                f"one starts at {_at(pos)}): narrow it down or split it into several "
                "searches", pos)

    def _signs(self, i: int) -> int:
        # A run of - and + before a word, a quote or "(": each - negates once.
        j = i
        while j < len(self.q) and self.q[j] in "-+":
            j += 1
        if j == len(self.q) or self.q[j].isspace() or self.q[j] == ")":
            return j  # "2017 - 2018": a dash between words, not an exclusion
        self.tokens.extend(_Token("-", k) for k in range(i, j) if self.q[k] == "-")
        return j

    def _phrase(self, start: int, quote: int, field: str | None) -> int:
        q = self.q
        end = q.find('"', quote + 1)
        if end < 0:
            raise QuerySyntaxError(
                f'unbalanced quote: the " at {_at(quote)} is never closed', quote)
        text = self.typed[quote + 1:end].strip()
        if not text:
            raise QuerySyntaxError(
                f"empty quotes at {_at(quote)}: put words between the quotes, or remove "
                "them", quote)
        self._count(start)
        i, slop, slop_pos = end + 1, None, 0
        if i < len(q) and q[i] == "~":
            slop_pos = i
            i += 1
            while i < len(q) and not self._delimiter(i):
                i += 1
            slop = self._slop(q[slop_pos + 1:i], slop_pos)
        self.tokens.append(_Token("phrase", start, text, quote + 1, field, slop, slop_pos))
        return i

    def _slop(self, digits: str, pos: int) -> int:
        example = '"annual report"~5'
        if not _DIGITS.fullmatch(digits):
            shown = f"~{digits}" if digits else "~"
            raise QuerySyntaxError(
                f"the {shown} after the quotes at {_at(pos)} needs a whole number of "
                f"words: write {example} for words at most 5 apart", pos)
        if len(digits) > 4 or int(digits) > MAX_SLOP:
            raise QuerySyntaxError(
                f"the ~{digits} after the quotes at {_at(pos)} is too large: words can be "
                f"at most {MAX_SLOP:,} apart", pos)
        return int(digits)

    def _word(self, i: int) -> int:
        q, n = self.q, len(self.q)
        j = i
        while j < n and not self._delimiter(j):
            j += 1
        word = self.typed[i:j]
        if word in _KEYWORDS:
            self.tokens.append(_Token(word, i))
            return j
        name, colon, value = q[i:j].partition(":")
        follows = q[j] if j < n else ""
        if colon and _FIELD_NAME.fullmatch(name):
            field = name.lower()
            if field not in FIELDS:
                if value[:1] in ("/", "\\") or not (value or follows in ('"', "(")):
                    field = ""  # http://..., C:\..., "Re:" : text, not a field
                else:
                    raise QuerySyntaxError(
                        f'unknown field "{name}:" at {_at(i)}; the fields are '
                        f"{_fields_list()}. To search for {word} as text, put it in "
                        f'quotes: "{word}"', i)
            if field:
                if value:
                    self._count(i)
                    start = i + len(name) + 1
                    self.tokens.append(_Token("word", i, self.typed[start:j], start, field))
                    return j
                if follows == '"':
                    return self._phrase(i, j, field)
                if follows == "(":
                    self.tokens.append(_Token("(", j, field=field))
                    return j + 1
                raise QuerySyntaxError(
                    f"the field {field}: at {_at(i)} has no value: write {field}:word or "
                    f'{field}:"some words", with no space after the colon', i)
        self._count(i)
        self.tokens.append(_Token("word", i, word, i))
        return j


class _Parser:
    """Recursive descent: or := and (OR and)*; and := unary (AND? unary)*;
    unary := (NOT | -)* primary; primary := ( or ) | word | phrase."""

    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.i = 0
        self.depth = 0

    def run(self) -> Node:
        node = self._or(None)
        if self.i < len(self.tokens):  # only a ")" stops _or early
            self._unmatched(self.tokens[self.i])
        return node

    def _peek(self) -> _Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def _take(self) -> _Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    @staticmethod
    def _unmatched(token: _Token) -> None:
        raise QuerySyntaxError(
            f"unbalanced parenthesis: the ) at {_at(token.pos)} has no matching (", token.pos)

    def _operand_follows(self, op: _Token) -> None:
        after = self._peek()
        if after is None or after.kind == ")":
            raise QuerySyntaxError(
                f"{op.kind} at {_at(op.pos)} has nothing after it: write a word on both "
                f"sides, as in zhu {op.kind} chen", op.pos)
        if after.kind in ("AND", "OR"):
            raise QuerySyntaxError(
                f"two operators in a row: {after.kind} at {_at(after.pos)} comes right after "
                f"{op.kind}; remove one, or put it in quotes to search for the word",
                after.pos)

    def _or(self, field: str | None) -> Node:
        items = [self._and(field)]
        while (token := self._peek()) is not None and token.kind == "OR":
            self._take()
            self._operand_follows(token)
            items.append(self._and(field))
        return _or(items)

    def _and(self, field: str | None) -> Node:
        items = [self._unary(field)]
        while (token := self._peek()) is not None and token.kind not in (")", "OR"):
            if token.kind == "AND":
                self._take()
                self._operand_follows(token)
            items.append(self._unary(field))
        return _and(items)

    def _unary(self, field: str | None) -> Node:
        negations: list[_Token] = []
        while (token := self._peek()) is not None and token.kind in ("NOT", "-"):
            negations.append(self._take())
        if token is None or token.kind in (")", "AND", "OR"):
            if negations:
                last = negations[-1]
                what = "NOT" if last.kind == "NOT" else "the -"
                raise QuerySyntaxError(
                    f"{what} at {_at(last.pos)} is not followed by anything to leave out: "
                    "write it right before a word, as in 学校 NOT 幼儿园 or 学校 -幼儿园",
                    last.pos)
            assert token is not None  # _and and _or stop at the end
            if token.kind == ")":
                self._unmatched(token)
            raise QuerySyntaxError(
                f"{token.kind} at {_at(token.pos)} has nothing before it: write a word on "
                f"both sides, as in zhu {token.kind} chen", token.pos)
        node = self._primary(field)
        return _negate(node) if len(negations) % 2 else node

    def _primary(self, field: str | None) -> Node:
        token = self._take()
        if token.kind == "phrase":
            return _phrase(token, token.field or field)
        if token.kind == "word":
            return _word(token, token.field or field)
        # "(": the lexer emits no other kind that reaches here
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise QuerySyntaxError(
                f"parentheses are nested more than {MAX_DEPTH} deep at {_at(token.pos)}",
                token.pos)
        after = self._peek()
        if after is None:
            self._unclosed(token)
        if after is not None and after.kind == ")":
            raise QuerySyntaxError(
                f"empty parentheses at {_at(token.pos)}: put words between them, or remove "
                "them", token.pos)
        node = self._or(token.field or field)
        if self._peek() is None:
            self._unclosed(token)
        self._take()
        self.depth -= 1
        return node

    @staticmethod
    def _unclosed(token: _Token) -> None:
        raise QuerySyntaxError(
            f"unbalanced parenthesis: the ( at {_at(token.pos)} is never closed", token.pos)


# Tree building keeps the guarantees stated in the module docstring.

def _and(items: list[Node]) -> Node:
    flat: list[Node] = []
    for item in items:
        flat.extend(item.items if isinstance(item, And) else (item,))
    flat = [item for item in flat if not isinstance(item, MatchAll)]
    if all(isinstance(item, Not) for item in flat):
        flat.insert(0, MatchAll())
    return flat[0] if len(flat) == 1 else And(tuple(flat))


def _or(items: list[Node]) -> Node:
    flat: list[Node] = []
    for item in items:
        flat.extend(item.items if isinstance(item, Or) else (item,))
    return flat[0] if len(flat) == 1 else Or(tuple(flat))


def _negate(node: Node) -> Node:
    if isinstance(node, Not):
        return node.item
    if (isinstance(node, And) and len(node.items) == 2 and isinstance(node.items[0], MatchAll)
            and isinstance(node.items[1], Not)):
        return node.items[1].item  # -(-x)
    return Not(node)


def _phrase(token: _Token, field: str | None) -> Node:
    if field is not None and field not in TEXT_FIELDS:
        if token.slop is not None:
            raise QuerySyntaxError(
                f"the ~ at {_at(token.slop_pos)} has no meaning after {field}: (it only "
                'measures distance between words, as in "annual report"~5)', token.slop_pos)
        return _filter(token, field)
    return Phrase(token.text, field, token.slop or 0)


def _word(token: _Token, field: str | None) -> Node:
    if field is not None and field not in TEXT_FIELDS:
        return _filter(token, field)
    text, pos = token.text, token.text_pos
    head, tilde, tail = text.rpartition("~")
    fuzzy = 0
    if tilde and _FUZZ_SUFFIX.fullmatch(tail):
        if not head or head.endswith("~"):
            raise QuerySyntaxError(
                f"the ~ at {_at(pos + len(head))} must come right after a word, as in "
                "Kashgar~", pos + len(head))
        if head.endswith("*"):
            raise QuerySyntaxError(
                f"{text} at {_at(pos)} asks for both a prefix (*) and a fuzzy match (~); "
                "choose one", pos)
        if tail and (not _DIGITS.fullmatch(tail) or len(tail) > 1 or int(tail) > MAX_FUZZY):
            raise QuerySyntaxError(
                f"the ~{tail} at {_at(pos + len(head))} is not a fuzziness Trove knows: "
                "write word~1 or word~2 (letters that may differ), or word~ alone",
                pos + len(head))
        _check_fuzzy_script(head, pos)
        fuzzy = int(tail) if tail else (1 if len(head) < 5 else 2)
        text = head
    prefix = text.endswith("*")
    stem = text.rstrip("*")
    if not stem:
        raise QuerySyntaxError(
            f"a * alone at {_at(pos)} matches nothing: write the start of a word before "
            'it, as in educat*; to search for the * itself, put it in quotes: "*"', pos)
    if "*" in stem:
        star = pos + stem.index("*")
        raise QuerySyntaxError(
            f"a * can only end a word, as in educat*; the * at {_at(star)} is inside or at "
            f'the start of {text}. To search for it as text, put it in quotes: "{text}"',
            star)
    if prefix and fuzzy:
        raise QuerySyntaxError(
            f"{token.text} at {_at(pos)} asks for both a prefix (*) and a fuzzy match (~); "
            "choose one", pos)
    return Term(stem, field, prefix=prefix, fuzzy=fuzzy)


def _check_fuzzy_script(word: str, pos: int) -> None:
    for offset, char in enumerate(word):
        if not char.isalpha():
            continue
        name = unicodedata.name(char, "")
        if "LATIN" in name or "CYRILLIC" in name or unicodedata.category(char) == "Lm":
            continue
        raise QuerySyntaxError(
            f"fuzzy search (~) works only on words in Latin or Cyrillic letters, and "
            f"{word} at {_at(pos)} has the letter {char} (at {_at(pos + offset)}): remove "
            "the ~ (a * at the end of a word finds words that start the same way)",
            pos)


def _filter(token: _Token, field: str) -> Node:
    if field in DATE_FIELDS:
        return _date_range(token.text, token.text_pos)
    return Filter(field, token.text)


def _date_range(text: str, pos: int) -> DateRange:
    # NFKC: full-width digits and dashes from a Chinese input method read as ASCII.
    text = unicodedata.normalize("NFKC", text).strip()
    if ".." not in text:
        return DateRange(_date(text, pos, last=False), _date(text, pos, last=True))
    first, _, second = text.partition("..")
    if not first and not second:
        raise QuerySyntaxError(
            f"the date range at {_at(pos)} has no date on either side of the ..: "
            f"{_DATE_HINT}", pos)
    start = _date(first, pos, last=False) if first else None
    end = _date(second, pos + len(first) + 2, last=True) if second else None
    if start and end and start > end:
        raise QuerySyntaxError(
            f"the date range {text} at {_at(pos)} ends before it starts: write the earlier "
            "date first", pos)
    return DateRange(start, end)


def _date(text: str, pos: int, *, last: bool) -> date:
    """The first (or last) day of a year, month or day written as text."""
    match = _DATE.fullmatch(text)
    if not match:
        raise QuerySyntaxError(f'"{text}" at {_at(pos)} is not a date: {_DATE_HINT}', pos)
    year_s, month_s, day_s = match.group(1, 2, 3) if match.group(1) else match.group(4, 5, 6)
    year = int(year_s)
    if year < 1:
        raise QuerySyntaxError(
            f'the year {year_s} in "{text}" at {_at(pos)} does not exist', pos)
    if month_s is None:
        return date(year, 12, 31) if last else date(year, 1, 1)
    month = int(month_s)
    if not 1 <= month <= 12:
        raise QuerySyntaxError(
            f'the month {month_s} in "{text}" at {_at(pos)} does not exist: months go from '
            "01 to 12", pos)
    days = calendar.monthrange(year, month)[1]
    if day_s is None:
        return date(year, month, days if last else 1)
    day = int(day_s)
    if not 1 <= day <= days:
        raise QuerySyntaxError(
            f'the day {day_s} in "{text}" at {_at(pos)} does not exist: {_MONTHS[month]} '
            f"{year} has {days} days", pos)
    return date(year, month, day)
