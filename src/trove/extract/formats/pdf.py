"""PDF: text per page with pypdfium2, a second opinion from pdfminer.six, OCR of scans.

pypdfium2 is fast (a few ms a page) but mis-decodes some fonts: CJK text whose
ToUnicode map is wrong comes out as rare characters ("Buyer˖哾㦓" for "Buyer：黎荣"),
and non-Unicode CMaps come out as shifted Latin with no spaces. A cheap test on each
page's text (`suspicion`) catches those; only such pages are read again with pdfminer,
whose reading wins when it looks less wrong. Pages with no text layer are rendered and
read by OCR (`trove.extract.ocr`). XMP metadata comes from pypdf, which parses the
catalogue lazily. The suspicion test is written here: no library offers one.
"""

from __future__ import annotations

import functools
import re
import threading
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from trove.errors import EncryptedError, ExtractionError, LimitExceeded
from trove.extract.base import Extractor
from trove.extract.ocr import MAX_SIDE, ocr_image
from trove.extract.records import Child, Context, Extraction, Page

# PDFium is not thread-safe; one document at a time per process.
_PDFIUM_LOCK = threading.Lock()
MIN_TEXT_CHARS = 8  # fewer non-space characters than this: treat as a scanned page
MAX_SECOND_OPINIONS = 50  # pages per document re-read with pdfminer
MAX_ATTACHMENT_BYTES = 512 * 1024**2

_SUSPECT = re.compile("[\ufffd\ue000-\uf8ff\x00-\x08\x0b\x0e-\x1f\u02d6]")
_HAN = re.compile("[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]")
_LETTER = re.compile(r"[^\W\d_]")
_PDF_DATE = re.compile(
    r"D?:?(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?\s*(Z|[+-]\d{2}'?\d{2}'?|[+-]\d{2})?")


@functools.cache
def _rare_han(char: str) -> bool:
    """A Han character outside both GB2312 and Big5: rare in real text, common in
    mis-decoded text."""
    for codec in ("gb2312", "big5"):
        try:
            char.encode(codec)
            return False
        except UnicodeEncodeError:
            continue
    return True


def suspicion(text: str) -> float:
    """How wrong a page's text looks, 0 for clean text; cheap enough for every page.

    Counts replacement, private-use and control characters, Han characters outside
    GB2312 and Big5, and long Latin text without word breaks (a non-Unicode CMap).
    """
    if not text:
        return 0.0
    bad = len(_SUSPECT.findall(text))
    han = _HAN.findall(text)
    bad += sum(1 for c in han if _rare_han(c))
    letters = len(_LETTER.findall(text))
    if letters >= 16 and len(han) * 10 < letters:
        spaces = text.count(" ") + text.count("\n")
        if spaces < letters * 0.04:
            bad += letters // 4
    return bad / max(1, len(han) + letters)


def pdf_date(value: str) -> str | None:
    """A PDF date ("D:20190425161540+08'00'") as ISO 8601, or None if unreadable."""
    match = _PDF_DATE.match(value.strip())
    if not match:
        return None
    year, month, day, hour, minute, second, zone = match.groups()
    try:
        moment = datetime(int(year), int(month or 1), int(day or 1), int(hour or 0),
                          int(minute or 0), int(second or 0))
    except ValueError:
        return None
    iso = moment.isoformat()
    if zone == "Z":
        iso += "+00:00"
    elif zone:
        digits = zone.replace("'", "")
        iso += f"{digits[:3]}:{digits[3:5] or '00'}"
    return iso


def _clean(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    return "\n".join(line.rstrip() for line in text.split("\n")).strip()


def _second_opinion(path: Path, index: int, password: str | None) -> str:
    from pdfminer.high_level import extract_text

    try:
        return _clean(extract_text(str(path), password=password or "",
                                   page_numbers=[index]).replace("\f", ""))
    except Exception:  # pdfminer raises many types on damaged files; it is only a check
        return ""


def _open(path: Path, passwords: tuple[str, ...]) -> tuple[pdfium.PdfDocument, str | None]:
    last: Exception | None = None
    for password in (None, *passwords):
        try:
            return pdfium.PdfDocument(str(path), password=password), password
        except pdfium.PdfiumError as exc:
            if "password" not in str(exc).lower():
                raise
            last = exc
    raise EncryptedError("PDF is encrypted and none of the supplied passwords opens it"
                         ) from last


def _metadata(pdf: pdfium.PdfDocument) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    info = pdf.get_metadata_dict(skip_empty=True)
    for key, name in (("Title", "title"), ("Author", "author"), ("Subject", "subject"),
                      ("Keywords", "keywords"), ("Creator", "creator"),
                      ("Producer", "producer")):
        if info.get(key, "").strip():
            meta[name] = info[key].strip()
    for key, name in (("CreationDate", "created"), ("ModDate", "modified")):
        if info.get(key):
            iso = pdf_date(info[key])
            if iso:
                meta[name] = iso
    version = pdf.get_version()
    if version:
        meta["pdf_version"] = f"{version // 10}.{version % 10}"
    meta["page_count"] = len(pdf)
    meta["encrypted"] = pdfium_c.FPDF_GetSecurityHandlerRevision(pdf.raw) != -1
    return meta


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items() if v not in (None, "", [])}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value if isinstance(value, str | int | float | bool) else str(value)


def _xmp(path: Path, password: str | None) -> dict[str, Any]:
    """XMP fields pypdf can read, or {} (XMP is optional and often broken)."""
    import pypdf

    try:
        reader = pypdf.PdfReader(str(path), strict=False)
        if reader.is_encrypted:
            reader.decrypt(password or "")
        root = reader.trailer["/Root"].get_object()
        if not isinstance(root, pypdf.generic.DictionaryObject) or "/Metadata" not in root:
            return {}
        xmp = reader.xmp_metadata
        if xmp is None:
            return {}
        fields = {name: getattr(xmp, name, None) for name in (
            "dc_title", "dc_creator", "dc_description", "dc_subject", "dc_date",
            "dc_language", "dc_publisher", "pdf_producer", "pdf_keywords",
            "xmp_create_date", "xmp_modify_date", "xmp_metadata_date",
            "xmp_creator_tool", "xmpmm_document_id", "xmpmm_instance_id")}
    except Exception:  # a damaged XMP packet must not fail the document
        return {}
    out = _jsonable(fields)
    return out if isinstance(out, dict) else {}


def _attachments(pdf: pdfium.PdfDocument, ctx: Context) -> list[Child]:
    children: list[Child] = []
    for index in range(pdf.count_attachments()):
        attachment = pdf.get_attachment(index)
        name = attachment.get_name() or f"attachment-{index + 1}"
        try:
            data = attachment.get_data()
        except pdfium.PdfiumError as exc:
            children.append(Child(name, None, "failed", f"unreadable attachment: {exc}"))
            continue
        if len(data) > MAX_ATTACHMENT_BYTES:
            children.append(Child(name, None, "skipped", "limit: attachment too large"))
            continue
        target = ctx.new_child_path(Path(name).suffix.lower())
        target.write_bytes(bytes(data))
        children.append(Child(name, target))
    return children


def _render(page: pdfium.PdfPage, dpi: int) -> Any:
    width, height = page.get_size()
    scale = min(dpi / 72, MAX_SIDE / max(width, height, 1))
    image = page.render(scale=scale, grayscale=True).to_pil()
    image.info["dpi"] = (scale * 72, scale * 72)
    return image


class PdfExtractor(Extractor):
    name: ClassVar[str] = "pdf"
    mime_types: ClassVar[frozenset[str]] = frozenset({"application/pdf",
                                                      "application/x-pdf"})
    extensions: ClassVar[frozenset[str]] = frozenset({".pdf"})
    magic: ClassVar[tuple[bytes, ...]] = (b"%PDF-",)
    score: ClassVar[int] = 50

    def extract(self, path: Path, ctx: Context) -> Extraction:
        with _PDFIUM_LOCK:
            try:
                pdf, password = _open(path, ctx.passwords)
            except pdfium.PdfiumError as exc:
                return _fallback(path, ctx, f"PDFium cannot open it ({exc})")
            try:
                return self._extract(pdf, password, path, ctx)
            finally:
                pdf.close()

    def _extract(self, pdf: pdfium.PdfDocument, password: str | None, path: Path,
                 ctx: Context) -> Extraction:
        meta = _metadata(pdf)
        if password is not None:
            meta["opened_with_password"] = True
        pages: list[Page] = []
        problems: list[str] = []
        ocr_done = second_opinions = 0
        engines: set[str] = set()
        hint: str | None = None  # the script OCR found on an earlier page of this document
        for index in range(len(pdf)):
            number = index + 1
            try:
                page = pdf[index]
                try:
                    text = _clean(page.get_textpage().get_text_range())
                    if (suspicion(text) > 0.02 and second_opinions < MAX_SECOND_OPINIONS):
                        second_opinions += 1
                        other = _second_opinion(path, index, password)
                        if other and suspicion(other) < suspicion(text):
                            text = other
                    if len("".join(text.split())) >= MIN_TEXT_CHARS or not ctx.ocr.enabled:
                        pages.append(Page(number, text))
                        continue
                    if ocr_done >= ctx.ocr.max_pages:
                        pages.append(Page(number, text, error="OCR page limit reached"))
                        problems.append(f"page {number}: OCR page limit reached")
                        continue
                    ocr_done += 1
                    result = ocr_image(_render(page, ctx.ocr.dpi), ctx.ocr, hint=hint)
                    hint = result.script or hint
                finally:
                    page.close()
            except (ExtractionError, pdfium.PdfiumError, OSError, ValueError) as exc:
                reason = str(exc)[:200] or type(exc).__name__
                pages.append(Page(number, "", error=reason))
                problems.append(f"page {number}: {reason}")
                continue
            if result.engine:
                engines.add(result.engine)
            ocr_text = result.text if len(result.text) > len(text) else text
            pages.append(Page(number, ocr_text, ocr=bool(result.engine),
                              ocr_engine=result.engine or None,
                              confidence=result.confidence))
        if engines:
            meta["ocr_engine"] = ", ".join(sorted(engines))
        xmp = _xmp(path, password)
        if xmp:
            meta["xmp"] = xmp
        children: list[Child] = []
        try:
            children = _attachments(pdf, ctx)
        except (pdfium.PdfiumError, OSError) as exc:
            problems.append(f"attachments: {exc}")
        if children:
            meta["attachments"] = len(children)
        if problems:
            failed = sum(1 for p in pages if p.error)
            reason = f"{failed} of {len(pages)} pages not read: " + "; ".join(problems[:3])
            return Extraction("partial", pages=tuple(pages), metadata=meta,
                              children=tuple(children), reason=reason[:300])
        return Extraction("extracted", pages=tuple(pages), metadata=meta,
                          children=tuple(children))


def _fallback(path: Path, ctx: Context, why: str) -> Extraction:
    """A PDF that PDFium refuses: pdfminer reads what it can, page by page."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LTTextContainer

    if ctx.limits.max_file_size and path.stat().st_size > ctx.limits.max_file_size:
        raise LimitExceeded("PDF too large for the fallback reader")
    pages: list[Page] = []
    try:
        for number, layout in enumerate(extract_pages(str(path)), start=1):
            parts = [el.get_text() for el in layout if isinstance(el, LTTextContainer)]
            pages.append(Page(number, _clean("".join(parts))))
    except Exception as exc:  # damaged beyond what pdfminer reads; keep earlier pages
        if not pages:
            raise ExtractionError(f"damaged PDF: {why}; pdfminer: "
                                  f"{type(exc).__name__}: {exc}"[:300]) from exc
    if not any(p.text for p in pages):
        raise ExtractionError(f"damaged PDF, no text could be read: {why}"[:300])
    return Extraction("partial", pages=tuple(pages), metadata={"page_count": len(pages)},
                      reason=f"damaged PDF read with the fallback reader: {why}"[:300])


__all__ = ["PdfExtractor", "pdf_date", "suspicion"]
