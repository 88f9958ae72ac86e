"""XML (and SVG): every text node, plus obviously textual attributes (title, alt...).

Parsed by lxml with entity substitution, DTD loading and the network all off and
huge_tree off, so a billion-laughs document or an external entity expands to nothing
and reads nothing. Malformed XML is read in lxml's recover mode; if even that yields
no tree, the tags are stripped by a regular expression.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, ClassVar

from lxml import etree

from trove.extract.base import Extractor
from trove.extract.identify import FileType
from trove.extract.records import Context, Extraction

MAX_BYTES = 256 * 1024 * 1024
TEXT_ATTRIBUTES = frozenset({"title", "alt", "label", "summary", "caption", "description",
                             "name"})
SKIP_ELEMENTS = frozenset({"script", "style"})
_TAG = re.compile(rb"<[^>]*>")
_SPACES = re.compile(r"[ \t\r\f\v]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
# Types handled by other extractors despite being XML underneath.
CLAIMED_ELSEWHERE = frozenset({"application/xhtml+xml", "application/rss+xml",
                               "application/atom+xml"})


def _parser(recover: bool) -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           huge_tree=False, dtd_validation=False, recover=recover,
                           remove_comments=True, remove_pis=True)


def _local(tag: Any) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def xml_text(root: etree._Element) -> str:
    """Text nodes in document order, one line per element that holds text."""
    lines: list[str] = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue  # entity references left unexpanded, and the like
        if _local(element.tag).lower() in SKIP_ELEMENTS:
            continue
        for attribute, value in element.attrib.items():
            if _local(attribute).lower() in TEXT_ATTRIBUTES and value.strip():
                lines.append(value.strip())
        if element.text and element.text.strip():
            lines.append(element.text.strip())
        for child in element:
            if child.tail and child.tail.strip():
                lines.append(child.tail.strip())
    cleaned = (_SPACES.sub(" ", line) for line in lines)
    return _BLANK_LINES.sub("\n", "\n".join(cleaned)).strip()


class XmlExtractor(Extractor):
    name = "xml"
    mime_types: ClassVar[frozenset[str]] = frozenset({"text/xml", "application/xml",
                                                      "image/svg+xml"})
    extensions: ClassVar[frozenset[str]] = frozenset({".xml", ".svg", ".rdf", ".xsd", ".xsl",
                                                      ".kml", ".gpx", ".xlf"})
    score = 10

    @classmethod
    def match(cls, filetype: FileType) -> int:
        bid = super().match(filetype)
        if bid:
            return bid
        # Other +xml types nobody claims bid low, so a specific extractor still wins.
        if filetype.mime.endswith("+xml") and filetype.mime not in CLAIMED_ELSEWHERE:
            return max(1, cls.score // 2)
        return 0

    def extract(self, path: Path, ctx: Context) -> Extraction:
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
        truncated = len(data) > MAX_BYTES
        data = data[:MAX_BYTES]
        meta: dict[str, Any] = {}
        state = "extracted"
        reason: str | None = None
        root: etree._Element | None = None
        try:
            root = etree.fromstring(data, _parser(recover=False))
        except etree.XMLSyntaxError as exc:
            reason = f"malformed XML, read in recovery mode: {exc}"[:300]
            state = "partial"
            try:
                root = etree.fromstring(data, _parser(recover=True))
            except etree.XMLSyntaxError:
                root = None
        if root is None:
            text = _strip_tags(data)
            state, reason = "partial", reason or "malformed XML, tags stripped"
        else:
            text = xml_text(root)
            meta["root_element"] = _local(root.tag)
            if root.nsmap.get(None):
                meta["root_namespace"] = str(root.nsmap[None])
            title = _svg_title(root)
            if title:
                meta["title"] = title
            info = root.getroottree().docinfo
            if info.encoding:
                meta["encoding"] = info.encoding
        if truncated:
            state, reason = "partial", f"only the first {MAX_BYTES} bytes were read"
        return Extraction(state, text=text, metadata=meta,  # type: ignore[arg-type]
                          reason=reason)


def _svg_title(root: etree._Element) -> str | None:
    for child in root:
        if _local(child.tag) == "title" and child.text and child.text.strip():
            return str(child.text).strip()[:500]
    return None


def _strip_tags(data: bytes) -> str:
    text = _TAG.sub(b" ", data).decode("utf-8", "replace")
    return _SPACES.sub(" ", text).strip()
