"""OpenDocument text, spreadsheets, presentations and drawings (.odt, .ods, .odp, .odg).

Read from the package XML through `xmlsafe`: content.xml for the text (paragraphs,
headings, lists, tables, frames and text boxes, footnotes, comments, tracked deletions,
every sheet, every slide with its notes), styles.xml for page headers and footers,
meta.xml for properties. odfpy exists but builds a full object model of every part and
offers no text walk that keeps table and slide structure; the walk here is short.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from lxml.etree import _Element

from trove.errors import EncryptedError, ExtractionError
from trove.extract.base import Extractor
from trove.extract.records import Context, Extraction, Page
from trove.extract.xmlsafe import PackageReader, attr, local, open_package

# Repeated rows and cells are how ODF writes blank areas; text repeated beyond these
# counts is a hostile or pathological file, not something a reader would scroll through.
MAX_REPEAT_ROWS = 1000
MAX_REPEAT_CELLS = 256
SKIP = frozenset({"tracked-changes", "sequence-decls", "variable-decls", "user-field-decls",
                  "forms", "table-of-content-source", "alphabetical-index-source",
                  "illustration-index-source", "note-citation", "annotation-end",
                  "named-expressions", "database-ranges", "calculation-settings",
                  "content-validations", "label-ranges", "scripts", "font-face-decls",
                  "automatic-styles", "styles", "soft-page-break", "table-columns",
                  "table-column", "table-column-group", "table-header-columns",
                  "image", "title", "desc"})
DRAWING = frozenset({"frame", "text-box", "custom-shape", "rect", "ellipse", "g", "line",
                     "connector", "polygon", "polyline", "path", "circle", "caption",
                     "measure", "control", "regular-polygon"})
MIME_PREFIX = "application/vnd.oasis.opendocument."


def _clean(lines: list[str]) -> str:
    return "\n".join(line.rstrip() for line in lines if line.strip())


def _date(value: str | None) -> str | None:
    if not value or not value.strip():
        return None
    try:
        return dt.datetime.fromisoformat(value.strip()).isoformat()
    except ValueError:
        return value.strip()


class OdfText:
    """Reading-order text of an ODF body, with notes, comments and deletions set aside."""

    def __init__(self) -> None:
        self.notes: list[str] = []
        self.comments: list[str] = []
        self.deleted: list[str] = []

    def block(self, el: _Element, out: list[str]) -> None:
        for child in el:
            name = local(child)
            if name in {"p", "h"}:
                self.paragraph(child, out)
            elif name == "table":
                self.table(child, out)
            elif name == "tracked-changes":
                self._deletions(child)
            elif name not in SKIP:
                self.block(child, out)

    def paragraph(self, el: _Element, out: list[str]) -> None:
        text: list[str] = []
        extra: list[str] = []
        self._inline(el, text, extra)
        out.append("".join(text))
        out.extend(extra)

    def _inline(self, el: _Element, text: list[str], extra: list[str]) -> None:
        if el.text:
            text.append(el.text)
        for child in el:
            name = local(child)
            if name == "s":
                count = attr(child, "c") or "1"
                text.append(" " * min(int(count) if count.isdigit() else 1, 1000))
            elif name == "tab":
                text.append("\t")
            elif name == "line-break":
                text.append("\n")
            elif name == "note":
                lines: list[str] = []
                for body in child.iter("{*}note-body"):
                    self.block(body, lines)
                if (note := _clean(lines)):
                    self.notes.append(note)
            elif name == "annotation":
                self._annotation(child)
            elif name in DRAWING:
                self.block(child, extra)
            elif name not in SKIP:
                self._inline(child, text, extra)
            if child.tail:
                text.append(child.tail)

    def _annotation(self, el: _Element) -> None:
        author = next((c.text for c in el if local(c) == "creator" and c.text), None)
        lines: list[str] = []
        self.block(el, lines)
        if (comment := _clean(lines)):
            self.comments.append(f"{author}: {comment}" if author else comment)

    def _deletions(self, el: _Element) -> None:
        for deletion in el.iter("{*}deletion"):
            lines: list[str] = []
            self.block(deletion, lines)
            if (deleted := _clean(lines)):
                self.deleted.append(deleted)

    def table(self, el: _Element, out: list[str]) -> None:
        for row in self._rows(el):
            cells = self._cells(row)
            if not cells:
                continue
            line = "\t".join(cells)
            repeat = attr(row, "number-rows-repeated") or "1"
            for _ in range(min(int(repeat) if repeat.isdigit() else 1, MAX_REPEAT_ROWS)):
                out.append(line)

    def _rows(self, el: _Element) -> list[_Element]:
        rows: list[_Element] = []
        for child in el:
            name = local(child)
            if name == "table-row":
                rows.append(child)
            elif name in {"table-header-rows", "table-rows", "table-row-group"}:
                rows.extend(self._rows(child))
        return rows

    def _cells(self, row: _Element) -> list[str]:
        cells: list[str] = []
        pending_blanks = 0
        for cell in row:
            if local(cell) not in {"table-cell", "covered-table-cell"}:
                continue
            repeat_text = attr(cell, "number-columns-repeated") or "1"
            repeat = int(repeat_text) if repeat_text.isdigit() else 1
            value = self._cell_text(cell)
            if not value:
                pending_blanks += repeat  # only written if a later cell has text
                continue
            cells.extend([""] * min(pending_blanks, MAX_REPEAT_CELLS))
            pending_blanks = 0
            cells.extend([value] * min(repeat, MAX_REPEAT_CELLS))
        return cells

    def _cell_text(self, cell: _Element) -> str:
        if attr(cell, "value-type") == "date" and (value := attr(cell, "date-value")):
            return value[:-9] if value.endswith("T00:00:00") else value
        lines: list[str] = []
        self.block(cell, lines)
        return " ".join(line.strip() for line in lines if line.strip())


def properties(pkg: PackageReader) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    root = pkg.xml("meta.xml")
    if root is None:
        return meta
    keys = {"title": "title", "subject": "subject", "description": "description",
            "initial-creator": "author", "creator": "last_modified_by",
            "generator": "application", "editing-cycles": "revision",
            "language": "language"}
    dates = {"creation-date": "created", "date": "modified", "print-date": "printed"}
    keywords: list[str] = []
    for el in root.iter():
        name, value = local(el), (el.text or "").strip()
        if name in keys and value:
            meta[keys[name]] = value
        elif name in dates and (date := _date(value)):
            meta[dates[name]] = date
        elif name == "keyword" and value:
            keywords.append(value)
        elif name == "template" and (template := attr(el, "title") or attr(el, "href")):
            meta["template"] = template
        elif name == "document-statistic":
            for source, key in (("page-count", "page_count"), ("word-count", "word_count")):
                count = attr(el, source)
                if count and count.isdigit():
                    meta[key] = int(count)
    if keywords:
        meta["keywords"] = ", ".join(keywords)
    return meta


def _encrypted(pkg: PackageReader) -> bool:
    manifest = pkg.xml("META-INF/manifest.xml")
    return manifest is not None and any(
        local(el) == "encryption-data" for el in manifest.iter())


def _master_text(pkg: PackageReader, reader: OdfText) -> list[str]:
    styles = pkg.xml("styles.xml")
    if styles is None:
        return []
    texts: list[str] = []
    for el in styles.iter("{*}master-page"):
        for part in el:
            if local(part).startswith(("header", "footer")):
                lines: list[str] = []
                reader.block(part, lines)
                if (text := _clean(lines)):
                    texts.append(text)
    return list(dict.fromkeys(texts))


def read_package(pkg: PackageReader) -> Extraction:
    if _encrypted(pkg):
        raise EncryptedError("password-protected OpenDocument file")
    content = pkg.xml("content.xml")
    if content is None:
        raise ExtractionError("OpenDocument package has no content.xml")
    body = next(content.iter("{*}body"), None)
    if body is None:
        raise ExtractionError("OpenDocument content.xml has no body")
    meta = properties(pkg)
    reader = OdfText()
    kind = next((local(c) for c in body if isinstance(c.tag, str)), "text")
    doc = next((c for c in body if isinstance(c.tag, str)), body)
    if kind in {"presentation", "drawing"}:
        pages: list[Page] = []
        for number, page in enumerate(doc.iter("{*}page"), start=1):
            lines: list[str] = []
            notes: list[str] = []
            for child in page:
                reader.block(child, notes if local(child) == "notes" else lines)
            text = _clean(lines)
            if (note_text := _clean(notes)):
                text += f"\n\n[Notes]\n{note_text}"
            pages.append(Page(number=number, text=text.strip()))
        meta["slides"] = len(pages)
        return Extraction("extracted", pages=tuple(pages), metadata=meta)
    sections: list[str] = []
    if kind == "spreadsheet":
        names, hidden = [], []
        hidden_styles = _hidden_table_styles(content)
        for table in doc.iter("{*}table"):
            if local(table.getparent()) != "spreadsheet":
                continue
            name = attr(table, "name") or ""
            names.append(name)
            if attr(table, "style-name") in hidden_styles:
                hidden.append(name)
            lines = []
            reader.table(table, lines)
            sections.append("\n".join([f"[Sheet: {name}]", *lines]))
        meta["sheets"], meta["hidden_sheets"] = names, hidden
    else:
        sections.extend(_master_text(pkg, reader))
        lines = []
        reader.block(doc, lines)
        sections.insert(min(1, len(sections)), _clean(lines))
    for label, items in (("Footnotes", reader.notes), ("Comments", reader.comments),
                         ("Tracked deletions", reader.deleted)):
        if items:
            sections.append(f"[{label}]\n" + "\n".join(items))
    if reader.deleted:
        meta["tracked_deletions"] = reader.deleted
    return Extraction("extracted", text="\n\n".join(s for s in sections if s), metadata=meta)


def _hidden_table_styles(content: _Element) -> set[str]:
    hidden: set[str] = set()
    for style in content.iter("{*}style"):
        for props in style:
            if local(props) == "table-properties" and attr(props, "display") == "false":
                hidden.add(attr(style, "name") or "")
    return hidden


class OpenDocumentExtractor(Extractor):
    name = "opendocument"
    mime_types = frozenset({f"{MIME_PREFIX}{kind}" for kind in (
        "text", "spreadsheet", "presentation", "graphics", "text-template",
        "spreadsheet-template", "presentation-template", "graphics-template",
        "text-master")})
    extensions = frozenset({".odt", ".ods", ".odp", ".odg", ".ott", ".ots", ".otp", ".odm"})
    score = 50

    def extract(self, path: Path, ctx: Context) -> Extraction:
        archive, pkg = open_package(str(path), ctx.limits, path.stat().st_size)
        with archive:
            return read_package(pkg)
