"""Which languages a document is written in, offline and in about a millisecond.

A leaked cache mixes Chinese and Uyghur in one file, so the answer is a main language
plus the share of each language present. The work goes in three steps:

1. Letters are counted per writing system (Unicode blocks; written here by hand, there
   is nothing to borrow for a dozen ranges).
2. Each writing system with a real share is narrowed to a language by the letters
   specific to each language that uses it (written here by hand, because no offline
   detector knows Uyghur, and the rules are short): Arabic script -> ug, ar, fa, ur, ps,
   ckb, kk, ky; Cyrillic -> ru, uk, be, bg, sr, mk, kk, ky, tt, ba, tg, uz, mn; Han ->
   zh (Simplified or Traditional, by the characters that differ between the two in
   OpenCC's conversion tables) or ja when kana is present.
3. Latin-script text goes to lingua (lingua-language-detector, Apache-2.0; its models
   ship inside the wheel and are not pickles), restricted to a few dozen languages and
   run in its low-accuracy (trigram) mode, which keeps it near 70 MiB and under a
   millisecond for a kilobyte; Uzbek and Uyghur in Latin letters, which lingua does not
   know, are told first by their apostrophe letters and function words.

Long texts are sampled: 8,000 characters taken from four places in the document (about
20 KB of Chinese or Uyghur in UTF-8).
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lingua import LanguageDetector

__all__ = ["Language", "detect"]

SAMPLE_CHARS = 8_000
_LATIN_CHARS = 500
_VARIANT_CHARS = 3_000  # what lingua sees; more costs time and changes nothing
_MIN_LETTERS = 3
_MIN_SHARE = 0.1  # a script with less of the letters is a quotation, not a language
_MIN_COUNT = 10

# Letters of each writing system, as code point ranges.
_RANGES: dict[str, tuple[tuple[int, int], ...]] = {
    "Hani": ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x3134F)),
    "Kana": ((0x3041, 0x309F), (0x30A0, 0x30FA), (0x30FC, 0x30FF), (0x31F0, 0x31FF),
             (0xFF66, 0xFF9D)),  # not U+30FB, the middle dot Chinese uses too
    "Hang": ((0x1100, 0x11FF), (0x3131, 0x318E), (0xAC00, 0xD7A3)),
    "Arab": ((0x0620, 0x064A), (0x066E, 0x06D5), (0x06EE, 0x06EF), (0x06FA, 0x06FF),
             (0x0750, 0x077F), (0x08A0, 0x08FF)),
    "Cyrl": ((0x0400, 0x0481), (0x048A, 0x052F)),
    "Latn": ((0x41, 0x5A), (0x61, 0x7A), (0xC0, 0xD6), (0xD8, 0xF6), (0xF8, 0x24F),
             (0x1E00, 0x1EFF)),
    "Grek": ((0x0386, 0x03FF), (0x1F00, 0x1FFC)),
    "Hebr": ((0x05D0, 0x05EA),),
    "Thai": ((0x0E01, 0x0E4E),),
    "Deva": ((0x0900, 0x0963), (0x0971, 0x097F)),
    "Tibt": ((0x0F40, 0x0FBC),),
    "Mong": ((0x1820, 0x18AA),),
    "Geor": ((0x10A0, 0x10FF),),
    "Armn": ((0x0531, 0x0587),),
    "Ethi": ((0x1200, 0x137C),),
}
# One ASCII tag per script: the sample is translated to tags in one pass and each
# script counted with str.count, many times faster than a regular expression per script.
_TAGS = {script: chr(ord("A") + i) for i, script in enumerate(_RANGES)}


def _runs(script: str) -> re.Pattern[str]:
    ranges = "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in _RANGES[script])
    return re.compile(f"[{ranges}]+")


_LETTER_RUNS = {script: _runs(script) for script in ("Hani", "Arab", "Cyrl", "Latn")}


@cache
def _tag_table() -> str:
    """A translation table over the BMP: each letter to its script's tag, else a space."""
    table = [" "] * 0x10000
    for script, ranges in _RANGES.items():
        for lo, hi in ranges:
            if lo < 0x10000:
                table[lo:min(hi, 0xFFFF) + 1] = [_TAGS[script]] * (min(hi, 0xFFFF) + 1 - lo)
    return "".join(table)


# Scripts used by one language only (as far as these caches go).
_ONE_LANGUAGE = {"Hang": ("ko", "Kore"), "Grek": ("el", "Grek"), "Hebr": ("he", "Hebr"),
                 "Thai": ("th", "Thai"), "Deva": ("hi", "Deva"), "Tibt": ("bo", "Tibt"),
                 "Mong": ("mn", "Mong"), "Geor": ("ka", "Geor"), "Armn": ("hy", "Armn"),
                 "Ethi": ("am", "Ethi")}
_PRESENTATION_FORMS = re.compile("[\ufb50-\ufdff\ufe70-\ufefc]")


@dataclass(frozen=True)
class Language:
    """The main language of a text and every language with a real share of it.

    `code` is ISO 639-1 where there is one ("zh", "ug", "en"), else ISO 639-3, and "und"
    when the text has no words. `script` is ISO 15924 ("Hans", "Hant", "Arab", "Latn").
    `languages` lists (code, share of letters) for each language present, largest first.
    """

    code: str
    script: str
    confidence: float
    variant: str | None = None  # "simplified" or "traditional", for Chinese
    languages: tuple[tuple[str, float], ...] = ()


UNDETERMINED = Language("und", "Zyyy", 0.0)


@dataclass(frozen=True)
class _Part:
    code: str
    script: str
    confidence: float
    letters: int
    variant: str | None = None


def detect(text: str) -> Language:
    """The languages of `text`; "und" when it has no letters (empty, numbers, symbols)."""
    sample = _sample(text)
    if _PRESENTATION_FORMS.search(sample):
        # Old Uyghur and Arabic software stored the shaped glyph forms; fold them.
        sample = unicodedata.normalize("NFKC", sample)
    tagged = sample.translate(_tag_table())
    counts = {script: n for script, tag in _TAGS.items() if (n := tagged.count(tag))}
    total = sum(counts.values())
    if total < _MIN_LETTERS:
        return UNDETERMINED
    han, kana = counts.pop("Hani", 0), counts.pop("Kana", 0)
    largest = max(han + kana, *counts.values(), 0)

    def minor(count: int) -> bool:
        # Too little to be listed: not worth telling which language it is.
        return count < largest and (count < total * _MIN_SHARE or count < _MIN_COUNT)

    parts: list[_Part] = []
    if han + kana and not minor(han + kana):
        parts.append(_han(sample, han, kana))
    for script, count in counts.items():
        if minor(count):
            continue
        if script in _ONE_LANGUAGE:
            code, iso = _ONE_LANGUAGE[script]
            parts.append(_Part(code, iso, 0.95, count))
        elif script == "Arab":
            parts.append(_arabic(sample, count))
        elif script == "Cyrl":
            parts.append(_cyrillic(sample, count))
        elif script == "Latn":
            parts.append(_latin(sample, count))
    if not parts:
        return UNDETERMINED
    letters: Counter[str] = Counter()
    for part in parts:
        letters[part.code] += part.letters
    shares = {code: n / total for code, n in letters.most_common()}
    main = max(parts, key=lambda part: part.letters)
    listed = tuple((code, round(share, 3)) for code, share in shares.items()
                   if share >= _MIN_SHARE or code == main.code)
    confidence = round(main.confidence * min(1.0, shares[main.code] + 0.2), 3)
    return Language(main.code, main.script, confidence, main.variant, listed)


def _sample(text: str) -> str:
    if len(text) <= SAMPLE_CHARS:
        return text
    piece = SAMPLE_CHARS // 4
    step = (len(text) - piece) // 3
    return "\n".join(text[i * step:i * step + piece] for i in range(4))


# --- Han: Chinese (Simplified / Traditional) or Japanese ------------------------------

@cache
def _variant_sets() -> tuple[frozenset[str], frozenset[str]]:
    """Characters only Simplified and only Traditional Chinese write, from OpenCC."""
    def changed(name: str) -> frozenset[str]:
        table = resources.files("opencc") / "dictionary" / name
        out = set()
        for line in table.read_text(encoding="utf-8").splitlines():
            source, _, targets = line.partition("\t")
            if len(source) == 1 and targets and source not in targets.split():
                out.add(source)
        return frozenset(out)
    return changed("STCharacters.txt"), changed("TSCharacters.txt")


def _han(sample: str, han_count: int, kana_count: int) -> _Part:
    letters = han_count + kana_count
    # Chinese quotes the odd katakana name; Japanese prose is a third kana or more.
    if kana_count >= max(2, 0.1 * letters):
        return _Part("ja", "Jpan", 0.95, letters)
    simplified_only, traditional_only = _variant_sets()
    han = "".join(_LETTER_RUNS["Hani"].findall(sample))
    seen = Counter(han[:_VARIANT_CHARS])
    simplified = sum(n for ch, n in seen.items() if ch in simplified_only)
    traditional = sum(n for ch, n in seen.items() if ch in traditional_only)
    if simplified == traditional:
        return _Part("zh", "Hani", 0.9, letters)
    margin = abs(simplified - traditional) / (simplified + traditional)
    confidence = 0.9 + 0.09 * margin
    if simplified > traditional:
        return _Part("zh", "Hans", confidence, letters, "simplified")
    return _Part("zh", "Hant", confidence, letters, "traditional")


# --- Arabic script ------------------------------------------------------------------

_ARABIC_MARKERS = {
    # Kazakh in China writes a high hamza (U+0674) and its ligated vowels.
    "kk": "\u0674\u0675\u0676\u0677\u0678",
    "ky": "\u06c5\u06c9",  # ۅ ۉ
    "ckb": "\u06ce\u0695\u06b5",  # ێ ڕ ڵ
    "ps": "\u067c\u0689\u0693\u0696\u069a\u06ab\u0681\u0685\u06cd\u06bc",  # ټ ډ ړ ږ ښ ګ ځ څ ۍ ڼ
    "ur": "\u06d2\u0679\u0688\u0691\u06ba",  # ے ٹ ڈ ڑ ں
    "ug": "\u06d0\u06c6\u06c8\u06d5",  # ې ۆ ۈ ە: Uyghur writes every vowel
    "fa": "\u06cc\u06a9",  # ی ک: Persian yeh and keheh (Arabic writes ي ك)
}
# Thresholds as shares of the Arabic letters, tried in this order: the rarer and more
# specific a marker, the earlier and lower.
_ARABIC_ORDER = (("kk", 0.005), ("ky", 0.005), ("ckb", 0.01), ("ps", 0.01), ("ur", 0.01),
                 ("ug", 0.03), ("fa", 0.02))
# Uyghur writes ى (i) inside words; Arabic writes it only at the end.
_INNER_ALEF_MAKSURA = re.compile("\u0649(?=[\u0620-\u06d5])")


def _arabic(sample: str, total: int) -> _Part:
    confidence = min(0.99, 0.6 + total / 250)
    for code, threshold in _ARABIC_ORDER:
        found = sum(sample.count(ch) for ch in _ARABIC_MARKERS[code])
        if code == "ug" and found < threshold * total:
            found += len(_INNER_ALEF_MAKSURA.findall(sample))
        if found >= max(1, threshold * total):
            return _Part(code, "Arab", confidence, total)
    return _Part("ar", "Arab", confidence, total)


# --- Cyrillic -----------------------------------------------------------------------

# (language, letters of which at least one must be present, letters that rule it out),
# in order from the most to the least specific.
_CYRILLIC_RULES: tuple[tuple[str, str, str], ...] = (
    ("kk", "ұ", ""),
    ("tt", "җ", ""),
    ("ba", "ҙҡҫ", ""),
    ("tg", "ӣӯҷ", ""),
    ("kk", "ә", ""),
    ("uz", "ҳ", ""),
    ("uz", "ў", "ыі"),
    ("be", "ў", ""),
    ("uk", "єїґ", ""),
    ("kk", "қғ", ""),
    ("uk", "і", ""),
    ("ky", "ң", ""),
    ("mn", "өү", ""),
    ("mk", "ѓќѕ", ""),
    ("sr", "ђћјљњџ", ""),
)

_CYRILLIC_LETTERS = frozenset("".join(w + x for _, w, x in _CYRILLIC_RULES) + "ъыэ")


def _cyrillic(sample: str, total: int) -> _Part:
    counts = {ch: sample.count(ch) + sample.count(ch.upper()) for ch in _CYRILLIC_LETTERS}
    confidence = min(0.99, 0.6 + total / 250)
    # A Russian text may quote a name in another language: demand a real share.
    needed = max(1, round(0.002 * total))
    for code, wanted, excluded in _CYRILLIC_RULES:
        if sum(counts[ch] for ch in wanted) >= needed and not any(
                counts[ch] >= needed for ch in excluded):
            return _Part(code, "Cyrl", confidence, total)
    # Bulgarian has no ы or э and writes ъ as a vowel; Russian barely uses ъ.
    if counts["ъ"] > 0.005 * total and counts["ы"] + counts["э"] <= 0.001 * total:
        return _Part("bg", "Cyrl", confidence * 0.9, total)
    return _Part("ru", "Cyrl", confidence * 0.95, total)


# --- Latin script -------------------------------------------------------------------

_LATIN_WORDS = 300
_UZBEK_LETTERS = re.compile(r"[oOgG][ʻ‘'’`]")
_FUNCTION_WORDS = {
    "uz": frozenset({"va", "bilan", "uchun", "bu", "ham", "edi", "yoki", "hamda", "boʻlib",
                     "qilish", "esa"}),
    "ug": frozenset({"we", "bilen", "üchün", "bu", "hem", "idi", "yaki", "bolup", "qilish",
                     "bolsa"}),
}
# Few candidates keep lingua fast and short texts right: every extra language is one more
# way to misread a short English line (as Tagalog or Croatian, say).
_LINGUA_LANGUAGES = (
    "ENGLISH", "FRENCH", "GERMAN", "SPANISH", "PORTUGUESE", "ITALIAN", "DUTCH", "TURKISH",
    "AZERBAIJANI", "POLISH", "CZECH", "HUNGARIAN", "SWEDISH", "INDONESIAN", "VIETNAMESE",
)


@cache
def _lingua() -> LanguageDetector:
    from lingua import Language as LinguaLanguage
    from lingua import LanguageDetectorBuilder
    chosen = [getattr(LinguaLanguage, name) for name in _LINGUA_LANGUAGES]
    return LanguageDetectorBuilder.from_languages(*chosen).with_low_accuracy_mode().build()


def _latin(sample: str, count: int) -> _Part:
    words = [m.group() for m in itertools.islice(_LETTER_RUNS["Latn"].finditer(sample),
                                                 _LATIN_WORDS)]
    lowered = [w.lower() for w in words]
    for code in ("uz", "ug"):
        found = [w for w in lowered if w in _FUNCTION_WORDS[code]]
        # oʻ and gʻ are Uzbek letters; with one function word they settle it.
        if code == "uz" and found and len(_UZBEK_LETTERS.findall(sample)) >= 2:
            return _Part(code, "Latn", 0.8, count)
        # Two different words: English "we" or Turkish "bu" alone decide nothing.
        if len(set(found)) >= 2 and len(found) >= 3 and len(found) >= 0.04 * len(words):
            return _Part(code, "Latn", 0.8, count)
    text = " ".join(words)[:_LATIN_CHARS]
    if len(text) < 10:
        return _Part("und", "Latn", 0.0, count)
    values = _lingua().compute_language_confidence_values(text)
    if not values or values[0].value <= 0.0:
        return _Part("und", "Latn", 0.0, count)
    best = values[0]
    return _Part(best.language.iso_code_639_1.name.lower(), "Latn", round(best.value, 3),
                 count)
