"""Office documents: OOXML, legacy binary Office, OpenDocument and RTF.

Fixtures are built here with the libraries a real author would use (python-docx,
openpyxl, python-pptx, xlwt, LibreOffice for the legacy and OpenDocument formats), in
Chinese, Uyghur and English, and checked for what a reporter would notice.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
import shutil
import subprocess
import unicodedata
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from trove.extract import Extraction, FileType

Run = Callable[..., tuple[FileType, str, Extraction]]

ZH = "新疆维吾尔自治区党委副书记朱海仑签发了文件"
UG = "ئۇيغۇر ئاپتونوم رايونى"
EN = "Quarterly detention figures"
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()


def _docx(path: Path) -> Path:
    import docx
    from docx.oxml import parse_xml

    document = docx.Document()
    document.add_heading(EN, level=1)
    document.add_paragraph(ZH)
    document.add_paragraph(UG)
    table = document.add_table(rows=2, cols=2)
    for r, row in enumerate(table.rows):
        for c, cell in enumerate(row.cells):
            cell.text = f"cell {r}{c} 表格"
    document.add_paragraph("After the table.")
    # A tracked insertion and a tracked deletion, as Word writes them.
    document.element.body.insert(-1, parse_xml(
        f'<w:p xmlns:w="{W_NS}"><w:r><w:t xml:space="preserve">Kept </w:t></w:r>'
        f'<w:ins w:id="1" w:author="Editor" w:date="2024-03-01T00:00:00Z"><w:r>'
        f'<w:t>inserted 新增</w:t></w:r></w:ins>'
        f'<w:del w:id="2" w:author="Editor" w:date="2024-03-01T00:00:00Z"><w:r>'
        f'<w:delText>removed 删除的名单</w:delText></w:r></w:del></w:p>'))
    section = document.sections[0]
    section.header.paragraphs[0].text = "内部资料 header"
    section.footer.paragraphs[0].text = "footer page"
    run = document.add_paragraph("Commented sentence.").runs[0]
    document.add_comment(run, text="核实这个数字", author="Reporter")
    props = document.core_properties
    props.title, props.author, props.last_modified_by = "报告 Report", "张三", "李四"
    props.created = dt.datetime(2023, 5, 6, 7, 8, 9)
    props.revision = 7
    document.save(str(path))
    return path


def _xlsx(path: Path) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "名单"
    sheet.append(["姓名", "Name", "Date"])
    sheet.append([ZH, UG, dt.datetime(2017, 4, 1)])
    hidden = book.create_sheet("Hidden 隐藏")
    hidden.append(["secret 机密", 42])
    hidden.sheet_state = "hidden"
    book.properties.title = "Workbook 工作簿"
    book.properties.creator = "王五"
    book.save(path)
    return path


def _pptx(path: Path) -> Path:
    import pptx

    deck = pptx.Presentation()
    for title, body, note in ((EN, ZH, "Speaker notes 讲话要点"), ("Second", UG, "")):
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        slide.shapes.title.text = title
        slide.placeholders[1].text = body
        if note:
            slide.notes_slide.notes_text_frame.text = note
    deck.core_properties.title = "Slides 幻灯片"
    deck.core_properties.author = "赵六"
    deck.save(str(path))
    return path


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """OOXML files, and their legacy and OpenDocument conversions when LibreOffice exists."""
    root = tmp_path_factory.mktemp("office")
    files = {"docx": _docx(root / "report.docx"), "xlsx": _xlsx(root / "list.xlsx"),
             "pptx": _pptx(root / "deck.pptx")}
    soffice = shutil.which("soffice")
    if soffice:
        out = root / "converted"
        profile = (root / "lo-profile").as_uri()
        for target, source in (("doc", "docx"), ("odt", "docx"), ("ods", "xlsx"),
                               ("ppt", "pptx"), ("odp", "pptx")):
            subprocess.run([soffice, f"-env:UserInstallation={profile}", "--headless",
                            "--convert-to", target, "--outdir", str(out),
                            str(files[source])], check=False, timeout=120,
                           capture_output=True)
            produced = out / f"{files[source].stem}.{target}"
            if produced.exists():
                files[target] = produced
    return files


def need(office: dict[str, Path], kind: str) -> Path:
    if kind not in office:
        pytest.skip(f"LibreOffice (soffice) is needed to make a .{kind}")
    return office[kind]


def test_docx_text_in_reading_order_with_tracked_changes(extract: Run,
                                                         office: dict[str, Path]) -> None:
    _, name, result = extract(office["docx"])
    assert (name, result.state) == ("ooxml", "extracted")
    text = result.full_text()
    for expected in (EN, ZH, UG, "After the table.", "内部资料 header", "footer page",
                     "Kept inserted 新增", "核实这个数字"):
        assert expected in text
    assert text.index("内部资料") < text.index(EN) < text.index(ZH) < text.index("cell 00")
    assert text.index("cell 11") < text.index("After the table.") < text.index("footer")
    assert "cell 00 表格\tcell 01 表格" in text  # cells stay apart
    # The deleted words are kept, but apart from the body text.
    assert "removed 删除的名单" not in text.split("[Tracked deletions]")[0]
    assert result.metadata["tracked_deletions"] == ["removed 删除的名单"]
    assert "[Tracked deletions]\nremoved 删除的名单" in text
    meta = result.metadata
    assert (meta["title"], meta["author"], meta["last_modified_by"]) == (
        "报告 Report", "张三", "李四")
    assert meta["created"].startswith("2023-05-06T07:08:09")
    assert meta["revision"] == "7"


def test_xlsx_every_sheet_including_hidden(extract: Run, office: dict[str, Path]) -> None:
    _, _, result = extract(office["xlsx"])
    assert result.state == "extracted"
    text = result.full_text()
    assert "[Sheet: 名单]" in text and "[Sheet: Hidden 隐藏]" in text
    assert f"{ZH}\t{UG}\t2017-04-01" in text
    assert "secret 机密\t42" in text
    assert result.metadata["sheets"] == ["名单", "Hidden 隐藏"]
    assert result.metadata["hidden_sheets"] == ["Hidden 隐藏"]
    assert (result.metadata["title"], result.metadata["author"]) == ("Workbook 工作簿", "王五")


def test_pptx_slides_and_speaker_notes(extract: Run, office: dict[str, Path]) -> None:
    _, _, result = extract(office["pptx"])
    assert result.state == "extracted"
    assert result.metadata["slides"] == 2
    assert [p.number for p in result.pages] == [1, 2]
    first, second = result.pages
    assert EN in first.text and ZH in first.text and "Speaker notes 讲话要点" in first.text
    assert UG in second.text
    assert result.metadata["author"] == "赵六"


def test_legacy_doc_decodes_chinese_and_uyghur(extract: Run, office: dict[str, Path]) -> None:
    _, name, result = extract(need(office, "doc"))
    assert (name, result.state) == ("ole-office", "extracted")
    text = result.full_text()
    for expected in (EN, ZH, UG, "cell 11 表格", "After the table.", "内部资料 header",
                     "核实这个数字", "Kept inserted 新增"):
        assert expected in text
    assert "删除的名单" not in text.split("[Tracked deletions]")[0]
    assert result.metadata["tracked_deletions"] == ["removed 删除的名单"]
    assert result.metadata["title"] == "报告 Report"
    assert result.metadata["author"] == "张三"


def test_legacy_ppt_text_atoms(extract: Run, office: dict[str, Path]) -> None:
    _, name, result = extract(need(office, "ppt"))
    assert (name, result.state) == ("ole-office", "extracted")
    text = result.full_text()
    for expected in (EN, ZH, UG, "Speaker notes 讲话要点"):
        assert expected in text
    assert "Click to edit" not in text  # master-slide prompts are not document text
    assert result.metadata["slides"] == 2


def test_legacy_xls_with_hidden_sheet(extract: Run, tmp_path: Path) -> None:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    visible = book.add_sheet("名单")
    visible.write(0, 0, ZH)
    visible.write(0, 1, UG)
    visible.write(1, 0, dt.datetime(2019, 12, 31), xlwt.easyxf(num_format_str="YYYY-MM-DD"))
    hidden = book.add_sheet("hidden")
    hidden.write(0, 0, "secret 机密")
    hidden.visibility = 1
    path = tmp_path / "old.xls"
    book.save(str(path))
    _, name, result = extract(path)
    assert (name, result.state) == ("ole-office", "extracted")
    assert f"{ZH}\t{UG}" in result.text and "2019-12-31" in result.text
    assert "secret 机密" in result.text
    assert result.metadata["hidden_sheets"] == ["hidden"]


def test_opendocument_text_and_sheets(extract: Run, office: dict[str, Path]) -> None:
    _, name, result = extract(need(office, "odt"))
    assert (name, result.state) == ("opendocument", "extracted")
    text = result.full_text()
    for expected in (EN, ZH, UG, "cell 11 表格", "内部资料 header", "核实这个数字"):
        assert expected in text
    assert result.metadata["title"] == "报告 Report"
    _, _, sheets = extract(need(office, "ods"))
    assert sheets.metadata["sheets"] == ["名单", "Hidden 隐藏"]
    assert sheets.metadata["hidden_sheets"] == ["Hidden 隐藏"]
    assert f"{ZH}\t{UG}\t2017-04-01" in sheets.text and "secret 机密" in sheets.text
    _, _, slides = extract(need(office, "odp"))
    assert slides.metadata["slides"] == 2
    assert ZH in slides.pages[0].text and "讲话要点" in slides.pages[0].text


def _gbk(text: str) -> str:
    return "".join(f"\\'{b:02x}" for b in text.encode("gbk"))


def test_rtf_chinese_by_code_page_font_charset_and_unicode(extract: Run, tmp_path: Path) -> None:
    uyghur = "".join(f"\\u{ord(c)}?" for c in UG)
    gbk_doc = (r"{\rtf1\ansi\ansicpg936\deff0{\fonttbl{\f0\fnil\fcharset134 SimSun;}}"
               r"{\info{\title " + _gbk("标题") + r"}{\author Zhang}{\operator Li}"
               r"{\creatim\yr2021\mo3\dy4\hr5\min6}{\*\company ACME}}"
               r"{\*\generator Riched20}\f0 " + _gbk(ZH) + r"\par " + uyghur +
               r"\par{\field{\*\fldinst HYPERLINK x}{\fldrslt link}}}")
    (tmp_path / "a.rtf").write_text(gbk_doc, encoding="ascii")
    _, name, result = extract(tmp_path / "a.rtf")
    assert (name, result.state) == ("rtf", "extracted")
    assert result.text == f"{ZH}\n{UG}\nlink"
    assert result.metadata["title"] == "标题"
    assert result.metadata["last_modified_by"] == "Li"
    assert result.metadata["created"] == "2021-03-04T05:06:00"
    assert result.metadata["company"] == "ACME"
    # Word's way: a Western code page, Chinese runs marked by a GBK font.
    font_doc = (r"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0 Arial;}{\f1\fcharset134 SimSun;}}"
                r"\f1 " + _gbk(ZH) + r"\f0\par caf\'e9 \uc2\u26032\'d0\'c2!}")
    (tmp_path / "b.doc").write_text(font_doc, encoding="ascii")  # RTF saved as .doc
    _, name, result = extract(tmp_path / "b.doc")
    assert name == "rtf"
    assert result.text == f"{ZH}\ncafé 新!"


def test_truncated_docx_fails_with_a_reason(extract: Run, office: dict[str, Path],
        tmp_path: Path) -> None:
    data = office["docx"].read_bytes()
    path = tmp_path / "cut.docx"
    path.write_bytes(data[: len(data) // 2])
    _, _, result = extract(path)
    assert result.state in {"failed", "unsupported"}
    assert result.reason


def test_zip_bomb_member_is_refused(extract: Run, office: dict[str, Path],
        tmp_path: Path) -> None:
    path = tmp_path / "bomb.docx"
    with zipfile.ZipFile(office["docx"]) as source, \
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(copy.copy(item), source.read(item), zipfile.ZIP_DEFLATED)
        with target.open("word/media/padding.bin", "w") as member:
            block = b"\0" * (1 << 20)
            for _ in range(300):  # 300 MiB that deflate to ~300 KiB
                member.write(block)
    _, name, result = extract(path)
    assert name == "ooxml"
    assert result.state == "skipped"
    assert "ratio" in (result.reason or "")


def test_encrypted_ooxml_needs_a_password(extract: Run, office: dict[str, Path],
        tmp_path: Path) -> None:
    from msoffcrypto.format.ooxml import OOXMLFile

    path = tmp_path / "locked.docx"
    with office["docx"].open("rb") as plain, path.open("wb") as out:
        OOXMLFile(plain).encrypt("s3cret", out)
    filetype, _, result = extract(path)
    assert filetype.mime == "application/x-ooxml-encrypted"
    assert result.state == "encrypted"
    _, _, wrong = extract(path, passwords=("nope",))
    assert wrong.state == "encrypted"
    _, _, opened = extract(path, passwords=("nope", "s3cret"))
    assert opened.state == "extracted"
    assert ZH in opened.full_text() and opened.metadata["encrypted"] is True


def test_encrypted_legacy_excel(extract: Run, corpora: Path) -> None:
    _, _, result = extract(corpora / "ingest-file/tests/fixtures/password_protected.xls")
    assert result.state == "encrypted"


def test_garbage_with_office_extension_is_not_a_crash(extract: Run, tmp_path: Path) -> None:
    path = tmp_path / "x.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 8)
    _, _, result = extract(path)
    assert result.state in {"failed", "unsupported"}


OFFICE = re.compile(r"\.(docx?|xlsx?|pptx?|od[tsp]|rtf)$", re.IGNORECASE)
# Share of expected substrings found, per corpus folder; raise when the readers improve.
MIN_SHARE = {"textract-tests": 1.0, "unstructured-example-docs": 1.0, "ingest-file": 1.0}


@pytest.mark.parametrize("folder", sorted(MIN_SHARE))
def test_corpus_office_files(extract: Run, corpora: Path, folder: str) -> None:
    rows = (line.split("\t", 1) for line in
            (corpora / folder / "expected.tsv").read_text(encoding="utf-8").splitlines()
            if "\t" in line)
    pairs = [(f, s) for f, s in rows if OFFICE.search(f)]
    assert pairs
    cache: dict[str, str] = {}
    missing = []
    for file, substring in pairs:
        if file not in cache:
            _, _, result = extract(corpora / folder / file, name=Path(file).name)
            cache[file] = norm(result.full_text() + " " + " ".join(
                str(v) for v in result.metadata.values()))
        if norm(substring) not in cache[file]:
            missing.append((file, substring))
    share = 1 - len(missing) / len(pairs)
    assert share >= MIN_SHARE[folder], missing
