"""Archives: names in legacy encodings, hostile names, encryption, damage, bombs."""

from __future__ import annotations

import gzip
import io
import shutil
import struct
import subprocess
import tarfile
import time
import tracemalloc
import zipfile
import zlib
from pathlib import Path

import libarchive
import pytest

from trove.extract import Context
from trove.extract.records import STATES, Limits

GIB = 1 << 30


# --- builders ---------------------------------------------------------------------------

def _zeros_deflate(total: int) -> tuple[bytes, int]:
    """A raw deflate stream of `total` zero bytes and its CRC, built in well under a second.

    After a full flush the compressor's state is reset, so compressing the next MiB of
    zeros yields the same bytes again: one block, repeated, is a valid stream.
    """
    block = bytes(1 << 20)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    repeat = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    count = total // len(block)
    body = first + repeat * (count - 1) + compressor.flush()
    crc = 0
    for _ in range(count):
        crc = zlib.crc32(block, crc)
    return body, crc


def _zip_bomb(path: Path, size: int = GIB, extra_members: dict[str, bytes] | None = None,
              ) -> None:
    """A zip whose one member is `size` zeros, deflated (~1 MB for 1 GiB)."""
    body, crc = _zeros_deflate(size)
    name = b"zeros.bin"
    local = struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 8, 0, 0x21, crc, len(body),
                        size, len(name), 0) + name
    central = struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0, 8, 0, 0x21, crc,
                          len(body), size, len(name), 0, 0, 0, 0, 0, 0) + name
    with path.open("wb") as out:
        out.write(local + body)
        entries = [central]
        for member, data in (extra_members or {}).items():
            offset = out.tell()
            raw = member.encode()
            packed = zlib.compress(data, 9)[2:-4]
            out.write(struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 8, 0, 0x21,
                                  zlib.crc32(data), len(packed), len(data), len(raw), 0)
                      + raw + packed)
            entries.append(struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0, 8, 0,
                                       0x21, zlib.crc32(data), len(packed), len(data),
                                       len(raw), 0, 0, 0, 0, 0, offset) + raw)
        start = out.tell()
        directory = b"".join(entries)
        out.write(directory)
        out.write(struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(entries), len(entries),
                              len(directory), start, 0))


def _zip_with_raw_names(path: Path, members: list[tuple[bytes, bytes]]) -> None:
    """A zip whose names are the given bytes with no UTF-8 flag, as old Windows tools wrote.

    zipfile writes non-ASCII names as flagged UTF-8, so each name is written as an ASCII
    placeholder of the same length and the bytes are swapped in afterwards.
    """
    buffer = io.BytesIO()
    placeholders = []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, (raw, data) in enumerate(members):
            placeholder = (f"@{index:03d}" + "#" * len(raw))[:len(raw)].encode()
            assert len(raw) >= 4
            placeholders.append((placeholder, raw))
            archive.writestr(placeholder.decode(), data)
    content = buffer.getvalue()
    for placeholder, raw in placeholders:
        content = content.replace(placeholder, raw)
    path.write_bytes(content)


def _tar(path: Path, mode: str) -> None:
    with tarfile.open(path, mode) as archive:
        data = "新疆 report text".encode()
        info = tarfile.TarInfo("docs/报告.txt")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("docs/passwd")
        link.type = tarfile.SYMTYPE
        link.linkname = "../../etc/passwd"
        archive.addfile(link)


def _names(result) -> list[str]:  # type: ignore[no-untyped-def]
    return [child.name for child in result.children]


def _child(result, name: str):  # type: ignore[no-untyped-def]
    return next(child for child in result.children if child.name == name)


# --- zip names ---------------------------------------------------------------------------

def test_gbk_names_without_utf8_flag_are_decoded(tmp_path: Path, extract) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "gbk.zip"
    _zip_with_raw_names(path, [("docs/报告.docx".encode("gbk"), b"one"),
                               ("会议纪要/2019年工作总结.txt".encode("gbk"), b"two"),
                               (b"readme.txt", b"three")])
    _, extractor, result = extract(path)
    assert extractor == "zip"
    assert sorted(_names(result)) == ["docs/报告.docx", "readme.txt", "会议纪要/2019年工作总结.txt"]
    assert result.metadata["name_encoding"] == "gb18030"
    assert _child(result, "docs/报告.docx").path.read_bytes() == b"one"


def test_big5_and_cp437_names(tmp_path: Path, extract) -> None:  # type: ignore[no-untyped-def]
    big5 = tmp_path / "big5.zip"
    _zip_with_raw_names(big5, [("報告書/會議記錄.doc".encode("big5"), b"x")])
    assert _names(extract(big5)[2]) == ["報告書/會議記錄.doc"]
    latin = tmp_path / "dos.zip"
    _zip_with_raw_names(latin, [("Müller/Übersicht.doc".encode("cp437"), b"x")])
    assert _names(extract(latin)[2]) == ["Müller/Übersicht.doc"]


def test_utf8_names_and_unicode_path_field(tmp_path: Path, extract) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "names.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("乌鲁木齐/名单.xlsx", b"utf8 flagged")
        info = zipfile.ZipInfo("old-name.txt")
        unicode_name = "新疆/通知.txt".encode()
        info.extra = struct.pack("<HHBI", 0x7075, 5 + len(unicode_name), 1,
                                 zlib.crc32(b"old-name.txt")) + unicode_name
        archive.writestr(info, b"extra field")
    _, _, result = extract(path)
    assert sorted(_names(result)) == ["乌鲁木齐/名单.xlsx", "新疆/通知.txt"]


def test_hostile_names_are_data(tmp_path: Path, extract) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "hostile.zip"
    _zip_with_raw_names(path, [(b"../../etc/passwd", b"a"), (b"/abs/path.txt", b"b"),
                               (b"evil\x00.txt", b"c"), (b"dup.txt", b"d"), (b"dup.txt", b"e")])
    _, _, result = extract(path)
    assert _names(result) == ["../../etc/passwd", "/abs/path.txt", "evil\u2400.txt",
                              "dup.txt", "dup.txt"]
    workdir = result.children[0].path.parent
    for child in result.children:
        assert child.path is not None and child.path.parent == workdir
    assert [c.path.read_bytes() for c in result.children] == [b"a", b"b", b"c", b"d", b"e"]
    assert not (tmp_path / "etc").exists()


# --- encryption --------------------------------------------------------------------------

@pytest.fixture
def zip_tool() -> str:
    tool = shutil.which("zip")
    if tool is None:
        pytest.skip("Debian's zip is not installed")
    return tool


def test_zipcrypto_with_and_without_password(tmp_path: Path, extract, zip_tool: str) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "secret.txt").write_text("机密内容")
    path = tmp_path / "locked.zip"
    subprocess.run([zip_tool, "-q", "-P", "pässwort", str(path), "secret.txt"], check=True,
                   cwd=tmp_path)
    _, _, locked = extract(path)
    assert locked.state == "encrypted"
    assert locked.children[0].state == "encrypted"
    _, _, wrong = extract(path, passwords=("nope",))
    assert wrong.state == "encrypted"
    _, _, opened = extract(path, passwords=("nope", "pässwort"))
    assert opened.state == "extracted"
    assert opened.children[0].path.read_text() == "机密内容"


def test_aes_zip_opens_with_password(tmp_path: Path, extract) -> None:  # type: ignore[no-untyped-def]
    seven = shutil.which("7z")
    if seven is None:
        pytest.skip("p7zip-full is not installed")
    (tmp_path / "a.txt").write_text("AES protected")
    path = tmp_path / "aes.zip"
    subprocess.run([seven, "a", "-tzip", "-mem=AES256", "-psecret", str(path), "a.txt"],
                   check=True, cwd=tmp_path, capture_output=True)
    assert extract(path)[2].state == "encrypted"
    _, _, opened = extract(path, passwords=("secret",))
    assert opened.state == "extracted"
    assert opened.children[0].path.read_text() == "AES protected"


# --- damage and limits -------------------------------------------------------------------

def test_truncated_zip_keeps_what_can_be_read(tmp_path: Path, extract) -> None:  # type: ignore[no-untyped-def]
    whole = tmp_path / "whole.zip"
    with zipfile.ZipFile(whole, "w", zipfile.ZIP_DEFLATED) as archive:
        for index in range(5):
            archive.writestr(f"part{index}.txt", f"member {index} ".encode() * 2000)
    cut = tmp_path / "cut.zip"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size * 2 // 3])
    _, extractor, result = extract(cut)
    assert extractor == "zip"
    assert result.state == "partial"
    readable = [c for c in result.children if c.path is not None and c.state is None]
    assert len(readable) >= 2
    assert readable[0].path.read_bytes() == b"member 0 " * 2000


def test_zip_bomb_is_stopped_quickly(tmp_path: Path, extract) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "bomb.zip"
    _zip_bomb(path, extra_members={"after.txt": b"still read"})
    assert path.stat().st_size < 2 * 1024 * 1024
    tracemalloc.start()
    started = time.monotonic()
    _, _, result = extract(path)
    elapsed = time.monotonic() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert elapsed < 10
    assert peak < 64 * 1024 * 1024
    bomb = _child(result, "zeros.bin")
    assert bomb.state == "skipped" and bomb.path is None
    assert "TROVE_MAX_ARCHIVE_RATIO" in (bomb.reason or "")
    assert _child(result, "after.txt").path.read_bytes() == b"still read"
    leftover = sum(f.stat().st_blocks * 512 for f in tmp_path.glob("work-*/*"))
    assert leftover < 1024 * 1024


def test_nested_bomb_each_level_is_bounded(tmp_path: Path, extract) -> None:  # type: ignore[no-untyped-def]
    inner = tmp_path / "inner.zip"
    _zip_bomb(inner, size=256 * 1024 * 1024)
    outer = tmp_path / "outer.zip"
    with zipfile.ZipFile(outer, "w", zipfile.ZIP_DEFLATED) as archive:
        for index in range(8):
            archive.write(inner, f"layer/{index}.zip")
    started = time.monotonic()
    _, _, result = extract(outer)
    assert len(result.children) == 8
    for child in result.children[:2]:
        _, extractor, nested = extract(child.path, name=child.name)
        assert extractor == "zip"
        assert nested.children[0].state == "skipped"
    assert time.monotonic() - started < 10


def test_member_and_total_limits_stop_reading(tmp_path: Path, extract) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "many.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for index in range(20):
            archive.writestr(f"f{index:02d}.txt", bytes([65 + index]) * 1000)
    _, _, few = extract(path, limits=Limits(max_archive_members=5))
    assert few.state == "partial" and len(few.children) == 5
    assert "TROVE_MAX_ARCHIVE_MEMBERS" in (few.reason or "")
    _, _, small = extract(path, limits=Limits(max_archive_total=3500))
    assert small.state == "partial"
    assert "TROVE_MAX_ARCHIVE_TOTAL" in (small.reason or "")
    assert [c.state for c in small.children] == [None, None, None, "skipped"]


def test_gzip_bomb_is_stopped(tmp_path: Path, extract) -> None:  # type: ignore[no-untyped-def]
    body, crc = _zeros_deflate(GIB)
    path = tmp_path / "zeros.bin.gz"
    header = b"\x1f\x8b\x08\x08" + struct.pack("<I", 0) + b"\x02\xff" + b"zeros.bin\x00"
    path.write_bytes(header + body + struct.pack("<II", crc, GIB & 0xFFFFFFFF))
    started = time.monotonic()
    _, extractor, result = extract(path)
    assert time.monotonic() - started < 10
    assert extractor == "compressed"
    assert result.state == "partial"
    assert result.children[0].name == "zeros.bin"
    assert result.children[0].state == "skipped" and result.children[0].path is None


def test_gzip_names_the_child(tmp_path: Path, extract) -> None:  # type: ignore[no-untyped-def]
    named = tmp_path / "download.gz"
    data = "内容".encode()
    packed = zlib.compress(data)[2:-4]
    # Python's gzip writes only Latin-1 names; tools on Chinese systems write GBK.
    named.write_bytes(b"\x1f\x8b\x08\x08\0\0\0\0\x00\xff" + "原始文件.txt".encode("gbk")
                      + b"\0" + packed + struct.pack("<II", zlib.crc32(data), len(data)))
    assert _names(extract(named)[2]) == ["原始文件.txt"]
    plain = tmp_path / "notes.txt.gz"
    plain.write_bytes(gzip.compress(b"plain"))  # no FNAME in the header
    result = extract(plain)[2]
    assert _names(result) == ["notes.txt"]
    assert result.children[0].path.read_bytes() == b"plain"


# --- tar, 7z, nested ---------------------------------------------------------------------

@pytest.mark.parametrize("suffix,mode", [(".tar", "w"), (".tar.gz", "w:gz"),
                                         (".tar.bz2", "w:bz2"), (".tar.xz", "w:xz")])
def test_tar_with_symlink(tmp_path: Path, extract, suffix: str, mode: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / f"bundle{suffix}"
    _tar(path, mode)
    _, _, result = extract(path)
    assert result.state == "extracted"
    text = _child(result, "docs/报告.txt")
    assert text.path.read_text() == "新疆 report text"
    link = _child(result, "docs/passwd")
    assert link.path is None and link.state == "skipped"
    assert "symbolic link" in (link.reason or "")


def test_7z_written_by_libarchive(tmp_path: Path, extract) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "docs.7z"
    data = "乌鲁木齐会议".encode()
    with libarchive.file_writer(str(path), "7zip") as archive:
        archive.add_file_from_memory("文件/会议.txt", len(data), data)
    _, extractor, result = extract(path)
    assert extractor == "libarchive"
    assert _names(result) == ["文件/会议.txt"]
    assert result.children[0].path.read_bytes() == data


def test_nested_zip_is_a_child(tmp_path: Path, extract) -> None:  # type: ignore[no-untyped-def]
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as archive:
        archive.writestr("deep.txt", b"deep content")
    outer = tmp_path / "outer.zip"
    with zipfile.ZipFile(outer, "w") as archive:
        archive.writestr("inner.zip", inner.getvalue())
    child = extract(outer)[2].children[0]
    _, extractor, nested = extract(child.path, name=child.name)
    assert extractor == "zip"
    assert nested.children[0].path.read_bytes() == b"deep content"


# --- corpora -----------------------------------------------------------------------------

def test_corpus_archives_end_in_a_recorded_state(corpora: Path, extract) -> None:  # type: ignore[no-untyped-def]
    folder = corpora / "ingest-file" / "tests" / "fixtures"
    archives = sorted(p for p in folder.iterdir()
                      if p.suffix in {".zip", ".7z", ".rar", ".tar", ".001"})
    assert len(archives) >= 9
    results = {}
    for path in archives:
        _, _, result = extract(path)
        assert result.state in STATES, path.name
        results[path.name] = result
    for name in ("test-documents.zip", "test-documents.rar", "test-documents.tar"):
        assert any(c.name.endswith("testPDF.pdf") and c.path for c in results[name].children)
    assert results["7z_password.7z"].state == "encrypted"
    split = results["500_pages.7z.001"]
    assert split.state == "unsupported" and "split archive volume" in (split.reason or "")
    unstructured = corpora / "unstructured-example-docs" / "example-docs" / "simple.zip"
    assert sorted(_names(extract(unstructured)[2])) == ["ideas-page.html", "stanley-cups.csv"]


def test_context_is_used_as_given(tmp_path: Path) -> None:
    # Extractors are pure: the same zip read twice gives the same names and contents.
    from trove.extract.formats.zip import ZipExtractor

    path = tmp_path / "same.zip"
    _zip_with_raw_names(path, [("报告.doc".encode("gbk"), b"x")])
    runs = []
    for index in range(2):
        work = tmp_path / f"w{index}"
        work.mkdir()
        result = ZipExtractor().extract(path, Context(workdir=work))
        runs.append([(c.name, c.path.read_bytes() if c.path else None)
                     for c in result.children])
    assert runs[0] == runs[1] == [("报告.doc", b"x")]
