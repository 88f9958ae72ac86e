"""Office writers for the sample leak: OOXML through python-docx, openpyxl and python-pptx,
and the legacy and OpenDocument formats through one batched LibreOffice call per format.

The OOXML libraries stamp the save time into docProps/core.xml and the zip entries;
`normalise_ooxml` replaces both with the document's own date so output is reproducible.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import docx
import openpyxl
import pptx
from docx.oxml.ns import qn
from pptx.util import Pt

from trove.sample.corpus_text import Document

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def rezip(data: bytes, when: datetime | None = None,
          transform: Callable[[str, bytes], bytes] | None = None) -> bytes:
    """The same zip with fixed member times (and optionally rewritten members)."""
    stamp = (when.timetuple()[:6] if when else ZIP_EPOCH)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            content = src.read(info)
            if transform:
                content = transform(info.filename, content)
            fixed = zipfile.ZipInfo(info.filename, date_time=stamp)
            fixed.compress_type = info.compress_type
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, content)
    return out.getvalue()


def _w3c(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def normalise_ooxml(data: bytes, created: datetime, modified: datetime) -> bytes:
    def fix(name: str, content: bytes) -> bytes:
        if name != "docProps/core.xml":
            return content
        text = content.decode("utf-8")
        for tag, when in (("created", created), ("modified", modified)):
            text = re.sub(rf"(<dcterms:{tag}[^>]*>)[^<]*(</dcterms:{tag}>)",
                          rf"\g<1>{_w3c(when)}\g<2>", text)
        return text.encode("utf-8")

    return rezip(data, modified, fix)


def write_docx(doc: Document, *, editor: str = "", revision: int = 3) -> bytes:
    """A Word file with core properties, a header and (if the document has one) a table."""
    word = docx.Document()
    normal = word.styles["Normal"]
    normal.font.name = "Times New Roman"
    r_pr = normal.element.get_or_add_rPr()
    r_pr.get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")
    word.sections[0].header.paragraphs[0].text = f"{doc.unit}　内部资料　注意保存"
    word.add_heading(doc.title, level=1)
    word.add_paragraph(doc.number)
    for text in doc.paragraphs:
        paragraph = word.add_paragraph(text)
        if doc.language == "ug":
            paragraph.paragraph_format.element.get_or_add_pPr().append(
                paragraph.paragraph_format.element.makeelement(qn("w:bidi"), {}))
    if doc.table:
        table = word.add_table(rows=len(doc.table), cols=len(doc.table[0]))
        table.style = "Table Grid"
        for r, row in enumerate(doc.table):
            for c, value in enumerate(row):
                table.cell(r, c).text = value
    props = word.core_properties
    props.title, props.author, props.subject = doc.title, doc.author.name, doc.number
    props.last_modified_by = editor or doc.author.name
    props.keywords = ", ".join(doc.keywords)
    props.revision = revision
    props.created = doc.date.astimezone(UTC).replace(tzinfo=None)
    props.modified = props.created
    props.language = doc.language
    buf = io.BytesIO()
    word.save(buf)
    return normalise_ooxml(buf.getvalue(), doc.date, doc.date)


def write_xlsx(doc: Document, extra: Sequence[Document] = ()) -> bytes:
    """A workbook: the register, a summary, and a hidden sheet of raw ID numbers."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "登记表"
    sheet.append([doc.title])
    sheet.append([doc.number])
    for row in doc.table:
        sheet.append(list(row))
    summary = book.create_sheet("汇总")
    summary.append(["单位", "人数", "备注"])
    for i, other in enumerate((doc, *extra)):
        summary.append([other.unit, len(other.table) - 1 if other.table else i, other.number])
    hidden = book.create_sheet("原始数据")
    hidden.sheet_state = "hidden"
    hidden.append(["公民身份号码", "核查人"])
    for row in doc.table[1:]:
        hidden.append([row[4], doc.author.name])
    props = book.properties
    props.creator, props.lastModifiedBy = doc.author.name, doc.author.name
    props.title, props.subject = doc.title, doc.number
    props.created = doc.date.astimezone(UTC).replace(tzinfo=None)
    buf = io.BytesIO()
    book.save(buf)
    return normalise_ooxml(buf.getvalue(), doc.date, doc.date)


def write_pptx(doc: Document) -> bytes:
    """A briefing deck: one slide per paragraph group, speaker notes on each."""
    deck = pptx.Presentation()
    title_slide = deck.slides.add_slide(deck.slide_layouts[0])
    title_slide.shapes.title.text = doc.title
    title_slide.placeholders[1].text = f"{doc.unit}\n{doc.number}"
    title_slide.notes_slide.notes_text_frame.text = (
        f"汇报人：{doc.author.name}，电话：{doc.author.phone}")
    for i, text in enumerate(doc.paragraphs[1:4], start=1):
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        slide.shapes.title.text = f"{i}. {doc.keywords[0] if doc.keywords else doc.title}"
        body = slide.placeholders[1].text_frame
        body.text = text[:120]
        for paragraph in body.paragraphs:
            for run in paragraph.runs:
                run.font.size = Pt(16)
        slide.notes_slide.notes_text_frame.text = f"备注：第{i}部分口径以{doc.number}为准"
    props = deck.core_properties
    props.title, props.author, props.subject = doc.title, doc.author.name, doc.number
    props.last_modified_by, props.revision = doc.author.name, 2
    props.created = doc.date.astimezone(UTC).replace(tzinfo=None)
    props.modified = props.created
    buf = io.BytesIO()
    deck.save(buf)
    return normalise_ooxml(buf.getvalue(), doc.date, doc.date)


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_batch(sources: Sequence[Path], target: str, outdir: Path, profile: Path,
                  timeout: float = 180.0) -> dict[Path, Path]:
    """Convert all `sources` in one LibreOffice run; returns source -> converted file.

    Sources that LibreOffice could not convert are simply missing from the result.
    """
    binary = soffice()
    if binary is None or not sources:
        return {}
    outdir.mkdir(parents=True, exist_ok=True)
    extension = target.split(":")[0]
    command = [binary, "--headless", "--norestore", f"-env:UserInstallation={profile.as_uri()}",
               "--convert-to", target, "--outdir", str(outdir), *map(str, sources)]
    try:
        subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return {}
    done = {}
    for source in sources:
        converted = outdir / f"{source.stem}.{extension}"
        if converted.is_file() and converted.stat().st_size > 0:
            done[source] = converted
    return done


def _sort_master_pages(text: str) -> str:
    """Calc writes its page styles in hash-map order; sort them so output is stable."""
    match = re.search(r"<office:master-styles>(.*?)</office:master-styles>", text, re.S)
    if not match:
        return text
    pages = re.findall(r"<style:master-page\b.*?</style:master-page>", match.group(1), re.S)
    if "".join(pages) != match.group(1):
        return text
    return text[:match.start(1)] + "".join(sorted(pages)) + text[match.end(1):]


def normalise_opendocument(data: bytes, when: datetime) -> bytes:
    """Fix the zip times and the dates LibreOffice stamps into meta.xml."""
    stamp = when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")

    def fix(name: str, content: bytes) -> bytes:
        if not name.endswith(".xml"):
            return content
        text = content.decode("utf-8")
        # Revision-save ids are random per run and mean nothing to a reader.
        text = re.sub(r'((?:paragraph-)?rsid=")[0-9a-fA-F]+"', r'\g<1>00000001"', text)
        text = re.sub(r'(Rsid(?:Root)?" config:type="int">)\d+', r"\g<1>1", text)
        if name == "styles.xml":
            text = _sort_master_pages(text)
        if name != "meta.xml":
            return text.encode("utf-8")
        text = re.sub(r"(<(?:meta:creation-date|dc:date|meta:print-date)>)[^<]*",
                      lambda m: m.group(1) + stamp, text)
        text = re.sub(r"<meta:editing-duration>[^<]*", "<meta:editing-duration>PT1M", text)
        return text.encode("utf-8")

    return rezip(data, when, fix)


def write_xls(doc: Document) -> bytes:
    """A legacy .xls written directly with xlwt, for hosts without LibreOffice."""
    import xlwt  # no type information; kept local so mypy sees one untyped call site

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Sheet1")
    sheet.write(0, 0, doc.title)
    sheet.write(1, 0, doc.number)
    for r, row in enumerate(doc.table, start=2):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()
