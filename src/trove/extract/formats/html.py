"""HTML and XHTML: the visible text and the head's metadata. Nothing is run or fetched.

The encoding is, in order: a byte-order mark, a <meta charset> or http-equiv
Content-Type in the first bytes, else charset-normalizer's guess, else UTF-8. Declared
labels are mapped as browsers map them (GB2312 and GBK read as GB18030, Latin-1 as
windows-1252), because pages lie in exactly the ways browsers forgive.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import Any, ClassVar

from charset_normalizer import from_bytes
from selectolax.lexbor import LexborHTMLParser

from trove.extract.base import Extractor
from trove.extract.htmltext import visible_text
from trove.extract.records import Context, Extraction

MAX_BYTES = 256 * 1024 * 1024  # past this only the start is read: no page is that long
SNIFF_BYTES = 4096
BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"))
_META_CHARSET = re.compile(
    rb"""<meta[^>]+?charset\s*=\s*["']?\s*([a-zA-Z0-9_:.\-]+)""", re.IGNORECASE)
# Labels browsers read as a wider encoding (WHATWG Encoding Standard).
ALIASES = {
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030",
    "chinese": "gb18030", "csgb2312": "gb18030", "iso-ir-58": "gb18030",
    "iso-8859-1": "cp1252", "latin1": "cp1252", "l1": "cp1252", "ascii": "cp1252",
    "us-ascii": "cp1252", "iso8859-1": "cp1252", "big5": "big5hkscs",
    "shift_jis": "cp932", "sjis": "cp932", "x-sjis": "cp932", "euc-kr": "cp949",
    "ks_c_5601-1987": "cp949", "tis-620": "cp874", "iso-8859-9": "cp1254",
}
META_NAMES = {"description": "description", "author": "author", "keywords": "keywords",
              "generator": "generator", "subject": "subject", "copyright": "copyright",
              "dc.title": "title", "dc.creator": "author", "dc.date": "date"}


def decode_html(data: bytes) -> tuple[str, str]:
    """The document as text, and the name of the encoding used."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            return data.decode(encoding, "replace"), encoding
    declared = _declared(data[:SNIFF_BYTES])
    if declared:
        return data.decode(declared, "replace"), declared
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(data[:1024 * 1024]).best()
    if best is not None:
        return data.decode(best.encoding, "replace"), best.encoding
    return data.decode("utf-8", "replace"), "utf-8"


def _declared(head: bytes) -> str | None:
    match = _META_CHARSET.search(head)
    if not match:
        return None
    label = match.group(1).decode("ascii", "replace").strip().lower()
    label = ALIASES.get(label, label)
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    # A page saved as UTF-16 cannot hold an ASCII <meta> we could read; the label lies.
    return None if name.startswith(("utf-16", "utf-32")) else name


def html_metadata(tree: LexborHTMLParser) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    title = tree.css_first("title")
    if title is not None and title.text(strip=True):
        meta["title"] = title.text(strip=True)
    for node in tree.css("meta[name]"):
        key = META_NAMES.get((node.attributes.get("name") or "").strip().lower())
        content = (node.attributes.get("content") or "").strip()
        if key and content and key not in meta:
            meta[key] = content[:2000]
    if "generator" in meta:
        meta["creator"] = meta.pop("generator")
    root = tree.css_first("html")
    lang = root.attributes.get("lang") if root is not None else None
    if lang and lang.strip():
        meta["language"] = lang.strip()[:35]
    return meta


class HtmlExtractor(Extractor):
    name = "html"
    mime_types: ClassVar[frozenset[str]] = frozenset({"text/html", "application/xhtml+xml"})
    extensions: ClassVar[frozenset[str]] = frozenset({".html", ".htm", ".xhtml", ".shtml"})
    score = 10

    def extract(self, path: Path, ctx: Context) -> Extraction:
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
        truncated = len(data) > MAX_BYTES
        html, encoding = decode_html(data[:MAX_BYTES])
        tree = LexborHTMLParser(html)
        meta = html_metadata(tree)
        meta["encoding"] = encoding
        text = visible_text(html)
        title = meta.get("title")
        if title and not text.startswith(title):
            text = f"{title}\n\n{text}" if text else title  # found by searching the title
        if truncated:
            return Extraction("partial", text=text, metadata=meta,
                              reason=f"only the first {MAX_BYTES} bytes were read")
        return Extraction("extracted", text=text, metadata=meta)
