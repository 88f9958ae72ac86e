"""Generate a realistic, multilingual sample leak with its answer key.

    generate(out_dir)            the base set: every format at least once (65 files)
    generate(out_dir, files=N)   exactly N top-level files: a subset of the base set that
                                 covers as many formats as possible, or the base set plus
                                 distinct documents in the cheap formats

Output is byte-for-byte reproducible for a given (files, seed). The manifest goes to
`<out_dir>.manifest.json`, beside the leak, because everything inside `out_dir` is
evidence. Legacy Office and OpenDocument files need LibreOffice (`soffice`); without it
those formats are left out and listed in `Manifest.skipped_formats`.
"""

from __future__ import annotations

import os
import random
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from trove.sample import corpus_text as text
from trove.sample import writers as w
from trove.sample import writers_archive as wa
from trove.sample import writers_mail as wm
from trove.sample import writers_office as wo
from trove.sample.corpus_text import Document, Mail
from trove.sample.manifest import Entry, Manifest, manifest_path

MIME = {
    "pdf": "application/pdf", "png": "image/png", "jpeg": "image/jpeg", "tiff": "image/tiff",
    "gif": "image/gif", "bmp": "image/bmp", "webp": "image/webp",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "doc": "application/msword", "xls": "application/vnd.ms-excel",
    "ppt": "application/vnd.ms-powerpoint", "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet", "rtf": "text/rtf",
    "eml": "message/rfc822", "mbox": "application/mbox", "zip": "application/zip",
    "tar.gz": "application/gzip", "tar.bz2": "application/x-bzip2", "tar.xz": "application/x-xz",
    "7z": "application/x-7z-compressed", "html": "text/html", "xml": "text/xml",
    "txt": "text/plain", "csv": "text/csv", "json": "application/json",
    "py": "text/x-script.python", "empty": "application/x-empty",
    "unknown": "application/octet-stream",
}
SCRIPT_OF = {"zh-Hans": "han", "zh-Hant": "han", "ug": "arabic", "en": "latin"}
CHEAP_KINDS = ("docx", "txt", "pdf", "eml", "docx", "html", "xlsx", "txt", "eml", "pdf",
               "csv", "json", "docx", "txt", "eml", "pdf", "html", "xlsx", "json", "png")
PARALLEL_THRESHOLD = 300


@dataclass
class Item:
    """One top-level file to write; `convert` names a LibreOffice target for `data`."""

    entry: Entry
    data: bytes
    convert: str | None = None


class Builder:
    """Makes the documents of one generation run; every choice derives from the seed."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.serial = 100

    def rng(self, *key: object) -> random.Random:
        return random.Random(f"{self.seed}:" + ":".join(map(str, key)))

    def _next(self) -> int:
        self.serial += 1
        return self.serial

    def doc(self, language: str = "zh-Hans", kind: str = "notice") -> Document:
        serial = self._next()
        rng = self.rng("doc", serial, language, kind)
        return make_document(rng, serial, language, kind)

    def mail(self, language: str = "zh-Hans") -> Mail:
        serial = self._next()
        rng = self.rng("mail", serial)
        return text.zh_mail(rng, serial) if language == "zh-Hans" else text.en_mail(rng, serial)


def make_document(rng: random.Random, serial: int, language: str, kind: str) -> Document:
    if language == "zh-Hans":
        return text.zh_document(rng, serial, kind)
    maker: dict[str, Callable[[random.Random, int], Document]] = {
        "zh-Hant": text.zh_hant_document, "ug": text.ug_document,
        "en": lambda r, s: text.en_document(r, s, kind), "ru": text.ru_document,
        "ja": text.ja_document}
    return maker[language](rng, serial)


def _safe(name: str) -> str:
    return "".join("_" if c in '/\\:*?"<>|' else c for c in name)[:60]


def _iso(when: datetime) -> str:
    return when.isoformat()


def contains_for(fmt: str, doc: Document) -> list[str]:
    """The document's distinctive phrases that the given format actually carries."""
    first_id = doc.table[1][4] if len(doc.table) > 1 else None
    if fmt == "csv" and first_id:
        return [first_id, doc.table[1][1]]
    if fmt in ("xlsx", "xls", "ods", "json", "xml") and first_id:
        return [doc.number, first_id]
    if fmt in ("xlsx", "xls", "ods", "json", "xml"):
        return [doc.number]
    if fmt in ("pptx", "ppt"):
        return [doc.number, doc.author.phone]
    return list(doc.contains)


def doc_entry(path: str, fmt: str, doc: Document, **kw: object) -> Entry:
    entry = Entry(path=path, format=fmt, mime=MIME[fmt], language=doc.language,
                  contains=contains_for(fmt, doc))
    for key, value in kw.items():
        setattr(entry, key, value)
    return entry


def mail_entry(path: str, mail: Mail, children: list[Entry] | None = None) -> Entry:
    return Entry(path=path, format="eml", mime=MIME["eml"], language=mail.language,
                 contains=list(mail.contains), children=children or [],
                 metadata={"subject": mail.subject, "date": _iso(mail.date),
                           "message_id": mail.message_id})


# --- the base set, in priority order: the first item of each format comes first ---------

def base_items(b: Builder) -> Iterator[Item]:
    # Born-digital PDF, multi-page, with full Info metadata.
    d = b.doc("zh-Hans", "notice")
    yield Item(doc_entry(f"办公室/通知/{_safe(d.title)}.pdf", "pdf", d, metadata={
        "title": d.title, "author": d.author.name, "created": _iso(d.date),
        "creator": "WPS 文字"}), w.write_pdf(d, min_pages=3))
    d = b.doc("zh-Hans", "notice")
    yield Item(doc_entry(f"人口信息管理处/{_safe(d.title)}.docx", "docx", d, metadata={
        "title": d.title, "author": d.author.name, "last_modified_by": "办公室管理员",
        "created": _iso(d.date.astimezone(UTC)), "revision": "7"}),
        wo.write_docx(d, editor="办公室管理员", revision=7))
    d = b.doc("zh-Hans", "report")
    yield Item(doc_entry(f"人口信息管理处/登记表/{d.number}.xlsx", "xlsx", d, metadata={
        "title": d.title, "author": d.author.name, "sheets": "登记表, 汇总",
        "hidden_sheets": "原始数据"}), wo.write_xlsx(d))
    d = b.doc("zh-Hans", "minutes")
    yield Item(doc_entry(f"宣传教育处/汇报材料/{_safe(d.title)}.pptx", "pptx", d, metadata={
        "title": d.title, "author": d.author.name}), wo.write_pptx(d))
    yield from _scans(b)
    yield from _mail(b)
    yield from _archives(b)
    yield from _texts(b)
    yield from _legacy_office(b)
    yield from _bad_inputs(b)
    yield from _more_variety(b)


def _scan_entry(path: str, fmt: str, doc: Document, **kw: object) -> Entry:
    return doc_entry(path, fmt, doc, ocr=True, contains=[doc.title], **kw)


def _scans(b: Builder) -> Iterator[Item]:
    pages = []
    d = b.doc("zh-Hans", "notice")
    for page in range(2):
        lines = text.scan_lines(d) if page == 0 else list(d.paragraphs[2:])
        pages.append(w.scan_image(lines, "han", b.serial * 10 + page))
    info = {"Producer": "Kyocera TASKalfa 3252ci", "Creator": "Scan to PDF",
            "CreationDate": w.pdf_date(d.date)}
    yield Item(_scan_entry(f"扫描件/{d.date:%Y%m%d}_{b.serial}_扫描.pdf", "pdf", d),
               w.write_scanned_pdf(pages, info, d.number.encode()))
    d = b.doc("zh-Hans", "notice")
    yield Item(doc_entry(f"办公室/机密/{_safe(d.title)}（加密）.pdf", "pdf", d,
                         state="encrypted", password="xl2019", reason="password-protected PDF"),
               w.write_pdf(d, password="xl2019"))
    plan = (("png", "PNG", "zh-Hans"), ("jpeg", "JPEG", "zh-Hans"), ("gif", "GIF", "en"),
            ("bmp", "BMP", "zh-Hans"), ("webp", "WEBP", "ug"), ("png", "PNG", "ug"),
            ("jpeg", "JPEG", "en"))
    for fmt, pil_format, language in plan:
        d = b.doc(language)
        small = fmt in ("gif", "bmp")
        image = w.scan_image(text.scan_lines(d, 8), SCRIPT_OF[language],  # type: ignore[arg-type]
                             b.serial, small=small)
        meta: dict[str, str] = {}
        exif = None
        if fmt == "jpeg":
            lat, lon = 41.0 + b.serial % 7 / 10, 80.0 + b.serial % 5 / 10
            exif = w.camera_exif(d.date, lat, lon, "HUAWEI", "VOG-AL00")
            meta = {"camera_make": "HUAWEI", "camera_model": "VOG-AL00",
                    "taken": d.date.replace(tzinfo=None).isoformat(),
                    "gps": f"{lat:.1f},{lon:.1f}"}
        ext = {"jpeg": "jpg"}.get(fmt, fmt)
        yield Item(_scan_entry(f"扫描件/IMG_{d.date:%Y%m%d}_{b.serial}.{ext}", fmt, d,
                               metadata=meta), w.write_image(image, pil_format, exif=exif))
    d, d2 = b.doc("zh-Hans"), b.doc("en")
    first = w.scan_image(text.scan_lines(d), "han", b.serial)
    second = w.scan_image(text.scan_lines(d2), "latin", b.serial + 1)
    entry = _scan_entry(f"扫描件/多页扫描_{b.serial}.tif", "tiff", d, language="mixed")
    entry.contains = [d.title, d2.title]
    yield Item(entry, w.write_image(first, "TIFF", extra=[second]))


def _attachment_entry(name: str, fmt: str, doc: Document) -> Entry:
    return doc_entry(name, fmt, doc)


def _mail(b: Builder) -> Iterator[Item]:
    m, d1, d2 = b.mail("zh-Hans"), b.doc("zh-Hans"), b.doc("zh-Hans", "report")
    names = (f"{_safe(d1.title)}.docx", f"{d2.number}.pdf")
    attachments = [(names[0], MIME["docx"], wo.write_docx(d1)),
                   (names[1], MIME["pdf"], w.write_pdf(d2))]
    yield Item(mail_entry(f"邮件/收件箱/{m.date:%Y%m%d}_{b.serial}.eml", m, [
        _attachment_entry(names[0], "docx", d1), _attachment_entry(names[1], "pdf", d2)]),
        wm.write_eml(m, attachments))
    # The key case: a zip attachment whose member name is raw GBK, no UTF-8 flag.
    m, d = b.mail("zh-Hans"), b.doc("zh-Hans")
    member = f"{_safe(d.title)}.docx"
    inner = wa.write_legacy_name_zip([(member, wo.write_docx(d))], d.date)
    zip_name = f"材料_{d.date:%Y%m%d}.zip"
    zip_entry = Entry(zip_name, "zip", MIME["zip"], children=[
        _attachment_entry(member, "docx", d)])
    yield Item(mail_entry(f"邮件/收件箱/{m.date:%Y%m%d}_{b.serial}_附件.eml", m, [zip_entry]),
               wm.write_eml(m, [(zip_name, MIME["zip"], inner)]))
    m = b.mail("en")
    entry = mail_entry(f"Northgate/mail/{m.message_id.strip('<>')}.eml", m)
    entry.metadata["not_contains"] = "SCRIPT-ONLY-TEXT"
    yield Item(entry, wm.write_eml(m, html_body=wm.html_mail_body(m)))
    messages, children = [], []
    for i in range(4):
        m = b.mail("zh-Hans" if i % 2 == 0 else "en")
        files: list[wm.Attachment] = []
        # Messages in a mailbox have no names: they are known by their position.
        child = mail_entry(f"message-{i + 1:06d}.eml", m)
        if i == 1:
            d = b.doc("en", "report")
            files = [(f"{d.number}.xlsx", MIME["xlsx"], wo.write_xlsx(d))]
            child.children = [_attachment_entry(f"{d.number}.xlsx", "xlsx", d)]
        messages.append((m, files))
        children.append(child)
    yield Item(Entry("邮件/归档/2019年往来邮件.mbox", "mbox", MIME["mbox"], language="mixed",
                     contains=[c for ch in children for c in ch.contains[:1]],
                     children=children), wm.write_mbox(messages))


def _archives(b: Builder) -> Iterator[Item]:
    d1, d2, d3 = b.doc("zh-Hans"), b.doc("zh-Hans", "report"), b.doc("en")
    inner = wa.write_zip([(f"{d2.number}.csv", w.write_csv(d2.table)),
                          (f"{d3.number}.pdf", w.write_pdf(d3))], d2.date)
    members = [(f"说明/{_safe(d1.title)}.txt", w.write_text(d1, "utf-8")),
               ("内层/数据.zip", inner)]
    inner_entry = Entry("内层/数据.zip", "zip", MIME["zip"], children=[
        doc_entry(f"{d2.number}.csv", "csv", d2), doc_entry(f"{d3.number}.pdf", "pdf", d3)])
    yield Item(Entry(f"备份/资料汇总_{d1.date:%Y%m}.zip", "zip", MIME["zip"], children=[
        doc_entry(members[0][0], "txt", d1), inner_entry]), wa.write_zip(members, d1.date))
    for compression in ("gz", "bz2", "xz"):
        d, dd = b.doc("zh-Hans"), b.doc("ug")
        members = [(f"资料/{d.number}.docx", wo.write_docx(d)),
                   (f"资料/{dd.number.replace(' ', '_')}.txt", w.write_text(dd, "utf-8"))]
        fmt = f"tar.{compression}"
        yield Item(Entry(f"备份/archive_{d.date:%Y%m%d}.{fmt}", fmt, MIME[fmt],
                         children=[doc_entry(members[0][0], "docx", d),
                                   doc_entry(members[1][0], "txt", dd)]),
                   wa.write_tar(members, d.date, compression))
    d, dd = b.doc("zh-Hans"), b.doc("zh-Hant")
    members = [(f"{d.number}.pdf", w.write_pdf(d)), (f"函件/{dd.number}.txt",
                                                     w.write_text(dd, "utf-8"))]
    yield Item(Entry(f"备份/导出_{d.date:%Y%m%d}.7z", "7z", MIME["7z"], children=[
        doc_entry(members[0][0], "pdf", d), doc_entry(members[1][0], "txt", dd)]),
        wa.write_7z(members, d.date))
    d = b.doc("zh-Hans")
    paths = [f"办公室/通知/{d.number}.docx", f"基层工作指导处/转发/{d.number}.docx",
             f"个人文件夹/下载/{d.number}(1).docx"]
    data = wo.write_docx(d)
    for path in paths:
        yield Item(doc_entry(path, "docx", d, duplicates=[p for p in paths if p != path]),
                   data)
    d = b.doc("zh-Hans")
    yield Item(Entry("备份/数据库备份_完整.zip", "zip", MIME["zip"], state="partial",
                     alt_states=["extracted", "skipped"], reason="zip bomb: 1 GiB of zeros",
                     children=[Entry("database_full.sql", "txt", MIME["txt"], state="skipped",
                                     reason="limit: compression ratio ~1000:1")]),
               wa.write_bomb("database_full.sql", d.date))
    d, dd = b.doc("zh-Hans"), b.doc("zh-Hans", "report")
    clear, secret = f"{d.number}.txt", f"{dd.number}_名单.csv"
    yield Item(Entry(f"办公室/机密/名单_{dd.date:%Y%m%d}.zip", "zip", MIME["zip"],
                     state="partial", alt_states=["extracted", "encrypted"],
                     children=[doc_entry(clear, "txt", d),
                               doc_entry(secret, "csv", dd, state="encrypted",
                                         password="123456", reason="ZipCrypto member")]),
               wa.write_encrypted_zip([(clear, w.write_text(d, "utf-8"), None),
                                       (secret, w.write_csv(dd.table), "123456")],
                                      dd.date, b.seed))
    d = b.doc("zh-Hans")
    data = w.write_text(d, "utf-8")
    entry = doc_entry("最里层.txt", "txt", d)
    for level in range(6, 0, -1):
        data = wa.write_zip([(entry.path, data)], d.date)
        entry = Entry(f"第{level}层.zip", "zip", MIME["zip"], children=[entry])
    entry.path = f"备份/套娃_{b.serial}.zip"
    yield Item(entry, data)


def _texts(b: Builder) -> Iterator[Item]:
    d = b.doc("zh-Hans", "report")
    yield Item(doc_entry(f"内网/通知公告/{d.number}.html", "html", d, metadata={
        "title": d.title, "not_contains": "INTRANET-TRACKER"}), w.write_html(d))
    d = b.doc("zh-Hans", "report")
    yield Item(doc_entry(f"内网/导出/{d.number}.xml", "xml", d), w.write_xml(d))
    for language, encoding in (("zh-Hans", "utf-8"), ("ug", "utf-16"), ("zh-Hans", "gb18030"),
                               ("zh-Hans", "gbk"), ("zh-Hant", "big5"), ("ja", "shift_jis"),
                               ("ru", "koi8_r"), ("ru", "cp1251")):
        d = b.doc(language)
        yield Item(doc_entry(f"文本/{encoding}/{b.serial}_{d.date:%Y%m%d}.txt", "txt", d,
                             metadata={"encoding": encoding}), w.write_text(d, encoding))
    d = b.doc("zh-Hans", "report")
    yield Item(doc_entry(f"人口信息管理处/登记表/{d.number}.csv", "csv", d,
                         metadata={"encoding": "gbk"}), w.write_csv(d.table))
    d = b.doc("zh-Hans", "report")
    yield Item(doc_entry(f"信息技术中心/导出/{d.number}.json", "json", d), w.write_json(d))
    d = b.doc("zh-Hans")
    entry = doc_entry("信息技术中心/脚本/sync_checkpoint.py", "py", d)
    entry.contains = [d.author.phone, d.number]
    yield Item(entry, w.write_source(d))
    d = b.doc("zh-Hans")
    yield Item(doc_entry(f"办公室/{_safe(d.title)}.rtf", "rtf", d, metadata={
        "title": d.title, "author": d.author.name}), w.write_rtf(d))


SOURCE_WRITERS: dict[str, Callable[[Document], bytes]] = {
    "docx": wo.write_docx, "xlsx": wo.write_xlsx, "pptx": wo.write_pptx}


def _legacy_office(b: Builder) -> Iterator[Item]:
    d = b.doc("ug")
    yield Item(doc_entry(f"ئۇقتۇرۇش/{b.serial}.pdf", "pdf", d, metadata={
        "author": d.author.name}), wo.write_docx(d), convert="pdf")
    for fmt, source in (("doc", "docx"), ("xls", "xlsx"), ("ppt", "pptx"), ("odt", "docx"),
                        ("ods", "xlsx")):
        d = b.doc("zh-Hans", "report" if source == "xlsx" else "notice")
        data = SOURCE_WRITERS[source](d)
        yield Item(doc_entry(f"旧档案/{d.date:%Y}/{_safe(d.title)}.{fmt}", fmt, d, metadata={
            "title": d.title, "author": d.author.name}), data, convert=fmt)
    d = b.doc("zh-Hans", "report")
    yield Item(doc_entry(f"旧档案/{d.date:%Y}/{d.number}_xlwt.xls", "xls", d),
               wo.write_xls(d))


def _bad_inputs(b: Builder) -> Iterator[Item]:
    d = b.doc("zh-Hans")
    full = w.write_pdf(d, min_pages=2)
    yield Item(doc_entry(f"损坏/{d.number}_下载中断.pdf", "pdf", d, state="failed",
                         alt_states=["partial"], reason="truncated at 45%", contains=[]),
               full[: len(full) * 45 // 100])
    d = b.doc("zh-Hans")
    full = wo.write_docx(d)
    yield Item(Entry(f"损坏/{d.number}_下载中断.docx", "docx", MIME["docx"],
                     state="failed", alt_states=["partial"], reason="truncated at 50%",
                     language="zh-Hans"), full[: len(full) // 2])
    d = b.doc("zh-Hans")
    yield Item(doc_entry(f"杂项/IMG_{b.serial}.jpg", "pdf", d, mislabelled=True),
               w.write_pdf(d))
    d = b.doc("zh-Hans")
    yield Item(doc_entry(f"杂项/{d.number}.pdf", "docx", d, mislabelled=True),
               wo.write_docx(d))
    yield Item(Entry("损坏/会议记录_final.docx", "unknown", MIME["unknown"], state="failed",
                     alt_states=["unsupported"], reason="random bytes, not a document"),
               b.rng("corrupt").randbytes(20_000))
    yield Item(Entry("杂项/新建文本文档.txt", "empty", MIME["empty"],
                     alt_states=["skipped"]), b"")
    rng = b.rng("unknown")
    yield Item(Entry("杂项/device_dump.dat", "unknown", MIME["unknown"], state="unsupported",
                     reason="proprietary binary format"),
               b"\x7fXLDV\x02\x00" + rng.randbytes(8000))


def _more_variety(b: Builder) -> Iterator[Item]:
    d = b.doc("zh-Hant")
    yield Item(doc_entry(f"外来函件/{d.number}.docx", "docx", d), wo.write_docx(d))
    d = b.doc("en", "report")
    yield Item(doc_entry(f"Northgate/reports/{d.number}.pdf", "pdf", d), w.write_pdf(d))
    d = b.doc("en", "report")
    yield Item(doc_entry(f"Northgate/reports/{d.number}.docx", "docx", d), wo.write_docx(d))
    d = b.doc("zh-Hans", "minutes")
    yield Item(doc_entry(f"办公室/会议纪要/{_safe(d.title)}.pdf", "pdf", d), w.write_pdf(d))
    d = b.doc("zh-Hans", "minutes")
    yield Item(doc_entry(f"办公室/会议纪要/{_safe(d.title)}.docx", "docx", d),
               wo.write_docx(d))
    m = b.mail("en")
    yield Item(mail_entry(f"Northgate/mail/{m.message_id.strip('<>')}.eml", m),
               wm.write_eml(m))
    d = b.doc("ug")
    yield Item(doc_entry(f"ئۇقتۇرۇش/{b.serial}.docx", "docx", d), wo.write_docx(d))
    d = b.doc("en", "report")
    yield Item(doc_entry(f"Northgate/reports/{d.number}.xlsx", "xlsx", d), wo.write_xlsx(d))


# --- extra documents for large caches -----------------------------------------------------

def extra_items(seed: int, index: int) -> Item:
    """The `index`-th extra document: distinct content in one of the cheap formats.

    Sizes aim at what real caches hold, mostly tens of KB: registers run to hundreds of
    rows, text files are compilations of several notices, mails quote the message they
    answer and every third one carries a PDF.
    """
    b = Builder(seed)
    b.serial = 100_000 + index * 8  # room for the up to 7 documents one extra file uses
    kind = CHEAP_KINDS[index % len(CHEAP_KINDS)]
    if kind == "png" and index % (2 * len(CHEAP_KINDS)) >= len(CHEAP_KINDS):
        kind = "docx"  # one scan in forty files keeps the cache from being mostly pixels
    rng = b.rng("extra", index)
    language = rng.choice(("zh-Hans",) * 6 + ("en", "ug", "zh-Hant"))
    doc_kind = rng.choice(("notice", "notice", "minutes", "report"))
    if kind in ("csv", "json", "xlsx"):
        language, doc_kind = "zh-Hans", "report"
    if kind in ("pdf", "png") and language == "ug":
        language = "zh-Hans"  # ReportLab cannot shape Arabic; LibreOffice is too slow here
    if kind == "eml":
        return _extra_mail(b, rng, "en" if language == "en" else "zh-Hans")
    d = b.doc(language, doc_kind if language == "zh-Hans" else "report")
    if d.table and kind in ("csv", "json", "xlsx", "html"):
        d = replace(d, table=text.register_table(rng, rng.randint(30, 300)))
    folder = f"归档/{d.date:%Y}/{d.date:%m}"
    stem = f"{folder}/{b.serial}_{_safe(d.title)[:24]}"
    if kind == "docx":
        return Item(doc_entry(f"{stem}.docx", kind, d), wo.write_docx(d))
    if kind == "pdf":
        return Item(doc_entry(f"{stem}.pdf", kind, d), w.write_pdf(d))
    if kind == "xlsx":
        return Item(doc_entry(f"{stem}.xlsx", kind, d), wo.write_xlsx(d))
    if kind == "html":
        return Item(doc_entry(f"{stem}.html", kind, d), w.write_html(d))
    if kind == "csv":
        return Item(doc_entry(f"{stem}.csv", kind, d), w.write_csv(d.table))
    if kind == "json":
        return Item(doc_entry(f"{stem}.json", kind, d), w.write_json(d))
    if kind == "png":
        image = w.scan_image(text.scan_lines(d, 8), SCRIPT_OF[language],  # type: ignore[arg-type]
                             b.serial, small=True)
        return Item(_scan_entry(f"{stem}.png", kind, d), w.write_image(image, "PNG"))
    others = [b.doc(language) for _ in range(rng.randint(1, 5))]
    compiled = "\n\n".join(w.plain_text(x) for x in (d, *others))
    entry = doc_entry(f"{stem}.txt", "txt", d)
    entry.contains += [others[-1].number]
    return Item(entry, compiled.encode("utf-8"))


def _extra_mail(b: Builder, rng: random.Random, language: str) -> Item:
    m = b.mail(language)
    quoted = b.doc(language)
    header = "-----原始邮件-----" if language != "en" else "-----Original Message-----"
    m = replace(m, paragraphs=(*m.paragraphs, header, quoted.title, *quoted.paragraphs))
    entry = mail_entry(f"邮件/归档/{m.date:%Y}/{b.serial}.eml", m)
    attachments: list[wm.Attachment] = []
    if rng.random() < 1 / 3:
        d = b.doc("zh-Hans" if language != "en" else "en", "report")
        attachments.append((f"{d.number}.pdf", MIME["pdf"], w.write_pdf(d)))
        entry.children.append(doc_entry(f"{d.number}.pdf", "pdf", d))
    return Item(entry, wm.write_eml(m, attachments))


def _write_extras(out_dir: Path, seed: int, indexes: range) -> list[Entry]:
    entries = []
    for index in indexes:
        item = extra_items(seed, index)
        _write(out_dir, item.entry.path, item.data)
        entries.append(item.entry)
    return entries


def _write(out_dir: Path, relative: str, data: bytes) -> None:
    target = out_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)


# --- LibreOffice conversions ----------------------------------------------------------------

def _convert_all(items: list[Item], skipped: dict[str, str]) -> list[Item]:
    """Run one LibreOffice batch per target format; drop items it could not make."""
    pending = [item for item in items if item.convert]
    if not pending:
        return items
    if wo.soffice() is None:
        for item in pending:
            skipped[item.entry.format] = "LibreOffice (soffice) not found"
        return [item for item in items if not item.convert]
    done: dict[int, bytes] = {}
    with tempfile.TemporaryDirectory(prefix="trove-sample-lo-") as tmp:
        root = Path(tmp)
        for target in sorted({item.convert for item in pending if item.convert}):
            batch = [item for item in pending if item.convert == target]
            sources = {}
            for item in batch:
                source_ext = {"doc": "docx", "odt": "docx", "pdf": "docx", "xls": "xlsx",
                              "ods": "xlsx", "ppt": "pptx"}[target]
                source = root / "src" / target / f"s{id(item)}.{source_ext}"
                source.parent.mkdir(parents=True, exist_ok=True)
                source.write_bytes(item.data)
                sources[source] = item
            converted = wo.convert_batch(list(sources), target, root / "out" / target,
                                         root / "profile")
            for source, item in sources.items():
                if source in converted:
                    done[id(item)] = _post_convert(item, converted[source].read_bytes())
    kept = []
    for item in items:
        if not item.convert:
            kept.append(item)
        elif id(item) in done:
            kept.append(replace(item, data=done[id(item)], convert=None))
        else:
            skipped[item.entry.format] = "LibreOffice failed to convert"
    return kept


def _post_convert(item: Item, data: bytes) -> bytes:
    """Strip what LibreOffice stamps from the clock: zip times, meta dates, PDF ids."""
    created = item.entry.metadata.get("created")
    when = datetime.fromisoformat(created) if created else datetime(2019, 1, 1, tzinfo=UTC)
    if item.convert in ("odt", "ods"):
        return wo.normalise_opendocument(data, when)
    if item.convert == "pdf":
        info = {"Author": item.entry.metadata.get("author", ""), "Creator": "Writer",
                "Producer": "LibreOffice 7.4", "CreationDate": w.pdf_date(when)}
        return w.finalise_pdf(data, info=info, file_id=item.entry.path.encode())
    return data


# --- the entry point ----------------------------------------------------------------------

def _take(items: Iterator[Item], limit: int | None) -> list[Item]:
    """The base items, or the first `limit` top-level files with one of each format first."""
    everything = list(items)
    if limit is None:
        return everything
    firsts: list[Item] = []
    rest: list[Item] = []
    seen: set[str] = set()
    for item in everything:
        (rest if item.entry.format in seen else firsts).append(item)
        seen.add(item.entry.format)
    return (firsts + rest)[:limit]


def generate(out_dir: Path, *, files: int | None = None, seed: int = 0) -> Manifest:
    """Write a sample leak into `out_dir` and its manifest beside it; return the manifest."""
    out_dir.mkdir(parents=True, exist_ok=True)
    skipped: dict[str, str] = {}
    builder = Builder(seed)
    items = _convert_all(_take(base_items(builder), files), skipped)
    if files is not None:
        items = items[:files]
    for item in items:
        _write(out_dir, item.entry.path, item.data)
    entries = [item.entry for item in items]
    missing = 0 if files is None else files - len(entries)
    if missing > 0:
        entries += _extras(out_dir, seed, missing)
    manifest = Manifest(root=out_dir.name, seed=seed, files=len(entries), entries=entries,
                        skipped_formats=skipped)
    manifest.write(manifest_path(out_dir))
    return manifest


def _extras(out_dir: Path, seed: int, count: int) -> list[Entry]:
    workers = min(os.cpu_count() or 1, 8)
    if count < PARALLEL_THRESHOLD or workers < 2:
        return _write_extras(out_dir, seed, range(count))
    step = 100
    chunks = [range(start, min(start + step, count)) for start in range(0, count, step)]
    entries: list[Entry] = []
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for chunk_entries in pool.map(_write_extras, [out_dir] * len(chunks),
                                      [seed] * len(chunks), chunks):
            entries += chunk_entries
    return entries
