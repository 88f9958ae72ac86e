"""Decode the bytes of a text file whose encoding nobody wrote down.

Detection is chardet's (7.x, 0BSD; bigram models shipped in the wheel as plain binary
tables, no pickle), measured best of the candidates on the chardet test corpus (see
bench/bench_encoding.py). What is written here by hand is the policy around it:

- byte order marks, and UTF-16/32 without one, are settled first from the bytes alone;
- text that is valid UTF-8 is UTF-8, whatever else it might also be;
- a declared encoding (an XML or HTML header, an e-mail part) is believed only when it
  decodes the sample cleanly, since declarations in leaked files are often wrong;
- a detected legacy encoding is widened to the superset that Windows actually wrote
  (GB2312/GBK -> GB18030, Big5 -> Big5-HKSCS, Shift-JIS -> cp932, EUC-KR -> cp949,
  ISO-8859-1 -> cp1252), so bytes past the detection sample still decode;
- detection looks at a bounded sample (the start, plus the first non-ASCII stretch when
  the start is plain ASCII), then the whole input is decoded with the winner; bytes that
  do not decode are replaced with U+FFFD and counted.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

import chardet

__all__ = ["SAMPLE_SIZE", "Decoded", "decode", "looks_binary", "sniff_utf16_32"]

SAMPLE_SIZE = 256 * 1024
_NON_ASCII = re.compile(rb"[\x80-\xff]")
# Control bytes that do not occur in text (tab, newline, form feed, CR and ESC do; ESC
# starts ISO-2022 shifts and terminal colours in logs).
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f\x7f]")

# Blocks that real text is written in; random byte pairs fall outside them most of the time.
_COMMON_BLOCKS = re.compile(
    "[\t\n\r\x20-\x7e\u00a0-\u024f\u0370-\u052f\u0590-\u06ff\u0750-\u077f"
    "\u0900-\u097f\u0e00-\u0e7f\u1e00-\u1eff\u2000-\u206f\u20a0-\u20bf\u2100-\u21ff"
    "\u2460-\u25ff\u3000-\u312f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
    "\ufb50-\ufdff\ufe30-\ufe4f\ufe70-\ufeff\uff00-\uffef]")

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE, whose BOM is its prefix
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# The encoding that files labelled or detected as the key were really written in; each
# value decodes every byte sequence of its key to the same or an equivalent character.
_SUPERSETS = {
    "ascii": "utf-8",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "hz": "gb18030",
    "big5": "big5hkscs",
    "cp950": "big5hkscs",
    "shift_jis": "cp932",
    "euc_kr": "cp949",
    "latin_1": "cp1252",
    "iso8859-1": "cp1252",
    "tis-620": "cp874",
}
# Mainframe code pages: never seen in these caches, and a wrong guess of one turns
# every ASCII letter into garbage.
_EBCDIC = ("cp273", "cp424", "cp500", "cp875", "cp1026", "cp1140")
# Second choices when the first does not decode the sample cleanly.
_FALLBACKS = {
    "cp932": ("shift_jis_2004",),
    "big5hkscs": ("cp950",),
    "cp1252": ("latin-1",),
    "cp874": ("tis-620",),
    "euc_jp": ("euc_jis_2004",),
}


@dataclass(frozen=True)
class Decoded:
    """Text decoded from bytes, with the encoding used and how sure the choice was."""

    text: str
    encoding: str  # a Python codec name
    confidence: float  # 0..1
    replaced: int = 0  # characters that did not decode and became U+FFFD


def _codec(name: str | None) -> str | None:
    """The canonical Python codec name, or None for a name Python does not know."""
    if not name:
        return None
    try:
        canonical = codecs.lookup(name.strip().lower()).name
    except LookupError:
        return None
    return _SUPERSETS.get(canonical, canonical)


def sniff_utf16_32(sample: bytes) -> str | None:
    """UTF-16 or UTF-32 without a byte order mark, or None.

    Mostly-ASCII text in these encodings has a NUL beside almost every character. Text in
    one non-Latin script has none, but its UTF-16 units share a high byte that is a C0
    control (0x04 for Cyrillic, 0x06 for Arabic) or decode to characters of a few common
    blocks, which bytes of an 8-bit encoding almost never do.
    """
    sample = sample[: 8192 - 8192 % 4]
    if len(sample) < 8:
        return None
    quads = len(sample) // 4
    counts = [sample[i::4].count(0) for i in range(4)]
    # UTF-32: the two high bytes of every character are NUL (all of the Basic
    # Multilingual Plane), the low byte almost never.
    if counts[2] >= 0.9 * quads and counts[3] >= 0.9 * quads and counts[0] < 0.1 * quads:
        return "utf-32-le"
    if counts[0] >= 0.9 * quads and counts[1] >= 0.9 * quads and counts[3] < 0.1 * quads:
        return "utf-32-be"
    even, odd = counts[0] + counts[2], counts[1] + counts[3]
    pairs = len(sample) // 2
    if odd >= 0.3 * pairs and even < 0.05 * pairs:
        return "utf-16-le"
    if even >= 0.3 * pairs and odd < 0.05 * pairs:
        return "utf-16-be"
    if _CONTROL.search(sample):
        return _plausible_utf16(sample, 0.95)
    return None


def _plausible_utf16(sample: bytes, threshold: float) -> str | None:
    """The UTF-16 byte order under which `sample` reads as text of common blocks."""
    scores: dict[str, float] = {}
    for encoding in ("utf-16-le", "utf-16-be"):
        try:
            text = codecs.getincrementaldecoder(encoding)("strict").decode(sample, final=False)
        except UnicodeDecodeError:
            continue
        if len(text) >= 16:
            scores[encoding] = len(_COMMON_BLOCKS.findall(text)) / len(text)
    best = max(scores, key=lambda name: scores[name], default=None)
    if best is None or scores[best] < threshold:
        return None
    return best


def looks_binary(sample: bytes) -> bool:
    """True when the bytes are not text in any encoding (NULs or control bytes)."""
    if not sample:
        return False
    if sample.startswith(tuple(bom for bom, _ in _BOMS)) or sniff_utf16_32(sample):
        return False
    if b"\x00" in sample:
        # One stray NUL in a long log happens; many do not.
        return sample.count(b"\x00") > max(1, len(sample) // 1000)
    return len(_CONTROL.findall(sample)) > len(sample) * 0.05


def _decodes(sample: bytes, encoding: str, truncated: bool) -> bool:
    """True when `sample` decodes strictly (an incomplete last character is allowed
    when the sample was cut from a longer input)."""
    try:
        codecs.getincrementaldecoder(encoding)("strict").decode(sample, final=not truncated)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def _mostly_utf8(sample: bytes) -> bool:
    """UTF-8 with a few damaged bytes (a cut, a stray byte from another encoding).

    Text in a legacy multi-byte encoding read as UTF-8 yields almost nothing but errors;
    real UTF-8 yields many valid multi-byte characters per error.
    """
    text = sample.decode("utf-8", "replace")
    errors = text.count("\ufffd")
    wide = len(text) - len(text.encode("ascii", "ignore")) - errors
    return wide >= 20 * errors


def _sample(data: bytes) -> bytes:
    """The bytes to detect on: the start, or the first stretch with non-ASCII in it."""
    head = data[:SAMPLE_SIZE]
    if len(data) <= SAMPLE_SIZE or _NON_ASCII.search(head):
        return head
    found = _NON_ASCII.search(data, SAMPLE_SIZE)
    if found is None:
        return head
    # Start at a line boundary so a multi-byte character is not cut in two.
    start = data.rfind(b"\n", max(0, found.start() - 4096), found.start()) + 1
    return data[start:start + SAMPLE_SIZE]


def _choose(sample: bytes, truncated: bool, declared: str | None) -> tuple[str, float]:
    for bom, encoding in _BOMS:
        if sample.startswith(bom):
            return encoding, 1.0
    wide = sniff_utf16_32(sample)
    if wide:
        return wide, 0.95
    if not _NON_ASCII.search(sample):
        # ASCII (or ISO-2022 escapes, which only use 7-bit bytes).
        if b"\x1b$" in sample or b"\x1b(" in sample:
            guess = chardet.detect(sample, max_bytes=len(sample))
            found = _codec(guess["encoding"])
            if found and _decodes(sample, found, truncated):
                return found, float(guess["confidence"] or 0.5)
        return "utf-8", 1.0
    if _decodes(sample, "utf-8", truncated):
        return "utf-8", 0.99
    if _mostly_utf8(sample):
        return "utf-8", 0.8
    wanted = _codec(declared)
    if wanted and _decodes(sample, wanted, truncated):
        return wanted, 0.9
    guess = chardet.detect(sample, max_bytes=len(sample), exclude_encodings=_EBCDIC)
    found = _codec(guess["encoding"])
    confidence = float(guess["confidence"] or 0.0)
    if confidence < 0.2:
        # Nothing fitted well. Perhaps UTF-16 of a CJK script, whose bytes need not
        # include a control byte; chardet's own "no match" answer is cp1252.
        wide = _plausible_utf16(sample, 0.98)
        if wide:
            return wide, 0.6
    if found:
        for candidate in (found, *_FALLBACKS.get(found, ())):
            if _decodes(sample, candidate, truncated):
                return candidate, confidence
        return found, confidence * 0.5
    return "cp1252", 0.1


def decode(data: bytes, declared: str | None = None, *, truncated: bool = False) -> Decoded:
    """Decode `data`, detecting its encoding; `declared` is a hint from a header.

    `truncated` says `data` was cut from a longer file, so a character cut in two at the
    end is dropped rather than replaced. Never raises for bad input: bytes that do not
    decode become U+FFFD and are counted in `replaced`.
    """
    if not data:
        return Decoded("", "utf-8", 1.0)
    sample = _sample(data)
    encoding, confidence = _choose(sample, truncated or len(sample) < len(data), declared)
    try:
        return Decoded(_decode_all(data, encoding, "strict", truncated), encoding, confidence)
    except UnicodeDecodeError:
        pass
    text = _decode_all(data, encoding, "replace", truncated)
    return Decoded(text, encoding, confidence, replaced=text.count("\ufffd"))


def _decode_all(data: bytes, encoding: str, errors: str, truncated: bool) -> str:
    if not truncated:
        return data.decode(encoding, errors)
    return codecs.getincrementaldecoder(encoding)(errors).decode(data, final=False)
