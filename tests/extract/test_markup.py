"""HTML and XML extraction over files built here and the shared corpora."""

from __future__ import annotations

import re
import time
import unicodedata
from pathlib import Path

import pytest


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()


def test_gbk_html_is_decoded_and_scripts_are_not_text(tmp_path: Path, extract) -> None:  # type: ignore[no-untyped-def]
    page = ('<html lang="zh-CN"><head><meta charset="gbk"><title>新疆工作会议纪要</title>'
            '<meta name="author" content="朱海仑"><meta name="generator" content="FrontPage">'
            '<script>document.write("不应出现")</script></head>'
            '<body><p>自治区党委副书记签发了文件。</p></body></html>')
    path = tmp_path / "page.html"
    path.write_bytes(page.encode("gbk"))
    _, extractor, result = extract(path)
    assert extractor == "html"
    assert result.state == "extracted"
    assert "自治区党委副书记签发了文件。" in result.text
    assert "不应出现" not in result.text
    assert result.metadata["title"] == "新疆工作会议纪要"
    assert result.metadata["author"] == "朱海仑"
    assert result.metadata["creator"] == "FrontPage"
    assert result.metadata["language"] == "zh-CN"


def test_html_without_declaration_is_detected(tmp_path: Path, extract) -> None:  # type: ignore[no-untyped-def]
    body = "<html><body><p>" + "维吾尔族群众参加了培训班的学习。" * 20 + "</p></body></html>"
    path = tmp_path / "plain.html"
    path.write_bytes(body.encode("gb18030"))
    _, _, result = extract(path)
    assert "维吾尔族群众参加了培训班的学习。" in result.text


def test_billion_laughs_does_not_expand(tmp_path: Path, extract) -> None:  # type: ignore[no-untyped-def]
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10)]
    doc = (f'<?xml version="1.0"?><!DOCTYPE lolz [{"".join(entities)}]>'
           "<lolz><title>laughs</title><p>&lol9;</p></lolz>")
    path = tmp_path / "lol.xml"
    path.write_text(doc)
    started = time.monotonic()
    _, extractor, result = extract(path)
    assert time.monotonic() - started < 5
    assert extractor == "xml"
    assert len(result.text) < 1000
    assert "laughs" in result.text
    assert result.metadata["root_element"] == "lolz"


def test_external_entity_is_not_read(tmp_path: Path, extract) -> None:  # type: ignore[no-untyped-def]
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    doc = (f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">]>'
           "<r><a>before</a><b>&x;</b></r>")
    path = tmp_path / "xxe.xml"
    path.write_text(doc)
    _, _, result = extract(path)
    assert "before" in result.text
    assert "TOP-SECRET-VALUE" not in result.text


def test_malformed_xml_is_read_partly(tmp_path: Path, extract) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "broken.xml"
    path.write_text('<?xml version="1.0"?><report><item alt="地图">第一段<b>第二段</item>')
    _, _, result = extract(path)
    assert result.state == "partial"
    assert "第一段" in result.text and "第二段" in result.text
    assert "地图" in result.text


# Pairs in the corpora that are not visible text: an HTML comment, a file-type test and
# a tokenisation quirk of the upstream project ("( Someone" for "(<a>Someone</a>").
NOT_TEXT = {("tests/html/tables.html", "CentralNotice"),
            ("example-docs/ideas-page.html", ".html"),
            ("example-docs/ideas-page.html", "January 2023 ( Someone fed my essays into GPT "
                                             "to make something that could answer")}


@pytest.mark.parametrize("folder", ["textract-tests", "unstructured-example-docs",
                                    "ingest-file"])
def test_corpus_html_and_xml_text_is_found(corpora: Path, folder: str, extract) -> None:  # type: ignore[no-untyped-def]
    missing = []
    checked = 0
    for line in (corpora / folder / "expected.tsv").read_text(encoding="utf-8").splitlines():
        name, _, expected = line.partition("\t")
        if not re.search(r"\.(html?|xml|svg)$", name) or (name, expected) in NOT_TEXT:
            continue
        _, extractor, result = extract(corpora / folder / name)
        found = _norm(result.full_text() + " " + " ".join(map(str, result.metadata.values())))
        checked += 1
        if _norm(expected) not in found:
            missing.append((name, extractor, expected))
    assert checked
    assert missing == []
