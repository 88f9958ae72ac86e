"""Writers for the sample leak: PDF, images, and the text family (plain, HTML, XML, CSV,
JSON, RTF, source code). Office, mail and archive writers live in writers_*.py.

Every writer returns bytes and is deterministic: no clock, no unseeded randomness. RTF is
written by hand because no maintained library writes RTF with code-page escapes.
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
import json
import re
from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Literal

from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, ByteStringObject
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from trove.sample import scans
from trove.sample.corpus_text import Document

CJK_FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
Script = Literal["han", "arabic", "latin"]


def pdf_date(when: datetime) -> str:
    offset = when.strftime("%z") or "+0000"
    return f"D:{when:%Y%m%d%H%M%S}{offset[:3]}'{offset[3:]}'"


@cache
def _font() -> str:
    pdfmetrics.registerFont(TTFont("WQY", CJK_FONT, subfontIndex=0))
    return "WQY"


def _wrap(text: str, size: float, width: float, keep: Sequence[str]) -> list[str]:
    """Greedy line breaking that never splits a word, a number or a `keep` phrase."""
    alternatives = [re.escape(k) for k in sorted(keep, key=len, reverse=True) if k]
    alternatives.append(r"[A-Za-z0-9\u0400-\u04ff.,;:!?'()\-/%@+_]+\s*")
    tokens = re.findall("|".join(alternatives) + "|.", text, flags=re.S)
    lines: list[str] = []
    current = ""
    for token in tokens:
        candidate = current + token
        if current and pdfmetrics.stringWidth(candidate, _font(), size) > width:
            lines.append(current.rstrip())
            current = token.lstrip()
        else:
            current = candidate
    if current.strip():
        lines.append(current.rstrip())
    return lines


def finalise_pdf(data: bytes, *, info: dict[str, str], file_id: bytes,
                 password: str | None = None) -> bytes:
    """Set the Info dictionary and a fixed /ID, optionally encrypt (RC4: no random IV)."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.metadata = None
    writer.add_metadata({f"/{k}": v for k, v in info.items()})
    fixed = ByteStringObject(hashlib.md5(file_id).digest())
    writer._ID = ArrayObject([fixed, fixed])
    if password is not None:
        writer.encrypt(password, f"owner-{password}", algorithm="RC4-128")
        writer._ID = ArrayObject([fixed, fixed])  # encrypt() draws a random second half
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_info(doc: Document, creator: str = "WPS 文字") -> dict[str, str]:
    return {"Title": doc.title, "Author": doc.author.name, "Subject": doc.number,
            "Keywords": ", ".join(doc.keywords), "Creator": creator,
            "Producer": "Trove sample PDF writer (ReportLab)",
            "CreationDate": pdf_date(doc.date), "ModDate": pdf_date(doc.date)}


def write_pdf(doc: Document, *, password: str | None = None, min_pages: int = 1) -> bytes:
    """A born-digital, multi-page PDF of `doc` with its text layer."""
    font = _font()
    buf = io.BytesIO()
    canvas = Canvas(buf, pagesize=A4, invariant=True, pageCompression=1)
    width, height = A4
    left, top, bottom = 64.0, height - 72.0, 64.0
    page = 1
    y = top

    def new_page() -> None:
        nonlocal y, page
        canvas.setFont(font, 9)
        canvas.drawCentredString(width / 2, 36, f"- {page} -")
        canvas.showPage()
        page += 1
        y = top

    canvas.setFont(font, 9)
    canvas.drawString(left, height - 40, doc.unit[:60])
    blocks = [(doc.title, 15.0), (doc.number, 11.0)] + [(p, 11.0) for p in doc.paragraphs]
    if doc.table:
        blocks += [("  |  ".join(row), 9.0) for row in doc.table]
    for text, size in blocks:
        for line in _wrap(text, size, width - 2 * left, doc.contains):
            if y < bottom:
                new_page()
            canvas.setFont(font, size)
            canvas.drawString(left, y, line)
            y -= size * 1.7
        y -= 6
    while page < min_pages:
        new_page()
        canvas.setFont(font, 11)
        canvas.drawString(left, y, f"（附页 {page}）{doc.number}")
    canvas.setFont(font, 9)
    canvas.drawCentredString(width / 2, 36, f"- {page} -")
    canvas.showPage()
    canvas.save()
    return finalise_pdf(buf.getvalue(), info=pdf_info(doc), file_id=doc.number.encode(),
                        password=password)


def scan_image(lines: Sequence[str], script: Script, seed: int, *, small: bool = False
               ) -> Image.Image:
    """A scanned page; `small` gives a half-page strip for cheap, realistic-size images."""
    if small:
        return scans.render_scan(lines, script=script, seed=seed, width=1000, height=620,
                                 noise=0.015)
    return scans.render_scan(lines, script=script, seed=seed)


def write_scanned_pdf(pages: Sequence[Image.Image], info: dict[str, str], file_id: bytes
                      ) -> bytes:
    """Page images and no text layer, as a copier's scan-to-PDF makes them."""
    buf = io.BytesIO()
    pages[0].save(buf, "PDF", save_all=True, append_images=list(pages[1:]),
                  resolution=150.0, quality=70)
    return finalise_pdf(buf.getvalue(), info=info, file_id=file_id)


def camera_exif(when: datetime, lat: float, lon: float, make: str = "Canon",
                model: str = "Canon EOS 80D") -> Image.Exif:
    """EXIF a phone or camera would write: make, model, capture date and GPS position."""
    exif = Image.Exif()
    stamp = f"{when:%Y:%m:%d %H:%M:%S}"
    exif[0x010F], exif[0x0110], exif[0x0132] = make, model, stamp
    exif.get_ifd(0x8769)[0x9003] = stamp

    def dms(value: float) -> tuple[float, float, float]:
        value = abs(value)
        degrees, rest = int(value), (abs(value) - int(value)) * 60
        return (float(degrees), float(int(rest)), round((rest - int(rest)) * 60, 2))

    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = ("N" if lat >= 0 else "S"), dms(lat)
    gps[3], gps[4] = ("E" if lon >= 0 else "W"), dms(lon)
    return exif


def write_image(image: Image.Image, fmt: str, *, exif: Image.Exif | None = None,
                extra: Sequence[Image.Image] = ()) -> bytes:
    buf = io.BytesIO()
    if fmt == "JPEG":
        image.save(buf, "JPEG", quality=72, exif=exif or Image.Exif())
    elif fmt == "TIFF":
        image.save(buf, "TIFF", save_all=True, append_images=list(extra),
                   compression="tiff_deflate")
    elif fmt == "WEBP":
        image.save(buf, "WEBP", quality=65, method=4)
    elif fmt == "GIF":
        image.convert("P", palette=Image.Palette.ADAPTIVE, colors=16).save(buf, "GIF")
    else:
        image.save(buf, fmt)
    return buf.getvalue()


# --- the text family ---------------------------------------------------------------------

def plain_text(doc: Document) -> str:
    lines = [doc.title, doc.number, "", *doc.paragraphs]
    if doc.table:
        lines += ["", *("\t".join(row) for row in doc.table)]
    return "\n".join(lines) + "\n"


# Characters some legacy code pages lack, replaced the way a clerk's editor would.
_LEGACY_SUBSTITUTES = {"koi8_r": {"№": "N", "«": '"', "»": '"'},
                       "shift_jis": {"·": "・"}}


def write_text(doc: Document, encoding: str) -> bytes:
    text = plain_text(doc)
    for old, new in _LEGACY_SUBSTITUTES.get(encoding, {}).items():
        text = text.replace(old, new)
    if encoding == "utf-16":
        return b"\xff\xfe" + text.replace("\n", "\r\n").encode("utf-16-le")
    return text.encode(encoding)


def write_csv(table: Sequence[Sequence[str]], encoding: str = "gbk") -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(table)
    return buf.getvalue().encode(encoding)


def write_json(doc: Document) -> bytes:
    header, *rows = doc.table or (("title",), (doc.title,))
    records = [dict(zip(header, row, strict=True)) for row in rows]
    payload = {"export": doc.number, "title": doc.title, "unit": doc.unit,
               "exported_at": doc.date.isoformat(), "operator": doc.author.name,
               "records": records}
    return json.dumps(payload, ensure_ascii=False, indent=2).encode("utf-8")


def write_html(doc: Document, *, lang: str = "zh-CN") -> bytes:
    paras = "\n".join(f"<p>{html.escape(p)}</p>" for p in doc.paragraphs)
    table = ""
    if doc.table:
        rows = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
                       for row in doc.table)
        table = f"<table border=\"1\">{rows}</table>"
    page = f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{html.escape(doc.title)}</title>
<meta name="author" content="{html.escape(doc.author.name)}">
<style>body {{ font-family: SimSun; }} .hidden-token {{ display: none }}</style>
<script>var trackingId = "INTRANET-TRACKER-{doc.number.encode().hex()[:8]}";</script>
</head><body>
<div class="nav">首页 | 通知公告 | 工作动态</div>
<h1>{html.escape(doc.title)}</h1>
<p class="docno">{html.escape(doc.number)}</p>
{paras}
{table}
</body></html>
"""
    return page.encode("utf-8")


def write_xml(doc: Document) -> bytes:
    rows = doc.table[1:] or ((doc.title,),)
    tags = ("no", "name", "sex", "ethnicity", "id", "phone", "address", "category")
    items = "\n".join(
        "  <person>" + "".join(f"<{t}>{html.escape(v)}</{t}>" for t, v in
                               zip(tags, row, strict=False)) + "</person>"
        for row in rows)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<export number="{html.escape(doc.number)}" date="{doc.date:%Y-%m-%d}">\n'
            f"  <title>{html.escape(doc.title)}</title>\n"
            f"  <number>{html.escape(doc.number)}</number>\n{items}\n</export>\n").encode()


def write_source(doc: Document) -> bytes:
    """A maintenance script left on a shared drive, with comments in Chinese."""
    host = f"10.{doc.date.month}.{doc.date.day}.{len(doc.number) * 3}"
    return f'''#!/usr/bin/env python3
"""{doc.title}: nightly sync of checkpoint records ({doc.number})."""

import sqlite3

# 数据库连接配置，负责人：{doc.author.name}，电话：{doc.author.phone}
DB_HOST = "{host}"
DB_USER = "sync_{doc.date:%Y%m}"


def sync(batch_size: int = {len(doc.paragraphs) * 250}) -> int:
    # 每晚二十三点同步各检查站过检记录
    conn = sqlite3.connect("checkpoint.db")
    rows = conn.execute("SELECT id, id_number, passed_at FROM passes LIMIT ?", (batch_size,))
    return len(rows.fetchall())
'''.encode()


def _rtf_escape(text: str) -> str:
    out = []
    for ch in text:
        code = ord(ch)
        if ch in "\\{}":
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\par\n")
        elif code < 128:
            out.append(ch)
        else:
            signed = code - 65536 if code > 32767 else code
            out.append(f"\\u{signed}?")
    return "".join(out)


def _rtf_codepage(text: str) -> str:
    """GBK bytes as \\'hh escapes: what Word writes for \\ansicpg936 text."""
    return "".join(ch if ord(ch) < 128 else "".join(f"\\'{b:02x}" for b in ch.encode("gbk"))
                   for ch in text)


def write_rtf(doc: Document) -> bytes:
    created = (f"\\yr{doc.date.year}\\mo{doc.date.month}\\dy{doc.date.day}"
               f"\\hr{doc.date.hour}\\min{doc.date.minute}")
    body = "\\par\n".join(_rtf_escape(p) for p in doc.paragraphs)
    rtf = (
        "{\\rtf1\\ansi\\ansicpg936\\deff0\\uc1\n"
        "{\\fonttbl{\\f0\\fnil\\fcharset134 \\'cb\\'ce\\'cc\\'e5;}}\n"
        f"{{\\info{{\\title {_rtf_escape(doc.title)}}}{{\\author {_rtf_escape(doc.author.name)}}}"
        f"{{\\creatim{created}}}{{\\revtim{created}}}}}\n"
        f"\\f0\\fs32\\qc {_rtf_codepage(doc.title)}\\par\n"
        f"\\fs24\\ql {_rtf_codepage(doc.number)}\\par\n{body}\\par\n}}\n")
    return rtf.encode("ascii")
