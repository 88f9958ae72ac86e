"""Text analysis for search: one normal form and one token stream for Chinese, Uyghur,
English and the other scripts of a leaked cache, exact and explainable.

The scheme, and why:

- **Normal form** (`normalize`). NFKC first, which turns full-width Latin and digits into
  ASCII and Arabic presentation forms (what PDFs and old Uyghur fonts store) into base
  letters; then case folding; then Latin, Greek and Cyrillic diacritics are dropped for
  matching (é→e, ё→е); digits of every script become ASCII; traditional Chinese becomes
  simplified, character by character, from OpenCC's `TSCharacters` table (the first
  candidate; a phrase-level conversion would be slower and matters little for matching);
  the Arabic-script letters that files confuse are folded to one form: Arabic yeh, alef
  maksura and Farsi yeh (Uyghur's y and i merge — a deliberate trade of a little
  precision for the recall lost to keyboards and converters that swap them), keheh to
  kaf, every heh (including Uyghur's ھ and ە, same trade) to heh, alef with hamza or
  madda to bare alef, waw with hamza to waw; Uyghur's hamza-yeh ئ, the vowel carrier, is
  kept. Harakat, tatweel, zero-width (non-)joiners and soft hyphens are removed.

- **Tokens** (`tokens`). Runs of Han characters (and kana) become overlapping character
  bigrams plus a unigram for the run's last character, which is what Lucene's CJK bigram
  filter taught the field: a Chinese query of N characters is the phrase of its N-1
  bigrams, found wherever it occurs, whatever a word segmenter would have said (a
  segmenter that cuts 教育转化 differently from the query silently misses; bigrams
  cannot). A single-character query is the prefix `X*`: every character of a run is the
  first character of a bigram, except the last, which has its unigram. A Han run
  continues across spaces and one line break, because PDF extraction breaks lines
  inside words and OCR puts spaces between characters; punctuation and paragraph breaks
  end it. Other scripts become words: letters, digits and combining marks, with
  apostrophes inside a word removed (don't → dont, Uzbek/Uyghur Latin o'z → oz) and
  hyphens, dots, @ and slashes splitting (so an e-mail address or a URL is a phrase of
  its words). Every token carries its start and end in the ORIGINAL text, so hits can be
  highlighted without a second normal form. Tokens longer than `MAX_TOKEN` characters
  (base64, hex dumps) are not indexed.

- **Words** (`words`). jieba's `cut_for_search` over the Han runs gives a secondary
  stream of true Chinese words, used only to rank a word match above a match that
  straddles words; recall never depends on it. It costs about 0.4 ms a sentence, so it
  runs in the ingest workers.

- **Stems** (`stem`, `stems`). English Snowball stems are indexed in a separate stream,
  and only where the stem differs from the word: the exact stream stays exact, a stemmed
  query searches the stem in both streams, and an exact match ranks above a stem match.

Written here by hand: the scanner and the folding tables (a few dozen lines of Unicode
facts); no library does the offset-preserving mix of the three schemes.
"""

from __future__ import annotations

import itertools
import logging
import re
import unicodedata
from collections.abc import Iterator
from functools import cache, lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    import jieba

__all__ = [
    "ANALYSIS_VERSION",
    "MAX_TOKEN",
    "Token",
    "is_han",
    "normalize",
    "query_tokens",
    "query_words",
    "stem",
    "stems",
    "tokens",
    "words",
]

# Bump when a change to this module changes any token: indexes built before must be
# rebuilt (the index records the version of every document it holds).
ANALYSIS_VERSION = 1
MAX_TOKEN = 64


class Token(NamedTuple):
    text: str  # normalized
    start: int  # offsets into the original text
    end: int


# Han ideographs (with extensions and compatibility forms), 〇 and 々, and Japanese kana.
_HAN_RANGES = (
    "\u3005\u3007\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
    "\U00020000-\U0003134f"
)
_HAN_CHAR = re.compile(f"[{_HAN_RANGES}]")
# Characters that vanish in the normal form but must not split a word.
_IGNORABLE = "\u00ad\u0640\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff"
_APOSTROPHES = "'\u2019\u02bc\u02bb\u2018`"
_ASCII_SEPARATORS = re.compile("[\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]+")


@cache
def _mark_class() -> str:
    """Every combining mark of the BMP and SMP as a regex class body (built once)."""
    ranges: list[tuple[int, int]] = []
    for code in range(0x20000):
        if unicodedata.category(chr(code)).startswith("M"):
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1] = (ranges[-1][0], code)
            else:
                ranges.append((code, code))
    return "".join(f"{re.escape(chr(a))}-{re.escape(chr(b))}" if b > a else re.escape(chr(a))
                   for a, b in ranges)


@cache
def _scanner() -> re.Pattern[str]:
    word_char = f"(?:[^\\W_{_HAN_RANGES}]|[{_mark_class()}{_IGNORABLE}])"
    # A Han run: Han characters joined by nothing, spaces, or a single line break.
    han_run = f"[{_HAN_RANGES}](?:[ \\t\\u3000]*\\r?\\n?[ \\t\\u3000]*[{_HAN_RANGES}])*"
    word = f"{word_char}+(?:[{_APOSTROPHES}]{word_char}+)*"
    return re.compile(f"(?P<han>{han_run})|(?P<word>{word})")


# Normal form ---------------------------------------------------------------------------

# Latin, Greek and Cyrillic combining diacritics (dropped after NFD).
_DIACRITICS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
# Harakat and Quranic marks; the hamza above (U+0654) is handled apart.
_HARAKAT = re.compile("[\u0610-\u061a\u064b-\u0653\u0655-\u065f\u0670\u06d6-\u06ed]")
# Hamza above survives only on yeh, where NFC recomposes it into Uyghur's ئ.
_STRAY_HAMZA = re.compile("(?<!\u064a)\u0654")
_ARABIC_FOLD = {
    0x0649: "\u064a", 0x06cc: "\u064a", 0x06d2: "\u064a",  # alef maksura, Farsi yeh, yeh barree
    0x06a9: "\u0643", 0x06aa: "\u0643",  # keheh, swash kaf
    0x06be: "\u0647", 0x06d5: "\u0647", 0x06c1: "\u0647", 0x0629: "\u0647",  # heh family
    0x0671: "\u0627",  # alef wasla
}


@cache
def _fold_table() -> dict[int, str]:
    """One translation table: removals, script digits to ASCII, Arabic folds, t2s."""
    table: dict[int, str] = {ord(c): "" for c in "\u00ad\u0640\u200b\u200c\u200d\u200e\u200f"
                             "\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064"
                             "\ufeff"}
    for code in range(0x20000):
        char = chr(code)
        if unicodedata.category(char) == "Nd" and code > 0x7f:
            table[code] = str(unicodedata.digit(char))
    table.update(_ARABIC_FOLD)
    source = resources.files("opencc").joinpath("dictionary", "TSCharacters.txt")
    for line in source.read_text(encoding="utf-8").splitlines():
        traditional, _, simplified = line.partition("\t")
        if len(traditional) == 1 and simplified:
            first = simplified.split(" ")[0]
            if first != traditional:
                table[ord(traditional)] = first
    return table


def normalize(text: str) -> str:
    """The matching form of a text (see the module docstring)."""
    table = _fold_table()
    text = unicodedata.normalize("NFKC", text.translate(table)).casefold()
    text = unicodedata.normalize("NFD", text)
    text = _DIACRITICS.sub("", text)
    text = _HARAKAT.sub("", text.translate(table))
    text = _STRAY_HAMZA.sub("", text)
    return unicodedata.normalize("NFC", text)


def is_han(token: str) -> bool:
    return bool(token) and _HAN_CHAR.match(token[-1]) is not None


# Tokens --------------------------------------------------------------------------------

@cache
def _han_table() -> dict[int, str]:
    """Traditional to simplified, and compatibility ideographs to unified ones: the
    normal form of a Han character, always one character."""
    table = {code: value for code, value in _fold_table().items()
             if value and _HAN_CHAR.match(chr(code))}
    for start, end in ((0xF900, 0xFB00), (0x2F800, 0x2FA20)):
        for code in range(start, end):
            normal = unicodedata.normalize("NFKC", chr(code))
            if normal != chr(code) and len(normal) == 1:
                table[code] = table.get(ord(normal), normal)
    return table


def _han_tokens(run: str, offset: int) -> Iterator[Token]:
    normal = run.translate(_han_table())
    if len(normal) == 1:
        yield Token(normal, offset, offset + 1)
        return
    if " " in run or "\n" in run or "\t" in run or "\u3000" in run or "\r" in run:
        places = [i for i, c in enumerate(run) if not c.isspace()]
    else:
        places = list(range(len(run)))
    for i, j in itertools.pairwise(places):
        yield Token(normal[i] + normal[j], offset + i, offset + j + 1)
    last = places[-1]
    yield Token(normal[last], offset + last, offset + last + 1)


@lru_cache(maxsize=200_000)
def _word_parts(raw: str) -> tuple[str, ...]:
    word = normalize(raw)
    if any(c in _APOSTROPHES for c in word):
        word = "".join(c for c in word if c not in _APOSTROPHES)
    # NFKC can turn a letter-like character into ASCII punctuation or spaces (⑴ → "(1)");
    # the index splits only at spaces, so split here the same way.
    parts = _ASCII_SEPARATORS.split(word) if _ASCII_SEPARATORS.search(word) else (word,)
    return tuple(p for p in parts if p and len(p) <= MAX_TOKEN)


def iter_tokens(text: str) -> Iterator[Token]:
    """Tokens in text order, lazily (highlighting stops early)."""
    for match in _scanner().finditer(text):
        if match.lastgroup == "han":
            yield from _han_tokens(match.group(), match.start())
        else:
            start, end = match.span()
            for part in _word_parts(match.group()):
                yield Token(part, start, end)


def tokens(text: str) -> list[Token]:
    """The exact token stream of a text, with offsets into it."""
    return list(iter_tokens(text))


def query_tokens(term: str) -> list[str]:
    """A query term's tokens: the same pipeline, minus the unigram that closes a final Han
    run of two or more characters (a term's last character need not end a run in the
    document). A final single-character Han token is meant as a prefix: the caller
    searches it as `X*`."""
    found = tokens(term)
    if (len(found) >= 2 and is_han(found[-1].text) and len(found[-1].text) == 1
            and len(found[-2].text) == 2 and is_han(found[-2].text)
            and found[-2].end == found[-1].end):
        found.pop()
    return [t.text for t in found]


# Words (jieba) -------------------------------------------------------------------------

@cache
def _jieba() -> jieba.Tokenizer:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    segmenter = jieba.Tokenizer()
    segmenter.initialize()
    return segmenter


def _han_runs(text: str) -> Iterator[str]:
    for match in _scanner().finditer(text):
        if match.lastgroup == "han":
            yield "".join(match.group().split()).translate(_han_table())


def words(text: str) -> list[str]:
    """Chinese words of a text (jieba's search mode over each Han run), for ranking."""
    segmenter = _jieba()
    found: list[str] = []
    for run in _han_runs(text):
        if len(run) >= 2:
            found.extend(w for w in segmenter.cut_for_search(run, HMM=True) if len(w) >= 2)
    return found


def query_words(term: str) -> list[str]:
    """The words of a query term's Han runs (jieba's accurate mode), for ranking."""
    segmenter = _jieba()
    found: list[str] = []
    for run in _han_runs(term):
        found.extend(w for w in segmenter.cut(run, HMM=True) if len(w) >= 2)
    return found


# Stems (Snowball) ----------------------------------------------------------------------

_ENGLISH_WORD = re.compile("[a-z]{3,}")


@cache
def _stemmer() -> Any:
    import snowballstemmer

    return snowballstemmer.stemmer("english")


@lru_cache(maxsize=100_000)
def stem(token: str) -> str:
    """The English stem of a normalized token; other tokens are their own stem."""
    if not _ENGLISH_WORD.fullmatch(token):
        return token
    return str(_stemmer().stemWord(token))


def stems(found: list[Token]) -> list[str]:
    """The stems that differ from their word, for the separate stem stream."""
    return [s for t in found if "a" <= t.text[0] <= "z" and (s := stem(t.text)) != t.text]
