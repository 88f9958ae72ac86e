"""The OCR service: engine per script, blank and odd-sized images, time limits."""

from __future__ import annotations

import pytest
from PIL import Image, ImageDraw

from trove.errors import LimitExceeded
from trove.extract import ocr
from trove.extract.ocr import MAX_SIDE, ocr_image, prepare, tesseract_image
from trove.extract.records import OcrOptions
from trove.sample.scans import render_scan

ALL = OcrOptions()  # chi_sim, chi_tra, uig, eng: the probe decides

UYGHUR = ["قەشقەر ۋىلايەتلىك مەمۇرىي مەھكىمە", "نوپۇس ئۇچۇرلىرى"]
CHINESE = ["喀什地区行政公署办公室", "关于流动人口登记的通知"]


def test_uyghur_goes_to_tesseract_and_chinese_to_rapidocr() -> None:
    uyghur = render_scan(UYGHUR, script="arabic", seed=4, width=800, height=260)
    result = ocr_image(uyghur, ALL)
    assert (result.engine, result.script) == ("tesseract:uig", "arabic")
    assert "قەشقەر" in result.text and "نوپۇس" in result.text

    chinese = render_scan(CHINESE, script="han", seed=5, width=800, height=260)
    result = ocr_image(chinese, ALL)
    assert (result.engine, result.script) == ("rapidocr", "han")
    assert "行政公署" in result.text and "流动人口" in result.text
    assert result.confidence is not None and result.confidence > 0.8


def test_traditional_chinese_and_english_go_to_tesseract() -> None:
    traditional = render_scan(["關於加強轄區治安巡查工作的通報", "各鄉鎮人民政府、各派出所："],
                              script="han", seed=6, width=800, height=260)
    result = ocr_image(traditional, ALL)
    assert (result.engine, result.script) == ("tesseract:chi_tra", "hant")
    assert "治安巡查" in "".join(result.text.split())

    english = render_scan(["NOTICE ON THE REGISTRATION OF HOUSING", "To the township offices"],
                          script="latin", seed=7, width=800, height=260)
    result = ocr_image(english, ALL)
    assert (result.engine, result.script) == ("tesseract:eng", "latin")
    assert "REGISTRATION" in result.text


def test_a_redaction_bar_does_not_mislead_the_probe() -> None:
    page = render_scan(UYGHUR, script="arabic", seed=8, width=800, height=300)
    ImageDraw.Draw(page).rectangle((60, 220, 740, 260), fill=0)  # wider than any line
    result = ocr_image(page, ALL)
    assert (result.engine, result.script) == ("tesseract:uig", "arabic")
    assert "نوپۇس" in result.text


def test_later_pages_follow_the_first_unless_they_read_badly(
        monkeypatch: pytest.MonkeyPatch) -> None:
    uyghur = render_scan(UYGHUR, script="arabic", seed=4, width=800, height=260)
    first = ocr_image(uyghur, ALL)
    probed: list[int] = []
    find_lines = ocr.find_lines
    monkeypatch.setattr(ocr, "find_lines", lambda grey: probed.append(1) or find_lines(grey))
    again = ocr_image(uyghur, ALL, hint=first.script)
    assert (again.engine, again.text, probed) == (first.engine, first.text, [])

    # A Chinese page in a Uyghur document: Tesseract's Uyghur reading of it is weak, so
    # the page is probed and read by the engine for Chinese.
    chinese = render_scan(CHINESE, script="han", seed=5, width=800, height=260)
    result = ocr_image(chinese, ALL, hint="arabic")
    assert (result.engine, result.script) == ("rapidocr", "han")
    assert "行政公署" in result.text and probed


def test_blank_and_tiny_images_give_empty_text() -> None:
    for image in (Image.new("L", (1240, 1754), 255), Image.new("RGB", (3, 2), "black"),
                  render_scan([], script="han", seed=1, width=400, height=300)):
        result = ocr_image(image, ALL)
        assert result.text == ""


def test_huge_images_are_downscaled_and_small_ones_enlarged() -> None:
    assert max(prepare(Image.new("L", (9000, 12000), 255)).size) == MAX_SIDE
    assert min(prepare(Image.new("RGB", (200, 10), "white")).size) >= 48
    # EXIF orientation is applied: a portrait photo stored sideways comes out upright.
    sideways = Image.new("RGB", (40, 20), "white")
    exif = Image.Exif()
    exif[0x0112] = 6
    sideways.info["exif"] = exif.tobytes()
    assert prepare(sideways).size == (40, 48) or prepare(sideways).height > prepare(
        sideways).width


def test_tesseract_is_killed_at_its_time_limit() -> None:
    page = render_scan(["time limit"], script="latin", seed=2, width=600, height=200)
    with pytest.raises(LimitExceeded):
        tesseract_image(page, "eng", timeout=0.001)
