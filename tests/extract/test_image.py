"""Images: OCR of each page, EXIF metadata, decompression bombs."""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path

from PIL import Image

from trove.extract import OcrOptions
from trove.sample.scans import render_scan

NO_OCR = OcrOptions(enabled=False)
HAN = OcrOptions(languages=("chi_sim", "eng"))


def test_png_scan_is_read_by_ocr(tmp_path: Path, extract) -> None:
    path = tmp_path / "notice.png"
    render_scan(["和田县公安局", "治安巡查通报"], script="han", seed=3, width=600,
                height=260).save(path)
    _, name, result = extract(path, ocr=HAN)
    assert (name, result.state) == ("image", "extracted")
    (page,) = result.pages
    assert page.ocr and page.ocr_engine == "rapidocr"
    assert "公安局" in page.text and "巡查" in page.text
    assert result.metadata["width"] == 600


def test_every_frame_of_a_multipage_tiff_is_a_page(tmp_path: Path, extract) -> None:
    frames = [render_scan([f"Report page {n}"], script="latin", seed=n, width=500,
                          height=160, rotate_max=0) for n in (1, 2)]
    path = tmp_path / "report.tiff"
    frames[0].save(path, save_all=True, append_images=frames[1:], compression="tiff_deflate")
    _, _, result = extract(path, ocr=OcrOptions(languages=("eng",)))
    assert result.state == "extracted"
    assert result.metadata["page_count"] == 2
    assert [p.number for p in result.pages] == [1, 2]
    assert "page 1" in result.pages[0].text.lower()
    assert "page 2" in result.pages[1].text.lower()


def test_jpeg_exif_gives_camera_date_and_gps(tmp_path: Path, extract) -> None:
    image = Image.new("RGB", (64, 48), "white")
    exif = Image.Exif()
    exif[0x010F] = "Huawei"  # Make
    exif[0x0110] = "P30 Pro"  # Model
    exif[0x0132] = "2019:03:16 10:00:00"  # DateTime
    exif_ifd = exif.get_ifd(0x8769)
    exif_ifd[0x9003] = "2019:03:15 09:30:12"  # DateTimeOriginal
    exif_ifd[0x9011] = "+08:00"  # OffsetTimeOriginal
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (39.0, 28.0, 12.0)  # 39°28'12" N: Kashgar
    gps[3], gps[4] = "E", (75.0, 59.0, 24.0)
    gps[5], gps[6] = b"\x00", 1289.0
    path = tmp_path / "photo.jpg"
    image.save(path, exif=exif)

    _, name, result = extract(path, ocr=NO_OCR)
    assert (name, result.state) == ("image", "extracted")
    meta = result.metadata
    assert (meta["camera_make"], meta["camera_model"]) == ("Huawei", "P30 Pro")
    assert meta["taken"] == "2019-03-15T09:30:12+08:00"
    assert meta["modified"] == "2019-03-16T10:00:00"
    assert abs(meta["gps"]["lat"] - 39.47) < 1e-6
    assert abs(meta["gps"]["lon"] - 75.99) < 1e-6
    assert meta["gps"]["alt"] == 1289.0
    assert (meta["width"], meta["height"]) == (64, 48)
    assert meta["exif"]["Make"] == "Huawei"
    json.dumps(dict(meta))


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data)))


def test_decompression_bomb_is_refused(tmp_path: Path, extract) -> None:
    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 0, 0, 0, 0)
    path = tmp_path / "bomb.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header)
                     + _chunk(b"IDAT", zlib.compress(b"\x00" * 1000)) + _chunk(b"IEND", b""))
    _, name, result = extract(path)
    assert name == "image"
    assert result.state == "skipped"
    assert "limit" in (result.reason or "")


def test_truncated_image_fails_with_a_reason(tmp_path: Path, extract) -> None:
    path = tmp_path / "cut.png"
    render_scan(["x"], script="latin", seed=1, width=300, height=200).save(path)
    path.write_bytes(path.read_bytes()[:400])
    _, _, result = extract(path)
    assert result.state in {"failed", "unsupported"}
    assert result.reason


def test_exif_rotated_photo_is_read_upright(corpora: Path, extract) -> None:
    folder = corpora / "rapidocr-testimages" / "python" / "tests" / "test_files"
    _, _, result = extract(folder / "img_exif_orientation.jpg", ocr=HAN)
    assert "我是中国人" in result.full_text()
    _, _, shop = extract(folder / "ch_en_num.jpg", ocr=HAN)
    for words in ("正品促销", "大桶装更划算", "强力去污符合国标"):
        assert words in shop.full_text()
