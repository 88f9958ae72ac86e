"""EPUB e-books: the chapters' visible text in reading order, and the package metadata.

An EPUB is a ZIP package: META-INF/container.xml names the package document (OPF), whose
spine lists the chapters. Chapters are XHTML, read with the same visible-text extraction
as web pages: nothing is executed or fetched. Members are read under the archive limits.
"""

from __future__ import annotations

import posixpath
from pathlib import Path
from typing import Any, ClassVar

from lxml import etree

from trove.errors import ExtractionError
from trove.extract.base import Extractor
from trove.extract.encoding import decode
from trove.extract.htmltext import visible_text
from trove.extract.records import Context, Extraction
from trove.extract.xmlsafe import PackageReader, attr, local, open_package

DUBLIN_CORE = {"title": "title", "creator": "author", "language": "language",
               "publisher": "company", "date": "created", "description": "description",
               "subject": "subject", "identifier": "identifier"}


def _package_path(pkg: PackageReader) -> str:
    container = pkg.xml("META-INF/container.xml")
    if container is not None:
        for element in container.iter():
            if local(element) == "rootfile" and attr(element, "full-path"):
                return str(attr(element, "full-path"))
    candidates = sorted(name for name in pkg.names if name.endswith(".opf"))
    if not candidates:
        raise ExtractionError("EPUB without a package document (no .opf)")
    return candidates[0]


def _metadata(opf: etree._Element) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    for element in opf.iter():
        key = DUBLIN_CORE.get(local(element))
        text = (element.text or "").strip() if isinstance(element.tag, str) else ""
        if key and text:
            if key == "author" and "author" in meta:
                meta["author"] = f"{meta['author']}; {text}"
            else:
                meta.setdefault(key, text)
    return meta


def _reading_order(opf: etree._Element, base: str, names: set[str]) -> list[str]:
    manifest: dict[str, tuple[str, str]] = {}
    spine: list[str] = []
    for element in opf.iter():
        name = local(element)
        if name == "item" and attr(element, "id") and attr(element, "href"):
            href = posixpath.normpath(posixpath.join(base, str(attr(element, "href"))))
            manifest[str(attr(element, "id"))] = (href, attr(element, "media-type") or "")
        elif name == "itemref" and attr(element, "idref"):
            spine.append(str(attr(element, "idref")))
    ordered = [manifest[i][0] for i in spine if i in manifest]
    if not ordered:  # no spine: every XHTML item, in manifest order
        ordered = [href for href, kind in manifest.values() if "html" in kind]
    return [h for h in dict.fromkeys(ordered) if h in names]


class EpubExtractor(Extractor):
    name = "epub"
    mime_types: ClassVar[frozenset[str]] = frozenset({"application/epub+zip"})
    extensions: ClassVar[frozenset[str]] = frozenset({".epub"})
    score = 20

    def extract(self, path: Path, ctx: Context) -> Extraction:
        archive, pkg = open_package(str(path), ctx.limits, path.stat().st_size)
        with archive:
            opf_path = _package_path(pkg)
            opf = pkg.xml(opf_path)
            if opf is None:
                raise ExtractionError(f"EPUB package document {opf_path!r} is missing")
            meta = _metadata(opf)
            chapters = _reading_order(opf, posixpath.dirname(opf_path), pkg.names)
            texts: list[str] = []
            problems: list[str] = []
            for chapter in chapters:
                try:
                    texts.append(visible_text(decode(pkg.read(chapter)).text))
                except ExtractionError as exc:
                    problems.append(f"{chapter}: {exc}")
        meta["chapters"] = len(chapters)
        text = "\n\n".join(t for t in texts if t)
        if problems:
            return Extraction("partial", text=text, metadata=meta,
                              reason=f"{len(problems)} chapter(s) unreadable: "
                                     + "; ".join(problems)[:200])
        return Extraction("extracted", text=text, metadata=meta)
