"""Rich Text Format (.rtf, and the RTF files Word saves as .doc).

A small RTF reader written here because the available library (striprtf) decodes
\\'hh bytes with the document code page only: Chinese RTF that declares \\ansicpg1252
and marks its Chinese runs with a font of \\fcharset134 (GBK), as Word and WPS write it,
comes out as mojibake. This reader tracks the current font's character set, collects
consecutive \\'hh bytes so double-byte characters decode whole, honours \\uN with its
\\ucN fallback count, skips \\bin data and non-text destinations, and reads the \\info
group into metadata.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from trove.errors import ExtractionError
from trove.extract.base import Extractor
from trove.extract.records import Context, Extraction

TOKEN = re.compile(
    rb"\\([a-zA-Z]{1,32})(-?\d{1,10})? ?"  # control word with optional parameter
    rb"|\\'([0-9a-fA-F]{2})"  # a byte in the current code page
    rb"|\\([^a-zA-Z'])"  # control symbol
    rb"|([{}])"
    rb"|[\r\n]+"  # line breaks in the source carry no meaning
    rb"|([^\\{}\r\n]+)",
    re.DOTALL)
MAX_DEPTH = 512

# \fcharset values ([MS-RTF] font table) → Python codecs.
CHARSETS = {0: "cp1252", 2: None, 77: "mac_roman", 128: "cp932", 129: "cp949",
            130: "johab", 134: "gbk", 136: "big5", 161: "cp1253", 162: "cp1254",
            163: "cp1258", 177: "cp1255", 178: "cp1256", 186: "cp1257", 204: "cp1251",
            222: "cp874", 238: "cp1250", 255: "cp437"}
SKIP_DESTINATIONS = frozenset({
    "colortbl", "stylesheet", "pict", "objdata", "fldinst", "listtable",
    "listoverridetable", "revtbl", "rsidtbl", "filetbl", "xmlnstbl", "themedata",
    "colorschememapping", "datastore", "latentstyles", "pgdsctbl", "private", "nonshppict",
    "sp", "atnauthor", "atnid", "atntime", "atnref", "bkmkstart", "bkmkend", "generator",
    "listtext", "pntext", "pntxta", "pntxtb", "template", "docvar", "fchars", "lchars",
    "mmathPr", "wgrffmtfilter", "passwordhash", "xmlopen", "userprops", "protusertbl"})
# Destinations marked \* that hold text a reader sees.
KEEP_STARRED = frozenset({"annotation", "shptxt", "nesttableprops"})
INFO_TEXT = {"title": "title", "subject": "subject", "author": "author",
             "operator": "last_modified_by", "keywords": "keywords",
             "doccomm": "description", "company": "company", "manager": "manager",
             "category": "category"}
INFO_NUMBERS = {"version": "revision", "nofpages": "page_count", "nofwords": "word_count"}
INFO_DATES = {"creatim": "created", "revtim": "modified", "printim": "printed"}
SYMBOLS = {"par": "\n", "line": "\n", "sect": "\n", "page": "\n", "tab": "\t", "cell": "\t",
           "row": "\n", "nestcell": "\t", "nestrow": "\n", "emdash": "\u2014",
           "endash": "\u2013", "bullet": "\u2022", "lquote": "\u2018", "rquote": "\u2019",
           "ldblquote": "\u201c", "rdblquote": "\u201d", "emspace": "\u2003",
           "enspace": "\u2002", "qmspace": "\u2005"}
CONTROL_SYMBOLS = {"~": "\u00a0", "_": "\u2011", "-": "", "\\": "\\", "{": "{", "}": "}"}


@dataclass(frozen=True)
class State:
    """What one group inherits: where its text goes and how its bytes decode."""

    dest: str | None = None  # None: body text; "skip"; or a metadata key
    codec: str | None = None  # the current font's code page; None: the document's
    uc: int = 1  # characters of fallback after each \uN


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


class RtfReader:
    def __init__(self) -> None:
        self.doc_codec = "cp1252"
        self.fonts: dict[int, str | None] = {}
        self.font_def: int | None = None  # the font being defined inside \fonttbl
        self.default_font: int | None = None
        self.out: dict[str, list[str]] = {"": []}
        self.dates: dict[str, dict[str, int]] = {}
        self.numbers: dict[str, int] = {}
        self.pending = bytearray()
        self.pending_key: tuple[str | None, str] = (None, "cp1252")

    def _flush(self) -> None:
        if self.pending:
            dest, codec = self.pending_key
            text = bytes(self.pending).decode(codec, errors="replace")
            self.out.setdefault(dest or "", []).append(text)
            self.pending.clear()

    def _bytes(self, state: State, data: bytes) -> None:
        if state.dest == "skip" or state.dest in INFO_DATES or state.dest == "fonttbl":
            return
        key = (state.dest, state.codec or self.doc_codec)
        if key != self.pending_key:
            self._flush()
            self.pending_key = key
        self.pending.extend(data)

    def _text(self, state: State, text: str) -> None:
        if state.dest == "skip" or state.dest in INFO_DATES or state.dest == "fonttbl":
            return
        self._flush()
        self.out.setdefault(state.dest or "", []).append(text)

    def read(self, data: bytes) -> tuple[str, dict[str, Any]]:
        state = State()
        stack: list[State] = []
        star = False  # the group began with \*: skip it unless the destination is known
        skip_chars = 0  # fallback characters still to skip after a \uN
        pos, size = 0, len(data)
        while pos < size:
            match = TOKEN.match(data, pos)
            if match is None:
                pos += 1
                continue
            pos = match.end()
            word, param, hexbyte, symbol, brace, literal = match.groups()
            if brace is not None:
                skip_chars = 0
                if brace == b"{":
                    stack.append(state)
                    if len(stack) > MAX_DEPTH:
                        state = replace(state, dest="skip")
                    star = False
                elif stack:
                    if state.dest == "fonttbl" and stack[-1].dest != "fonttbl":
                        self.font_def = None
                    state = stack.pop()
                continue
            if hexbyte is not None:
                if skip_chars:
                    skip_chars -= 1
                else:
                    self._bytes(state, bytes([int(hexbyte, 16)]))
                continue
            if literal is not None:
                if skip_chars:
                    consumed = min(skip_chars, len(literal))
                    skip_chars -= consumed
                    literal = literal[consumed:]
                if literal:
                    self._bytes(state, literal)
                continue
            if symbol is not None:
                char = symbol.decode("latin-1")
                if char == "*":
                    star = True
                elif skip_chars:
                    skip_chars -= 1
                elif char in CONTROL_SYMBOLS:
                    self._text(state, CONTROL_SYMBOLS[char])
                continue
            if word is None:
                continue
            name = word.decode("ascii")
            value = int(param) if param is not None else None
            if name == "bin":
                pos += max(value or 0, 0)  # raw binary data: may contain anything
                continue
            if skip_chars and name not in {"u"}:
                skip_chars -= 1
                continue
            state, skip_chars = self._control(state, name, value, star, skip_chars)
            star = False
        self._flush()
        return self._result()

    def _control(self, state: State, name: str, value: int | None, star: bool,
                 skip_chars: int) -> tuple[State, int]:
        if name == "u" and value is not None:
            self._text(state, chr(value + 65536 if value < 0 else value))
            return state, state.uc
        if name == "uc" and value is not None:
            return replace(state, uc=max(0, min(value, 10))), skip_chars
        if name == "ansicpg" and value:
            self.doc_codec = _codec(f"cp{value}") or self.doc_codec
        elif name == "deff" and value is not None:
            self.default_font = value
        elif name == "fonttbl":
            return replace(state, dest="fonttbl"), skip_chars
        elif name == "f" and value is not None:
            if state.dest == "fonttbl":
                self.font_def = value
                self.fonts.setdefault(value, None)
            else:
                return replace(state, codec=self.fonts.get(value)), skip_chars
        elif name == "fcharset" and value is not None and self.font_def is not None:
            # Charset 0 means "ANSI": the document's own code page, not always cp1252.
            self.fonts[self.font_def] = None if value in (0, 1) else CHARSETS.get(value)
        elif name == "cpg" and value and self.font_def is not None:
            self.fonts[self.font_def] = _codec(f"cp{value}")
        elif name == "info":
            return replace(state, dest="info"), skip_chars
        elif state.dest == "info" and name in INFO_TEXT:
            self._flush()
            return replace(state, dest=INFO_TEXT[name]), skip_chars
        elif state.dest == "info" and name in INFO_DATES:
            self.dates[INFO_DATES[name]] = {}
            return replace(state, dest=name), skip_chars
        elif state.dest in INFO_DATES and name in {"yr", "mo", "dy", "hr", "min", "sec"}:
            self.dates[INFO_DATES[state.dest]][name] = value or 0
        elif state.dest == "info" and name in INFO_NUMBERS and value is not None:
            self.numbers[INFO_NUMBERS[name]] = value
        elif name in SKIP_DESTINATIONS or (
                star and state.dest != "fonttbl" and name not in KEEP_STARRED):
            return replace(state, dest="skip"), skip_chars
        elif name in SYMBOLS and state.dest is None:
            self._text(state, SYMBOLS[name])
        elif name == "plain" and self.default_font is not None:
            return replace(state, codec=self.fonts.get(self.default_font)), skip_chars
        return state, skip_chars

    def _result(self) -> tuple[str, dict[str, Any]]:
        def joined(key: str) -> str:
            text = "".join(self.out.get(key, []))
            # \uN values are UTF-16 code units: pair up surrogates.
            return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")

        body = joined("")
        lines = [line.rstrip() for line in body.replace("\x00", "").split("\n")]
        text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
        meta: dict[str, Any] = {}
        for key in INFO_TEXT.values():
            if (value := joined(key).strip()):
                meta[key] = value
        meta.update(self.numbers)
        if "revision" in meta:
            meta["revision"] = str(meta["revision"])
        for key, parts in self.dates.items():
            if parts.get("yr"):
                meta[key] = (f"{parts['yr']:04d}-{parts.get('mo', 1):02d}-"
                             f"{parts.get('dy', 1):02d}T{parts.get('hr', 0):02d}:"
                             f"{parts.get('min', 0):02d}:{parts.get('sec', 0):02d}")
        return text, meta


class RtfExtractor(Extractor):
    name = "rtf"
    mime_types = frozenset({"text/rtf", "application/rtf"})
    extensions = frozenset({".rtf"})
    magic = (b"{\\rtf",)
    score = 50

    def extract(self, path: Path, ctx: Context) -> Extraction:
        data = path.read_bytes()
        if not data.lstrip()[:5] == b"{\\rtf":
            raise ExtractionError("not an RTF document: no {\\rtf header")
        text, meta = RtfReader().read(data)
        return Extraction("extracted", text=text, metadata=meta)
