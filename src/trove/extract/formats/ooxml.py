"""Office Open XML: Word (.docx), Excel (.xlsx) and PowerPoint (.pptx) packages.

Word and PowerPoint text is read from the package XML directly (through `xmlsafe`), so
that nothing a reporter may need is lost: text boxes, headers and footers, footnotes,
endnotes, comments, SmartArt, speaker notes, and tracked changes (insertions stay in the
text; deletions are kept in a marked section and in metadata). python-docx and
python-pptx model documents for editing and skip several of those. Workbooks are read
with openpyxl in read-only mode, every sheet including hidden ones, dates as dates.

Encrypted packages (an OLE file holding EncryptionInfo and EncryptedPackage) are opened with
msoffcrypto-tool when one of the context's passwords fits.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import warnings
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from lxml import etree
from lxml.etree import _Element

from trove.errors import EncryptedError, ExtractionError
from trove.extract.base import Extractor
from trove.extract.records import Context, Extraction, Page
from trove.extract.xmlsafe import PackageReader, attr, local, open_package

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ENCRYPTED = "application/x-ooxml-encrypted"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
HYPERLINK = "/hyperlink"
# Placeholders on a notes page that repeat the slide, not the speaker's notes.
# What openpyxl raises on broken workbooks (it does not wrap zip, XML or value errors).
WORKBOOK_ERRORS = (KeyError, ValueError, TypeError, IndexError, AttributeError,
                   zipfile.BadZipFile, zlib.error, NotImplementedError, EOFError,
                   etree.LxmlError, SyntaxError)
NOTES_CHROME = frozenset({"sldImg", "sldNum", "hdr", "ftr", "dt"})


def rel_id(el: _Element) -> str:
    """The r:id of an element (not its plain `id`, which slides also carry)."""
    for key, value in el.attrib.items():
        if str(key).endswith("}id") and "relationships" in str(key):
            return str(value)
    return ""


def children(el: _Element, name: str) -> Iterator[_Element]:
    return (c for c in el if local(c) == name)


def iso_date(value: str | None) -> str | None:
    """W3CDTF as found in core.xml, normalised to ISO 8601."""
    if not value or not value.strip():
        return None
    text = value.strip()
    try:
        return dt.datetime.fromisoformat(text).isoformat()
    except ValueError:
        return text


def clean_lines(lines: Iterable[str]) -> str:
    return "\n".join(line.rstrip() for line in lines if line.strip())


class Relations:
    """The relationships of one part: id → (type, resolved target, external)."""

    def __init__(self, pkg: PackageReader, part: str) -> None:
        folder, name = posixpath.split(part)
        self.by_id: dict[str, tuple[str, str, bool]] = {}
        root = pkg.xml(posixpath.join(folder, "_rels", f"{name}.rels"))
        if root is None:
            return
        for rel in root:
            rid, kind, target = attr(rel, "Id"), attr(rel, "Type"), attr(rel, "Target")
            if not (rid and kind and target):
                continue
            external = attr(rel, "TargetMode") == "External"
            if not external:
                target = (target.lstrip("/") if target.startswith("/")
                          else posixpath.normpath(posixpath.join(folder, target)))
            self.by_id[rid] = (kind, target, external)

    def of_type(self, suffix: str) -> list[str]:
        return [t for kind, t, ext in self.by_id.values() if kind.endswith(suffix) and not ext]


def main_part(pkg: PackageReader, default: str) -> str:
    for target in Relations(pkg, "").of_type("/officeDocument"):
        if target in pkg.names:
            return target
    return default


def properties(pkg: PackageReader) -> dict[str, Any]:
    """docProps/core.xml and docProps/app.xml in the keys of `trove.extract.base`."""
    meta: dict[str, Any] = {}
    core = pkg.xml("docProps/core.xml")
    core_keys = {"title": "title", "subject": "subject", "creator": "author",
                 "keywords": "keywords", "description": "description",
                 "lastModifiedBy": "last_modified_by", "revision": "revision",
                 "category": "category", "language": "language"}
    dates = {"created": "created", "modified": "modified", "lastPrinted": "printed"}
    for el in core if core is not None else ():
        name, value = local(el), (el.text or "").strip()
        if name in core_keys and value:
            meta[core_keys[name]] = value
        elif name in dates and (date := iso_date(value)):
            meta[dates[name]] = date
    app = pkg.xml("docProps/app.xml")
    app_keys = {"Application": "application", "AppVersion": "app_version",
                "Company": "company", "Manager": "manager", "Template": "template"}
    counts = {"Pages": "page_count", "Words": "word_count"}
    for el in app if app is not None else ():
        name, value = local(el), (el.text or "").strip()
        if name in app_keys and value:
            meta[app_keys[name]] = value
        elif name in counts and value.isdigit():
            meta[counts[name]] = int(value)
    return meta


class WordText:
    """Reading-order text of a WordprocessingML part, collecting tracked changes."""

    def __init__(self, links: dict[str, str]) -> None:
        self.links = links  # relationship id → external target
        self.urls: list[str] = []
        self.deleted: list[str] = []
        self.inserted: list[str] = []

    def block(self, el: _Element, out: list[str]) -> None:
        for child in el:
            name = local(child)
            if name == "p":
                self.paragraph(child, out)
            elif name == "tbl":
                self.table(child, out)
            elif name == "AlternateContent":
                self.block(self._choice(child), out)
            elif name in {"pPr", "sectPr", "tblPr", "tcPr", "trPr", "Fallback"}:
                continue
            else:  # sdt, sdtContent, customXml, ins, del, moveTo at block level
                self.block(child, out)

    @staticmethod
    def _choice(el: _Element) -> _Element:
        # mc:Fallback repeats the mc:Choice content (e.g. a text box as VML); read one.
        for child in el:
            if local(child) == "Choice":
                return child
        return el

    def paragraph(self, el: _Element, out: list[str]) -> None:
        text: list[str] = []
        boxes: list[str] = []
        deleted: list[str] = []
        inserted: list[str] = []
        self._inline(el, text, boxes, deleted, inserted, False, False)
        out.append("".join(text))
        out.extend(boxes)
        if "".join(deleted).strip():
            self.deleted.append("".join(deleted).strip())
        if "".join(inserted).strip():
            self.inserted.append("".join(inserted).strip())

    def _inline(self, el: _Element, text: list[str], boxes: list[str], deleted: list[str],
                inserted: list[str], in_del: bool, in_ins: bool) -> None:
        for child in el:
            name = local(child)
            if name in {"t", "delText"}:
                value = child.text or ""
                if in_del or name == "delText":
                    deleted.append(value)
                else:
                    text.append(value)
                    if in_ins:
                        inserted.append(value)
            elif name == "tab" and not in_del:
                text.append("\t")
            elif name in {"br", "cr"} and not in_del:
                text.append("\n")
            elif name == "noBreakHyphen" and not in_del:
                text.append("-")
            elif name == "txbxContent":
                self.block(child, boxes)
            elif name == "instrText":
                self._field_link(child.text or "")
            elif name == "hyperlink":
                target = self.links.get(rel_id(child))
                if target:
                    self.urls.append(target)
                self._inline(child, text, boxes, deleted, inserted, in_del, in_ins)
            elif name == "AlternateContent":
                self._inline(self._choice(child), text, boxes, deleted, inserted, in_del,
                             in_ins)
            elif name in {"pPr", "rPr", "Fallback", "delInstrText"}:
                continue
            else:
                self._inline(child, text, boxes, deleted, inserted,
                             in_del or name in {"del", "moveFrom"},
                             in_ins or name in {"ins", "moveTo"})

    def _field_link(self, code: str) -> None:
        parts = code.split('"')
        if code.strip().upper().startswith("HYPERLINK") and len(parts) >= 2 and parts[1]:
            self.urls.append(parts[1])

    def table(self, el: _Element, out: list[str]) -> None:
        for row in self._rows(el):
            cells: list[str] = []
            for cell in self._cells(row):
                lines: list[str] = []
                self.block(cell, lines)
                cells.append(" ".join(line.strip() for line in lines if line.strip()))
            out.append("\t".join(cells))

    def _rows(self, el: _Element) -> Iterator[_Element]:
        for child in el:
            if local(child) == "tr":
                yield child
            elif local(child) in {"sdt", "sdtContent", "customXml"}:
                yield from self._rows(child)

    def _cells(self, el: _Element) -> Iterator[_Element]:
        for child in el:
            if local(child) == "tc":
                yield child
            elif local(child) in {"sdt", "sdtContent", "customXml"}:
                yield from self._cells(child)


def read_docx(pkg: PackageReader) -> Extraction:
    body_part = main_part(pkg, "word/document.xml")
    root = pkg.xml(body_part)
    if root is None:
        raise ExtractionError("Word package has no main document part")
    rels = Relations(pkg, body_part)
    links = {rid: target for rid, (kind, target, ext) in rels.by_id.items()
             if ext and kind.endswith(HYPERLINK)}
    reader = WordText(links)
    sections: list[str] = []

    def part_text(part: str, item: str | None = None) -> list[str]:
        part_root = pkg.xml(part)
        if part_root is None:
            return []
        part_links = Relations(pkg, part).by_id
        reader.links = {**links, **{rid: t for rid, (k, t, e) in part_links.items()
                                    if e and k.endswith(HYPERLINK)}}
        texts: list[str] = []
        items = [part_root] if item is None else list(children(part_root, item))
        for node in items:
            if attr(node, "type") in {"separator", "continuationSeparator",
                                      "continuationNotice"}:
                continue
            lines: list[str] = []
            reader.block(node, lines)
            prefix = f"{attr(node, 'author')}: " if item == "comment" and attr(
                node, "author") else ""
            if (joined := clean_lines(lines)):
                texts.append(prefix + joined)
        return texts

    headers = _unique(t for part in rels.of_type("/header") for t in part_text(part))
    body: list[str] = []
    reader.links = links
    reader.block(root, body)
    footers = _unique(t for part in rels.of_type("/footer") for t in part_text(part))
    sections.extend(headers)
    sections.append(clean_lines(body))
    sections.extend(footers)
    for kind, item, label in (("/footnotes", "footnote", "Footnotes"),
                              ("/endnotes", "endnote", "Endnotes"),
                              ("/comments", "comment", "Comments")):
        notes = [t for part in rels.of_type(kind) for t in part_text(part, item)]
        if notes:
            sections.append(f"[{label}]\n" + "\n".join(notes))
    meta = properties(pkg)
    if reader.deleted:
        sections.append("[Tracked deletions]\n" + "\n".join(reader.deleted))
        meta["tracked_deletions"] = reader.deleted
    if reader.inserted:
        meta["tracked_insertions"] = reader.inserted
    if reader.urls:
        meta["links"] = list(dict.fromkeys(reader.urls))
    return Extraction("extracted", text="\n\n".join(s for s in sections if s), metadata=meta)


def _unique(texts: Iterable[str]) -> list[str]:
    # Sections repeat the same header and footer; one copy is enough.
    return list(dict.fromkeys(t for t in texts if t))


def drawing_text(el: _Element, out: list[str]) -> None:
    """DrawingML text (slides, notes, SmartArt) in document order, tables row by row."""
    for child in el:
        name = local(child)
        if name == "p" and etree.QName(child).namespace and "drawingml" in str(
                etree.QName(child).namespace):
            out.append(_drawing_paragraph(child))
        elif name == "tbl":
            for row in child.iter("{*}tr"):
                cells = []
                for cell in children(row, "tc"):
                    lines: list[str] = []
                    drawing_text(cell, lines)
                    cells.append(" ".join(line.strip() for line in lines if line.strip()))
                out.append("\t".join(cells))
        elif name == "AlternateContent":
            drawing_text(WordText._choice(child), out)
        elif name != "Fallback":
            drawing_text(child, out)


def _drawing_paragraph(el: _Element) -> str:
    parts: list[str] = []
    for node in el.iter():
        name = local(node)
        if name == "t":
            parts.append(node.text or "")
        elif name == "br":
            parts.append("\n")
    return "".join(parts)


def _placeholder(shape: _Element) -> str | None:
    for node in shape.iter("{*}ph"):
        return attr(node, "type") or "body"
    return None


def read_pptx(pkg: PackageReader) -> Extraction:
    pres_part = main_part(pkg, "ppt/presentation.xml")
    pres = pkg.xml(pres_part)
    if pres is None:
        raise ExtractionError("PowerPoint package has no presentation part")
    rels = Relations(pkg, pres_part).by_id
    slide_parts = [rels[rid][1] for node in pres.iter("{*}sldId")
                   if (rid := rel_id(node)) in rels and rels[rid][1] in pkg.names]
    pages: list[Page] = []
    hidden: list[int] = []
    for number, part in enumerate(slide_parts, start=1):
        slide = pkg.xml(part)
        if slide is None:
            continue
        if attr(slide, "show") in {"0", "false"}:
            hidden.append(number)
        lines: list[str] = []
        drawing_text(slide, lines)
        slide_rels = Relations(pkg, part)
        for diagram in slide_rels.of_type("/diagramData"):
            if (data := pkg.xml(diagram)) is not None:
                lines.extend(_drawing_paragraph(p) for p in data.iter("{*}p"))
        text = clean_lines(lines)
        for notes_part in slide_rels.of_type("/notesSlide")[:1]:
            notes = pkg.xml(notes_part)
            if notes is None:
                continue
            for shape in list(notes.iter("{*}sp")):
                parent = shape.getparent()
                if _placeholder(shape) in NOTES_CHROME and parent is not None:
                    parent.remove(shape)
            note_lines: list[str] = []
            drawing_text(notes, note_lines)
            if (note_text := clean_lines(note_lines)):
                text += f"\n\n[Notes]\n{note_text}"
        pages.append(Page(number=number, text=text.strip()))
    meta = properties(pkg)
    meta["slides"] = len(slide_parts)
    if hidden:
        meta["hidden_slides"] = hidden
    return Extraction("extracted", pages=tuple(pages), metadata=meta)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value).strip()


def sheet_rows(rows: Iterable[Iterable[object]]) -> list[str]:
    """Rows as tab-separated lines, trailing empty cells and empty rows dropped."""
    lines = []
    for row in rows:
        cells = [_cell(v) for v in row]
        while cells and not cells[-1]:
            cells.pop()
        if cells:
            lines.append("\t".join(cells))
    return lines


def read_xlsx(path: Path, pkg: PackageReader) -> Extraction:
    import openpyxl  # imported here: it is slow to import and only workbooks need it

    meta = properties(pkg)
    sections: list[str] = []
    names: list[str] = []
    hidden: list[str] = []
    with warnings.catch_warnings():
        # openpyxl warns about every unsupported extension; they do not affect text.
        warnings.simplefilter("ignore")
        # A file object, not the path: openpyxl refuses paths without an .xlsx suffix,
        # and originals in the evidence store have none.
        handle = path.open("rb")
        try:
            book = openpyxl.load_workbook(handle, read_only=True, data_only=True,
                                          keep_links=False)
        except WORKBOOK_ERRORS as exc:
            handle.close()
            raise ExtractionError(f"unreadable workbook: {exc}") from exc
        try:
            for sheet in book.worksheets:
                names.append(sheet.title)
                if sheet.sheet_state != "visible":
                    hidden.append(sheet.title)
                # A hostile <dimension> (A1:XFD1048576) would pad every row; ignore it.
                sheet.reset_dimensions()
                lines = sheet_rows(sheet.iter_rows(values_only=True))
                sections.append("\n".join([f"[Sheet: {sheet.title}]", *lines]))
        except WORKBOOK_ERRORS as exc:
            raise ExtractionError(f"unreadable workbook: {exc}") from exc
        finally:
            book.close()
            handle.close()
    meta["sheets"] = names
    meta["hidden_sheets"] = hidden
    return Extraction("extracted", text="\n\n".join(sections), metadata=meta)


def decrypt(path: Path, ctx: Context) -> Path:
    """Decrypt an encrypted OOXML package into the scratch directory."""
    import msoffcrypto
    from msoffcrypto.exceptions import DecryptionError, FileFormatError, InvalidKeyError

    if not ctx.passwords:
        raise EncryptedError("encrypted Office document; no password supplied")
    for password in ctx.passwords:
        target = ctx.new_child_path(".zip")
        try:
            with path.open("rb") as source, target.open("wb") as out:
                office = msoffcrypto.OfficeFile(source)
                office.load_key(password=password, verify_password=True)
                office.decrypt(out)
            return target
        except (InvalidKeyError, DecryptionError):
            target.unlink(missing_ok=True)
        except (FileFormatError, OSError, ValueError, AssertionError, IndexError) as exc:
            target.unlink(missing_ok=True)
            raise EncryptedError(f"encrypted Office document that cannot be "
                                 f"decrypted: {exc}") from exc
    raise EncryptedError("encrypted Office document; none of the supplied passwords fits")


class OoxmlExtractor(Extractor):
    name = "ooxml"
    mime_types = frozenset({DOCX, XLSX, PPTX, ENCRYPTED})
    extensions = frozenset({".docx", ".docm", ".dotx", ".dotm", ".xlsx", ".xlsm", ".xltx",
                            ".xltm", ".pptx", ".pptm", ".potx", ".ppsx", ".ppsm"})
    score = 50

    def extract(self, path: Path, ctx: Context) -> Extraction:
        with path.open("rb") as handle:
            head = handle.read(8)
        encrypted = head == OLE_MAGIC
        if encrypted:
            path = decrypt(path, ctx)
        archive, pkg = open_package(str(path), ctx.limits, path.stat().st_size)
        with archive:
            kind = main_part(pkg, "")
            if kind.startswith("word/") or "word/document.xml" in pkg.names:
                result = read_docx(pkg)
            elif kind.startswith("ppt/") or "ppt/presentation.xml" in pkg.names:
                result = read_pptx(pkg)
            elif kind.startswith("xl/") or "xl/workbook.xml" in pkg.names:
                result = read_xlsx(path, pkg)
            else:
                raise ExtractionError("ZIP package without a Word, Excel or PowerPoint part")
        if encrypted:
            meta = {**result.metadata, "encrypted": True}
            result = Extraction(result.state, result.text, result.pages, meta,
                                result.children, result.reason)
        return result
