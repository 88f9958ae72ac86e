"""Legacy binary Office: Word 97-2003 (.doc), Excel 97-2003 (.xls), PowerPoint 97-2003 (.ppt).

Workbooks are read with xlrd, every sheet including hidden ones. Word and PowerPoint
text is decoded here by hand from the compound file's streams (read with olefile): no
permissively licensed, maintained Python library reads .doc or .ppt text, and the usual
command-line tools (antiword, catdoc) mangle Chinese. The parts implemented are small
and documented in [MS-DOC] and [MS-PPT]:

* .doc: the FIB at the start of the WordDocument stream names the table stream
  (0Table or 1Table) and the offset of the CLX there; the CLX's piece table maps
  character positions to 16-bit (UTF-16LE) or 8-bit (cp1252) runs of the WordDocument
  stream. Field codes are dropped and field results kept; the sub-documents after the
  main text (footnotes, headers, comments, endnotes, text boxes) follow it, labelled.
* .ppt: the "PowerPoint Document" stream is a tree of records; the text is in
  TextCharsAtom (UTF-16LE) and TextBytesAtom (8-bit) records. Master slides (template
  prompts like "Click to edit") are skipped.

Properties come from the SummaryInformation streams. Encrypted files (the FIB's
fEncrypted or fObfuscated flag, an Excel FILEPASS record, PowerPoint's EncryptedSummary
stream) raise `EncryptedError`.
"""

from __future__ import annotations

import array
import datetime as dt
import io
import re
import struct
import sys
import warnings
from pathlib import Path
from typing import Any

import olefile

from trove.errors import EncryptedError, ExtractionError
from trove.extract.base import Extractor
from trove.extract.records import Context, Extraction

DOC = "application/msword"
XLS = "application/vnd.ms-excel"
PPT = "application/vnd.ms-powerpoint"

# [MS-DOC] FibBase flags.
F_COMPLEX = 0x0004
F_ENCRYPTED = 0x0100
F_WHICH_TABLE = 0x0200
F_OBFUSCATED = 0x8000
NFIB_WORD97 = 0x00C1
FC_CLX_INDEX = 33  # position of fcClx/lcbClx in FibRgFcLcb97
FC_BTE_CHPX_INDEX = 12  # fcPlcfBteChpx: where character formatting is
SPRM_DELETED = 0x0800  # sprmCFRMarkDel
SPRM_OPERAND_SIZE = (1, 1, 2, 4, 2, 2, -1, 3)  # by the sprm's spra bits
# Sub-documents after the main text, in character-position order ([MS-DOC] 2.4.1).
SUBDOCS: tuple[tuple[str | None, int], ...] = (
    ("Footnotes", 4), ("Headers and footers", 5), (None, 6), ("Comments", 7),
    ("Endnotes", 8), ("Text boxes", 9), ("Header text boxes", 10))

# [MS-PPT] record types.
RT_TEXT_CHARS = 0x0FA0
RT_TEXT_BYTES = 0x0FA8
RT_SLIDE_LIST = 0x0FF0
RT_SLIDE_PERSIST = 0x03F3
RT_MAIN_MASTER = 0x03F8
RT_ENVIRONMENT = 0x03F2
RT_HANDOUT = 0x0FC9
RT_NOTES = 0x03F0
RT_NOTES_ATOM = 0x03F1
MAX_RECORD_DEPTH = 64

_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f]")


def _u16(data: bytes, pos: int) -> int:
    return int(struct.unpack_from("<H", data, pos)[0])


def _u32(data: bytes, pos: int) -> int:
    return int(struct.unpack_from("<I", data, pos)[0])


# cp1252 for the 8-bit pieces of Word text; its five undefined bytes map as Latin-1.
_CP1252 = {b: bytes([b]).decode("cp1252", errors="replace").replace("\ufffd", chr(b))
           for b in range(0x80, 0xA0)}


def _cp1252(data: bytes) -> str:
    return data.decode("latin-1").translate(_CP1252)


def codec(codepage: object) -> str:
    if not isinstance(codepage, int):
        return "cp1252"
    cp = codepage & 0xFFFF
    return {1200: "utf-16-le", 65001: "utf-8", 10000: "mac_roman", 20127: "ascii",
            28591: "latin-1"}.get(cp, f"cp{cp}")


def _decode(value: bytes, encoding: str) -> str:
    try:
        return value.decode(encoding)
    except (LookupError, UnicodeDecodeError):
        return value.decode("cp1252", errors="replace")


class WordFields:
    """Strips field codes from Word text, keeping results and collecting hyperlinks."""

    def __init__(self) -> None:
        self.urls: list[str] = []

    def clean(self, text: str) -> str:
        out: list[str] = []
        stack: list[list[str]] = []  # per open field: the characters of its code
        in_result: list[bool] = []
        for char in text:
            if char == "\x13":
                stack.append([])
                in_result.append(False)
            elif char == "\x14" and stack:
                in_result[-1] = True
                self._link("".join(stack[-1]))
            elif char == "\x15" and stack:
                if not in_result[-1]:
                    self._link("".join(stack[-1]))
                stack.pop()
                in_result.pop()
            elif stack and not in_result[-1]:
                stack[-1].append(char)
            elif all(in_result):
                out.append(char)
        return _word_controls("".join(out))

    def _link(self, code: str) -> None:
        parts = code.split('"')
        if code.strip().upper().startswith("HYPERLINK") and len(parts) >= 2 and parts[1]:
            self.urls.append(parts[1])


def _word_controls(text: str) -> str:
    text = text.replace("\x07\x07", "\t\n")  # end of the last cell, then end of the row
    for old, new in (("\r", "\n"), ("\x07", "\t"), ("\x0b", "\n"), ("\x0c", "\n"),
                     ("\x0e", "\n"), ("\x1e", "-"), ("\x1f", "")):
        text = text.replace(old, new)
    text = _CONTROL.sub("", text)
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")


def _pieces(word: bytes, clx: bytes) -> list[tuple[int, int, int, bool]]:
    """The piece table: (cp_start, cp_end, byte offset, compressed) per piece."""
    pos = 0
    while pos < len(clx):
        kind = clx[pos]
        if kind == 1:  # a Prc: property modifiers we do not need
            if pos + 3 > len(clx):
                break
            pos += 3 + _u16(clx, pos + 1)
        elif kind == 2:
            if pos + 5 > len(clx):
                break
            size = _u32(clx, pos + 1)
            plc = clx[pos + 5:pos + 5 + size]
            count = (len(plc) - 4) // 12
            if count <= 0:
                break
            cps = struct.unpack_from(f"<{count + 1}I", plc, 0)
            pieces = []
            for i in range(count):
                fc = _u32(plc, 4 * (count + 1) + 8 * i + 2)
                compressed = bool(fc & 0x40000000)
                offset = (fc & 0x3FFFFFFF) // 2 if compressed else fc & 0x3FFFFFFF
                pieces.append((cps[i], cps[i + 1], offset, compressed))
            return pieces
        else:
            break
    raise ExtractionError("corrupt Word document: no piece table in the CLX")


def _piece_text(word: bytes, pieces: list[tuple[int, int, int, bool]]) -> tuple[str, bool]:
    parts: list[str] = []
    complete = True
    for start, end, offset, compressed in pieces:
        count = max(0, end - start)
        size = count if compressed else 2 * count
        chunk = word[offset:offset + size]
        if len(chunk) < size:
            complete = False
        if compressed:
            parts.append(_cp1252(chunk))
        else:
            # One str character per 16-bit unit, surrogates unpaired for now, so that
            # string indices stay equal to character positions.
            units = array.array("H", chunk[:len(chunk) & ~1])
            if sys.byteorder == "big":
                units.byteswap()
            parts.append("".join(map(chr, units)))
    return "".join(parts), complete


def _pair(text: str) -> str:
    """Join the UTF-16 surrogate pairs left apart by `_piece_text`."""
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def _sprms(grpprl: bytes) -> dict[int, bytes]:
    """Single property modifiers of a CHPX: sprm → operand ([MS-DOC] 2.2.5.1)."""
    found: dict[int, bytes] = {}
    pos = 0
    while pos + 2 <= len(grpprl):
        sprm = _u16(grpprl, pos)
        pos += 2
        size = SPRM_OPERAND_SIZE[sprm >> 13]
        if size < 0:  # variable: the first byte is the length
            size = grpprl[pos] + 1 if pos < len(grpprl) else 0
        found[sprm] = grpprl[pos:pos + size]
        pos += size
    return found


def _deleted_ranges(word: bytes, table: bytes, counts: list[int], blob: int,
                    pieces: list[tuple[int, int, int, bool]]) -> list[tuple[int, int]]:
    """Character positions marked as tracked deletions (sprmCFRMarkDel in the CHPX FKPs)."""
    try:
        fc_bte = _u32(word, blob + 8 * FC_BTE_CHPX_INDEX)
        lcb_bte = _u32(word, blob + 8 * FC_BTE_CHPX_INDEX + 4)
        plc = table[fc_bte:fc_bte + lcb_bte]
        count = (len(plc) - 4) // 8
        deleted_fcs: list[tuple[int, int]] = []
        for i in range(max(count, 0)):
            page_no = _u32(plc, 4 * (count + 1) + 4 * i) & 0x3FFFFF
            page = word[page_no * 512:page_no * 512 + 512]
            if len(page) < 512:
                continue
            runs = page[511]
            fcs = struct.unpack_from(f"<{runs + 1}I", page, 0)
            for run in range(runs):
                offset = page[4 * (runs + 1) + run] * 2
                if offset == 0:
                    continue
                sprms = _sprms(page[offset + 1:offset + 1 + page[offset]])
                if sprms.get(SPRM_DELETED, b"\0")[:1] == b"\x01":
                    deleted_fcs.append((fcs[run], fcs[run + 1]))
    except (struct.error, IndexError):
        return []  # formatting we cannot read: keep all text as body text
    ranges: list[tuple[int, int]] = []
    for start, end, offset, compressed in pieces:
        width = 1 if compressed else 2
        fc_end = offset + (end - start) * width
        for a, b in deleted_fcs:
            lo, hi = max(a, offset), min(b, fc_end)
            if lo < hi:
                ranges.append((start + (lo - offset) // width,
                               start + (hi - offset + width - 1) // width))
    return sorted(ranges)


def _split_deleted(text: str, base: int, ranges: list[tuple[int, int]]
                   ) -> tuple[str, list[str]]:
    """Text without its deleted runs, and the deleted runs themselves."""
    kept: list[str] = []
    removed: list[str] = []
    pos = 0
    for start, end in ranges:
        lo, hi = max(start - base, pos), min(end - base, len(text))
        if lo >= hi:
            continue
        kept.append(text[pos:lo])
        if removed and lo == pos and kept[-1] == "":
            removed[-1] += text[lo:hi]
        else:
            removed.append(text[lo:hi])
        pos = hi
    kept.append(text[pos:])
    return "".join(kept), removed


def read_doc(ole: olefile.OleFileIO, codepage: str) -> Extraction:
    word = ole.openstream("WordDocument").read()
    if len(word) < 0x22 or _u16(word, 0) not in (0xA5EC, 0xA5DC):
        raise ExtractionError("not a Word 6-2003 document: bad FIB signature")
    nfib, flags = _u16(word, 2), _u16(word, 0x0A)
    if flags & (F_ENCRYPTED | F_OBFUSCATED):
        raise EncryptedError("encrypted Word document")
    if nfib < NFIB_WORD97:
        return _read_word95(word, flags, codepage)
    try:
        csw = _u16(word, 32)
        lw_start = 34 + 2 * csw + 2
        cslw = _u16(word, lw_start - 2)
        counts = [_u32(word, lw_start + 4 * i) if i < cslw else 0 for i in range(11)]
        blob = lw_start + 4 * cslw + 2
        if _u16(word, blob - 2) <= FC_CLX_INDEX:
            raise ExtractionError("corrupt Word document: FIB too short for a CLX")
        fc_clx = _u32(word, blob + 8 * FC_CLX_INDEX)
        lcb_clx = _u32(word, blob + 8 * FC_CLX_INDEX + 4)
    except struct.error as exc:
        raise ExtractionError("corrupt Word document: truncated FIB") from exc
    table_name = "1Table" if flags & F_WHICH_TABLE else "0Table"
    if not ole.exists(table_name):
        raise ExtractionError(f"corrupt Word document: no {table_name} stream")
    table = ole.openstream(table_name).read()
    clx = table[fc_clx:fc_clx + lcb_clx]
    if len(clx) < lcb_clx or not clx:
        raise ExtractionError("corrupt Word document: CLX outside the table stream")
    pieces = _pieces(word, clx)
    raw, complete = _piece_text(word, pieces)
    deleted_cps = _deleted_ranges(word, table, counts, blob, pieces)
    fields = WordFields()
    sections: list[str] = []
    deleted: list[str] = []
    pos = 0
    for label, length in (("", counts[3]), *((lbl, counts[i]) for lbl, i in SUBDOCS)):
        kept, removed = _split_deleted(raw[pos:pos + length], pos, deleted_cps)
        pos += length
        deleted.extend(d for d in (_pair(fields.clean(r)).strip() for r in removed) if d)
        text = _pair(fields.clean(kept)).strip("\n")
        if label is not None and text.strip():
            sections.append(f"[{label}]\n{text}" if label else text)
    if deleted:
        sections.append("[Tracked deletions]\n" + "\n".join(deleted))
    meta: dict[str, Any] = {}
    if fields.urls:
        meta["links"] = list(dict.fromkeys(fields.urls))
    if deleted:
        meta["tracked_deletions"] = deleted
    text = "\n\n".join(s for s in sections if s.strip())
    if not complete:
        return Extraction("partial", text=text, metadata=meta,
                          reason="Word document is truncated: some text is missing")
    return Extraction("extracted", text=text, metadata=meta)


def _read_word95(word: bytes, flags: int, codepage: str) -> Extraction:
    # Word 6 and 95 keep their text as one 8-bit run in the document's ANSI code page.
    fc_min, fc_mac = _u32(word, 0x18), _u32(word, 0x1C)
    text = WordFields().clean(_decode(word[fc_min:fc_mac], codepage))
    if flags & F_COMPLEX:
        return Extraction("partial", text=text,
                          reason="fast-saved Word 6/95 document: text may be out of order")
    return Extraction("extracted", text=text)


def _xls_cell(cell: Any, datemode: int) -> str:
    import xlrd

    kind, value = cell.ctype, cell.value
    if kind in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return ""
    if kind == xlrd.XL_CELL_DATE:
        try:
            stamp: dt.datetime = xlrd.xldate.xldate_as_datetime(value, datemode)
        except (ValueError, OverflowError, xlrd.xldate.XLDateError):
            return str(value)
        return stamp.date().isoformat() if stamp.time() == dt.time(0) else stamp.isoformat()
    if kind == xlrd.XL_CELL_NUMBER:
        return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 \
            else repr(value)
    if kind == xlrd.XL_CELL_BOOLEAN:
        return "TRUE" if value else "FALSE"
    if kind == xlrd.XL_CELL_ERROR:
        return str(xlrd.error_text_from_code.get(value, "#ERR"))
    return str(value).strip()


def read_xls(path: Path) -> Extraction:
    import xlrd

    sections: list[str] = []
    names: list[str] = []
    hidden: list[str] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            book = xlrd.open_workbook(str(path), on_demand=True, logfile=io.StringIO(),
                                      verbosity=0)
        except xlrd.XLRDError as exc:
            if "encrypt" in str(exc).lower():
                raise EncryptedError("encrypted Excel workbook") from exc
            raise ExtractionError(f"unreadable Excel workbook: {exc}") from exc
        except (struct.error, IndexError, KeyError, ValueError, AssertionError,
                xlrd.compdoc.CompDocError, EOFError) as exc:
            raise ExtractionError(f"corrupt Excel workbook: {exc}") from exc
        try:
            for index, name in enumerate(book.sheet_names()):
                sheet = book.sheet_by_index(index)
                names.append(name)
                if sheet.visibility:
                    hidden.append(name)
                lines = []
                for row in range(sheet.nrows):
                    cells = [_xls_cell(c, book.datemode) for c in sheet.row(row)]
                    while cells and not cells[-1]:
                        cells.pop()
                    if cells:
                        lines.append("\t".join(cells))
                sections.append("\n".join([f"[Sheet: {name}]", *lines]))
                book.unload_sheet(index)
        except (xlrd.XLRDError, struct.error, IndexError, KeyError, ValueError,
                AssertionError, TypeError, OverflowError) as exc:
            raise ExtractionError(f"corrupt Excel workbook: {exc}") from exc
        finally:
            book.release_resources()
    return Extraction("extracted", text="\n\n".join(sections),
                      metadata={"sheets": names, "hidden_sheets": hidden})


def _notes_master(data: bytes, kind: int, body: int, end: int) -> bool:
    # The notes master is a Notes container like any slide's notes, but its NotesAtom
    # refers to a master (ids from 0x80000000) or to nothing; its text is template prompts.
    if kind != RT_NOTES or body + 12 > end:
        return False
    slide = _u32(data, body + 8)
    return _u16(data, body + 2) == RT_NOTES_ATOM and (slide == 0 or slide >= 0x80000000)


def read_ppt(ole: olefile.OleFileIO) -> Extraction:
    if ole.exists("EncryptedSummary"):
        raise EncryptedError("encrypted PowerPoint presentation")
    data = ole.openstream("PowerPoint Document").read()
    texts: list[str] = []
    slides = 0
    # Iterative walk: (end of the enclosing container, instance of a SlideListWithText).
    stack: list[tuple[int, int | None]] = [(len(data), None)]
    pos = 0
    while stack:
        end, slide_list = stack[-1]
        if pos + 8 > end:
            pos = end
            stack.pop()
            continue
        ver_instance, kind, size = struct.unpack_from("<HHI", data, pos)
        body, record_end = pos + 8, min(pos + 8 + size, end)
        if ver_instance & 0x0F == 0x0F:  # a container
            if kind in (RT_MAIN_MASTER, RT_ENVIRONMENT, RT_HANDOUT) or (
                    kind == RT_SLIDE_LIST and ver_instance >> 4 == 1) or \
                    _notes_master(data, kind, body, record_end) or \
                    len(stack) > MAX_RECORD_DEPTH:
                pos = record_end
            else:
                instance = ver_instance >> 4 if kind == RT_SLIDE_LIST else slide_list
                stack.append((record_end, instance))
                pos = body
            continue
        if kind == RT_TEXT_CHARS:
            texts.append(data[body:record_end].decode("utf-16-le", errors="replace"))
        elif kind == RT_TEXT_BYTES:
            texts.append(data[body:record_end].decode("latin-1"))
        elif kind == RT_SLIDE_PERSIST and slide_list == 0:
            slides += 1
        pos = record_end
    lines = []
    for text in texts:
        cleaned = _CONTROL.sub("", text.replace("\r", "\n").replace("\x0b", "\n")).strip()
        if cleaned and cleaned != "*":  # "*" stands for the slide number
            lines.append(cleaned)
    return Extraction("extracted", text="\n".join(lines), metadata={"slides": slides})


def _date(value: object) -> str | None:
    if isinstance(value, dt.datetime) and value.year >= 1980:
        return value.replace(tzinfo=dt.UTC).isoformat()
    return None


def properties(ole: olefile.OleFileIO) -> tuple[dict[str, Any], str]:
    """SummaryInformation and DocumentSummaryInformation, and the document's code page."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            props = ole.get_metadata()
    except (OSError, ValueError, IndexError, struct.error, TypeError):
        return {}, "cp1252"
    summary_codec, doc_codec = codec(props.codepage), codec(props.codepage_doc)
    meta: dict[str, Any] = {}
    strings = {"title": "title", "subject": "subject", "author": "author",
               "keywords": "keywords", "comments": "description", "template": "template",
               "last_saved_by": "last_modified_by", "revision_number": "revision",
               "creating_application": "application"}
    doc_strings = {"company": "company", "manager": "manager", "category": "category"}
    for table, encoding in ((strings, summary_codec), (doc_strings, doc_codec)):
        for attr_name, key in table.items():
            value = getattr(props, attr_name, None)
            if isinstance(value, bytes):
                value = _decode(value.rstrip(b"\x00"), encoding)
            if isinstance(value, str) and value.strip("\x00 "):
                meta[key] = value.strip("\x00 ")
    for attr_name, key in (("create_time", "created"), ("last_saved_time", "modified"),
                           ("last_printed", "printed")):
        if (date := _date(getattr(props, attr_name, None))):
            meta[key] = date
    for attr_name, key in (("num_pages", "page_count"), ("num_words", "word_count")):
        value = getattr(props, attr_name, None)
        if isinstance(value, int) and value > 0:
            meta[key] = value
    return meta, summary_codec


class OleOfficeExtractor(Extractor):
    name = "ole-office"
    mime_types = frozenset({DOC, XLS, PPT})
    extensions = frozenset({".doc", ".dot", ".xls", ".xlt", ".ppt", ".pps", ".pot"})
    score = 50

    def extract(self, path: Path, ctx: Context) -> Extraction:
        try:
            ole = olefile.OleFileIO(str(path))
        except (OSError, ValueError, IndexError, struct.error) as exc:
            raise ExtractionError(f"corrupt compound file: {exc}") from exc
        with ole:
            try:
                meta, codepage = properties(ole)
                if ole.exists("WordDocument"):
                    result = read_doc(ole, codepage)
                elif ole.exists("Workbook") or ole.exists("Book"):
                    result = read_xls(path)
                elif ole.exists("PowerPoint Document"):
                    result = read_ppt(ole)
                else:
                    raise ExtractionError("compound file without a Word, Excel or "
                                          "PowerPoint stream")
            except (OSError, struct.error, IndexError, ValueError) as exc:
                # olefile reports broken sector chains as OSError or IndexError.
                raise ExtractionError(f"corrupt compound file: {exc}") from exc
        return Extraction(result.state, result.text, result.pages,
                          {**meta, **result.metadata}, result.children, result.reason)
