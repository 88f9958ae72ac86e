"""PDF extraction: born-digital Chinese and English, encrypted, scanned, damaged, corpora."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pypdf
import pytest
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from trove.extract import OcrOptions
from trove.sample.scans import font_path, render_scan

NO_OCR = OcrOptions(enabled=False)


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()


def make_pdf(path: Path, pages: list[list[str]], *, title: str = "", author: str = "") -> Path:
    if "WQY" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("WQY", str(font_path("han")), subfontIndex=0))
    sheet = canvas.Canvas(str(path))
    sheet.setTitle(title)
    sheet.setAuthor(author)
    for lines in pages:
        sheet.setFont("WQY", 12)
        for row, line in enumerate(lines):
            sheet.drawString(72, 760 - 18 * row, line)
        sheet.showPage()
    sheet.save()
    return path


def test_chinese_and_english_pages_come_back_with_metadata(tmp_path: Path, extract) -> None:
    pdf = make_pdf(tmp_path / "notice.pdf",
                   [["关于加强流动人口管理的通知", "联系人：王建国"],
                    ["Second page: registration of rented housing"]],
                   title="流动人口通知", author="喀什地区办公室")
    _, name, result = extract(pdf, ocr=NO_OCR)
    assert (name, result.state) == ("pdf", "extracted")
    assert [p.number for p in result.pages] == [1, 2]
    assert "关于加强流动人口管理的通知" in result.pages[0].text
    assert "registration of rented housing" in result.pages[1].text
    meta = result.metadata
    assert meta["title"] == "流动人口通知" and meta["author"] == "喀什地区办公室"
    assert meta["page_count"] == 2 and meta["encrypted"] is False
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d([+-]\d\d:\d\d)?", meta["created"])
    assert meta["producer"].startswith("ReportLab")
    json.dumps(dict(meta))


def test_encrypted_pdf_opens_only_with_the_right_password(tmp_path: Path, extract) -> None:
    plain = make_pdf(tmp_path / "plain.pdf", [["秘密文件 Secret file"]])
    writer = pypdf.PdfWriter(clone_from=str(plain))
    writer.encrypt(user_password="kashgar2018", owner_password="owner", algorithm="AES-128")
    locked = tmp_path / "locked.pdf"
    with locked.open("wb") as handle:
        writer.write(handle)

    _, _, refused = extract(locked, passwords=("wrong",), ocr=NO_OCR)
    assert refused.state == "encrypted"
    assert "password" in (refused.reason or "")

    _, _, opened = extract(locked, passwords=("wrong", "kashgar2018"), ocr=NO_OCR)
    assert opened.state == "extracted"
    assert "秘密文件" in opened.full_text()
    assert opened.metadata["encrypted"] is True
    assert opened.metadata["opened_with_password"] is True


def test_scanned_pdf_is_read_by_ocr(tmp_path: Path, extract) -> None:
    scan = render_scan(["喀什地区行政公署", "流动人口登记通知"], script="han", seed=7,
                       width=700, height=300)
    pdf = tmp_path / "scan.pdf"
    scan.save(pdf, format="PDF", resolution=150)
    _, _, result = extract(pdf, ocr=OcrOptions(languages=("chi_sim", "eng"), dpi=150))
    assert result.state == "extracted"
    (page,) = result.pages
    assert page.ocr and page.ocr_engine == "rapidocr"
    assert "行政公署" in page.text and "流动人口" in page.text
    assert result.metadata["ocr_engine"] == "rapidocr"


def test_ocr_page_limit_leaves_a_partial_document(tmp_path: Path, extract) -> None:
    blank = render_scan([], script="latin", seed=1, width=300, height=200)
    pdf = tmp_path / "two-scans.pdf"
    blank.save(pdf, format="PDF", save_all=True, append_images=[blank.copy()])
    _, _, result = extract(pdf, ocr=OcrOptions(max_pages=1))
    assert result.state == "partial"
    assert result.pages[1].error == "OCR page limit reached"
    assert "1 of 2 pages" in (result.reason or "")


def test_truncated_pdf_is_read_as_far_as_possible(tmp_path: Path, extract) -> None:
    whole = make_pdf(tmp_path / "whole.pdf",
                     [[f"第{n}页 page {n} of the report"] for n in range(1, 6)])
    data = whole.read_bytes()
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(data[: len(data) * 2 // 3])
    _, _, result = extract(cut, ocr=NO_OCR)
    assert result.state in {"extracted", "partial", "failed"}
    if result.state == "failed":
        assert result.reason
    else:
        assert "page 1 of the report" in result.full_text()

    garbage = tmp_path / "garbage.pdf"
    garbage.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 20)
    _, _, broken = extract(garbage, ocr=NO_OCR)
    assert broken.state == "failed" and "PDF" in (broken.reason or "")


def test_pdfminer_hard_cases_are_decoded_right(corpora: Path, extract) -> None:
    folder = corpora / "pdfminer-samples" / "samples" / "contrib"
    for name, expected in (("issue_566_test_1.pdf", "Buyer：黎荣"),
                           ("issue-791-non-unicode-cmap.pdf", "Peněžní prostředky na účtech")):
        _, _, result = extract(folder / name, ocr=NO_OCR)
        assert norm(expected) in norm(result.full_text()), name


# pdfminer's own layout order; any reading order is right for a user.
LAYOUT_ONLY = {("samples/simple3.pdf", "Hello あ い う え お あ い う え お World")}


@pytest.mark.parametrize("folder", ["pdfminer-samples", "unstructured-example-docs"])
def test_corpus_pdfs_contain_their_expected_text(corpora: Path, extract, folder: str) -> None:
    rows = (corpora / folder / "expected.tsv").read_text("utf-8").splitlines()[1:]
    wanted: dict[str, list[str]] = {}
    for row in rows:
        name, _, substring = row.partition("\t")
        if name.endswith(".pdf") and (name, substring) not in LAYOUT_ONLY:
            wanted.setdefault(name, []).append(substring)
    assert wanted
    for name, substrings in wanted.items():
        _, extractor, result = extract(corpora / folder / name, ocr=NO_OCR)
        assert extractor == "pdf", name
        found = norm(result.full_text() + " " + json.dumps(dict(result.metadata),
                                                           ensure_ascii=False))
        missing = [s for s in substrings if norm(s) not in found]
        assert not missing, (name, missing[:3])


# files.json describes another save of this file: its Info dictionary says
# "LibreOffice 6.4", created 20:35:52, where files.json has "Libre Office Writer", 20:37.
META_DIFFERS = {"libreoffice-writer-password.pdf"}


def test_pypdf_samples_match_their_expected_metadata(corpora: Path, extract) -> None:
    folder = corpora / "pypdf-sample-files"
    header, *rows = (folder / "expected_meta.tsv").read_text("utf-8").splitlines()
    columns = header.split("\t")
    checked = 0
    for row in rows:
        record = dict(zip(columns, row.split("\t"), strict=True))
        path = folder / record["path"]
        if not path.is_file():
            continue
        _, _, result = extract(path, passwords=("openpassword",), ocr=NO_OCR)
        # unreadablemetadata.pdf: PDFium refuses it, the fallback reader gets its text.
        assert result.state in {"extracted", "encrypted", "partial"}, (path.name, result.reason)
        meta = result.metadata
        if result.state == "encrypted":
            assert record["encrypted"] == "True"
            continue
        if result.state == "partial":
            assert result.full_text() and result.reason
            continue
        assert meta["page_count"] == int(record["pages"]), path.name
        assert meta["encrypted"] is (record["encrypted"] == "True"), path.name
        if path.name in META_DIFFERS:
            continue
        if record["producer"] not in {"None", "?"}:
            # Some files name their producer only in XMP, or differently there.
            producers = {meta.get("producer"), meta.get("xmp", {}).get("pdf_producer")}
            assert record["producer"] in producers, path.name
        if record["creation_date"] != "None":
            assert meta.get("created", "")[:19] == record["creation_date"][:19], path.name
        json.dumps(dict(meta))
        checked += 1
    assert checked >= 20


def test_pdf_attachment_becomes_a_child(corpora: Path, extract) -> None:
    pdf = corpora / "pypdf-sample-files" / "025-attachment" / "with-attachment.pdf"
    _, _, result = extract(pdf, ocr=NO_OCR)
    assert result.metadata["attachments"] == len(result.children) >= 1
    child = result.children[0]
    assert child.path is not None and child.path.is_file() and child.name
