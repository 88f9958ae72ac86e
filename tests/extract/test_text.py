"""Plain text, CSV and friends in every encoding a leaked cache holds."""

from __future__ import annotations

import codecs
import csv
from pathlib import Path

import pytest

from trove.extract import encoding
from trove.extract.encoding import decode
from trove.extract.formats import text as text_format

ZH_S = ("新疆维吾尔自治区党委副书记签发了关于加强职业技能教育培训中心管理的文件。"
        "各地要严格落实管理制度，确保学员思想稳定。会议要求各单位认真学习文件精神。")
ZH_T = ("新疆維吾爾自治區黨委副書記簽發了關於加強職業技能教育培訓中心管理的文件。"
        "各地要嚴格落實管理制度，確保學員思想穩定。會議要求各單位認真學習文件精神。")
JA = ("東京都は本日、新しい防災計画を発表しました。計画では、大規模な地震が発生した場合の"
      "避難所の運営方法や、食料の備蓄についての方針が示されています。")
KO = ("서울시는 오늘 새로운 교통 정책을 발표했습니다. "
      "이번 정책은 대중교통 이용을 늘리기 위한 것입니다.")
RU = ("Министерство иностранных дел сообщило сегодня о начале переговоров. Стороны обсудят "
      "вопросы торговли, безопасности и культурного обмена.")
UG = ("شىنجاڭ ئۇيغۇر ئاپتونوم رايونى خەلق ھۆكۈمىتى بۈگۈن يېڭى بىر ئۇقتۇرۇش ئېلان قىلدى. "
      "ئۇقتۇرۇشتا ھەرقايسى ناھىيە ۋە شەھەرلەرنىڭ مائارىپ ئىشلىرىنى كۈچەيتىش تەلەپ قىلىندى.")
PL = "Wczoraj w Krakowie odbyło się spotkanie przedstawicieli samorządów, którzy dyskutowali."
EL = "Η κυβέρνηση ανακοίνωσε σήμερα νέα μέτρα για την οικονομία και τις συντάξεις."
TR = "Türkiye Büyük Millet Meclisi bugün yeni bir yasa tasarısını görüştü. Değişiklik içeriyor."
HE = "הממשלה הודיעה היום על צעדים חדשים בתחום הכלכלה. השינויים נוגעים למיסוי."
AR = "أعلنت الحكومة اليوم عن إجراءات جديدة في مجال الاقتصاد. وتتعلق التغييرات بالضرائب."
LT = "Lietuvos Respublika ir Latvijos vyriausybė šiandien pasirašė sutartį dėl energetikos."
VI = ("Chi\u0301nh phu\u0309 Vi\u00ea\u0323t Nam h\u00f4m nay c\u00f4ng "
      "b\u00f4\u0301 bi\u00ea\u0323n pha\u0301p.")
FR = "Le gouvernement a annoncé aujourd'hui de nouvelles mesures économiques à Paris."

ENCODED = [
    (ZH_S, "gb2312"), (ZH_S, "gbk"), (ZH_S, "gb18030"), (ZH_T, "big5"), (ZH_T, "cp950"),
    (JA, "shift_jis"), (JA, "cp932"), (JA, "euc_jp"), (KO, "euc_kr"), (KO, "cp949"),
    (RU, "cp1251"), (RU, "koi8_r"), (RU, "iso8859_5"), (RU, "mac_cyrillic"), (RU, "cp866"),
    (PL, "cp1250"), (PL, "iso8859_2"), (EL, "cp1253"), (EL, "iso8859_7"), (TR, "cp1254"),
    (TR, "iso8859_9"), (HE, "cp1255"), (AR, "cp1256"), (LT, "cp1257"), (VI, "cp1258"),
    (FR, "cp1252"), (FR, "latin-1"),
    (UG, "utf-8"), (UG, "utf-8-sig"), (UG, "utf-16"), (UG, "utf-16-le"), (UG, "utf-16-be"),
    (ZH_S, "utf-16-le"), (ZH_S, "utf-16-be"), (RU, "utf-16-le"), (JA, "utf-16-be"),
    (ZH_S, "utf-32"), (ZH_S, "utf-32-le"), (UG, "utf-32-be"),
]


@pytest.mark.parametrize(("content", "codec"), ENCODED,
                         ids=[f"{codec}-{content[:2]}" for content, codec in ENCODED])
def test_a_text_file_in_any_encoding_reads_as_written(tmp_path: Path, extract, content: str,
                                                     codec: str) -> None:
    path = tmp_path / "note.txt"
    path.write_bytes(f"{content}\n{content}\n".encode(codec))
    _, name, result = extract(path)
    assert name == "text"
    assert result.state == "extracted", result.reason
    assert result.text.lstrip("\ufeff") == f"{content}\n{content}\n"
    assert result.metadata["line_count"] == 2
    assert result.metadata["encoding"]


def test_the_chardet_corpus_decodes_to_the_true_text(corpora: Path) -> None:
    """Measured 423/424 (99.8%) by family, 395/424 exact; see bench/bench_encoding.py."""
    root = corpora / "chardet"
    with (root / "expected_encoding.tsv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    families = {"gb18030": {"gb2312"}, "big5hkscs": {"big5"}, "cp932": {"shift_jis"},
                "cp949": {"euc_kr"}, "cp874": {"tis-620"}, "cp1252": {"latin_1"}}
    right = total = 0
    for row in rows:
        data = (root / row["file"]).read_bytes()
        try:
            truth = data.decode(row["encoding"]).lstrip("\ufeff")
        except (LookupError, UnicodeDecodeError):
            continue  # EUC-TW: Python has no codec for it
        total += 1
        result = decode(data)
        same_family = (codecs.lookup(row["encoding"]).name in families.get(result.encoding, ())
                       and not result.replaced)
        right += result.text.lstrip("\ufeff") == truth or same_family
    assert total > 400
    assert right / total >= 0.985


def test_utf16_without_bom_is_found_even_when_libmagic_calls_it_data(tmp_path: Path,
                                                                     extract) -> None:
    path = tmp_path / "export"  # no extension to lean on
    path.write_bytes(("Report on meetings held in Urumqi\r\n" * 40).encode("utf-16-le"))
    _, name, result = extract(path)
    assert name == "text"
    assert result.text.startswith("Report on meetings held in Urumqi")
    assert result.metadata["encoding"] == "utf-16-le"


def test_a_binary_file_named_txt_is_not_turned_into_garbage(tmp_path: Path, extract) -> None:
    path = tmp_path / "readme.txt"
    path.write_bytes(bytes(range(256)) * 64)
    _, _, result = extract(path)
    assert result.state == "unsupported"
    assert result.text == ""
    assert result.reason


def test_an_empty_file_is_extracted_with_no_text(tmp_path: Path, extract) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    _, _, result = extract(path)
    assert result.state == "extracted"
    assert result.text == ""


def test_csv_reports_its_delimiter_and_rows(tmp_path: Path, extract) -> None:
    path = tmp_path / "staff.csv"
    rows = "姓名;单位;职务\n阿不都热合曼;教育局;科长\n李明;公安局;副局长\n"
    path.write_bytes(rows.encode("gb18030"))
    _, name, result = extract(path)
    assert name == "text"
    assert result.text == rows
    assert result.metadata["delimiter"] == ";"
    assert result.metadata["row_count"] == 3


def test_tsv_uses_tabs(tmp_path: Path, extract) -> None:
    path = tmp_path / "ids.tsv"
    path.write_text("id\tname\n1\tAlim\n2\tGulnar\n", encoding="utf-8")
    _, _, result = extract(path)
    assert result.metadata["delimiter"] == "\t"
    assert result.metadata["row_count"] == 3


def test_json_markdown_and_subtitles_keep_their_text(tmp_path: Path, extract) -> None:
    samples = {
        "data.json": '{"name": "朱海仑", "roles": ["书记"]}\n',
        "notes.md": "# 会议纪要\n\n- 第一项\n",
        "film.srt": "1\n00:00:01,000 --> 00:00:02,000\nياخشىمۇسىز\n",
        "server.log": "2024-01-01 12:00:00 ERROR login failed for user alim\n",
    }
    for file_name, content in samples.items():
        path = tmp_path / file_name
        path.write_text(content, encoding="utf-8")
        _, name, result = extract(path)
        assert name == "text", file_name
        assert result.state == "extracted"
        assert result.text == content


def test_html_is_left_to_its_own_extractor(tmp_path: Path, extract) -> None:
    path = tmp_path / "page.txt"
    path.write_text("<!DOCTYPE html><html><head><title>t</title></head>"
                    "<body><p>hello</p></body></html>", encoding="utf-8")
    _, name, _ = extract(path)
    assert name != "text"


def test_a_huge_text_file_is_cut_and_marked_partial(tmp_path: Path, extract,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(text_format, "MAX_TEXT_BYTES", 1000)
    path = tmp_path / "big.txt"
    path.write_text("数据" * 5000, encoding="utf-8")  # 30,000 bytes
    _, _, result = extract(path)
    assert result.state == "partial"
    assert "first" in (result.reason or "")
    assert result.text == "数据" * 166 + "数"  # 1000 bytes: no broken last character


def test_undecodable_bytes_are_replaced_and_counted(tmp_path: Path, extract) -> None:
    path = tmp_path / "mixed.txt"
    path.write_bytes("正常的文字内容。".encode() * 50 + b"\xff\xfe\xfa" + "结束".encode())
    _, _, result = extract(path)
    assert result.text.startswith("正常的文字内容。")
    assert result.text.endswith("结束")
    assert result.metadata["replaced_characters"] >= 1


def test_ascii_start_does_not_hide_a_legacy_encoding_further_on() -> None:
    data = b"id,name\n" + b"1,plain ascii row\n" * 20000 + "2,王小明\n".encode("gb18030")
    assert len(data) > encoding.SAMPLE_SIZE
    result = decode(data)
    assert result.text.endswith("2,王小明\n")
