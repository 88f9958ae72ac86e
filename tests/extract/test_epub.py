from __future__ import annotations

import re
import unicodedata
import zipfile
from pathlib import Path

CONTAINER = b"""<?xml version="1.0"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
<rootfiles><rootfile full-path="OEBPS/content.opf"
 media-type="application/oebps-package+xml"/></rootfiles></container>"""
OPF = """<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0">
<metadata xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:title>西澜省年鉴</dc:title><dc:creator>编写组</dc:creator><dc:language>zh</dc:language>
</metadata>
<manifest>
<item id="c2" href="text/ch2.xhtml" media-type="application/xhtml+xml"/>
<item id="c1" href="text/ch1.xhtml" media-type="application/xhtml+xml"/>
</manifest>
<spine><itemref idref="c1"/><itemref idref="c2"/></spine>
</package>""".encode()


def _chapter(body: str) -> bytes:
    return (f'<html xmlns="http://www.w3.org/1999/xhtml"><body>{body}</body></html>').encode()


def test_chapters_in_spine_order_with_metadata(extract, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    book = tmp_path / "book.epub"
    with zipfile.ZipFile(book, "w") as archive:
        archive.writestr("mimetype", "application/epub+zip")
        archive.writestr("META-INF/container.xml", CONTAINER)
        archive.writestr("OEBPS/content.opf", OPF)
        archive.writestr("OEBPS/text/ch1.xhtml", _chapter("<p>第一章 总则</p>"
                                                          "<script>alert('x')</script>"))
        archive.writestr("OEBPS/text/ch2.xhtml", _chapter("<p>第二章 附则</p>"))
    filetype, name, result = extract(book)
    assert (filetype.mime, name, result.state) == ("application/epub+zip", "epub",
                                                    "extracted")
    assert result.text.index("第一章") < result.text.index("第二章")
    assert "alert" not in result.text
    assert result.metadata["title"] == "西澜省年鉴"
    assert result.metadata["author"] == "编写组"


def test_corpora_epubs(extract, corpora: Path) -> None:  # type: ignore[no-untyped-def]
    def norm(text: str) -> str:
        return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()

    checked = 0
    for folder in ("textract-tests", "unstructured-example-docs"):
        for line in (corpora / folder / "expected.tsv").read_text("utf-8").splitlines()[1:]:
            name, needle = line.split("\t", 1)
            if not name.endswith(".epub"):
                continue
            _, _, result = extract(corpora / folder / name)
            assert result.state == "extracted", (name, result.reason)
            assert norm(needle) in norm(result.text), (name, needle)
            checked += 1
    assert checked
