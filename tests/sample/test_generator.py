"""The sample-leak generator: reproducible, complete, and honest about its contents."""

from __future__ import annotations

import email
import email.policy
import hashlib
import html
import io
import json
import re
import unicodedata
import zipfile
from email.message import EmailMessage
from pathlib import Path

import pypdfium2
import pytest
from PIL import Image

from trove.extract.identify import identify
from trove.sample.generator import generate
from trove.sample.manifest import Entry, Manifest, manifest_path

BASE_FORMATS = {"pdf", "png", "jpeg", "tiff", "gif", "bmp", "webp", "docx", "xlsx", "pptx",
                "doc", "xls", "ppt", "odt", "ods", "rtf", "eml", "mbox", "zip", "tar.gz",
                "tar.bz2", "tar.xz", "7z", "html", "xml", "txt", "csv", "json", "py",
                "empty", "unknown"}


@pytest.fixture(scope="module")
def leak(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Manifest]:
    out = tmp_path_factory.mktemp("gen") / "leak"
    return out, generate(out)


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text))


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_gives_same_bytes(leak: tuple[Path, Manifest], tmp_path: Path) -> None:
    first_dir, first = leak
    second = generate(tmp_path / "leak")
    assert _files(first_dir) == _files(tmp_path / "leak")
    assert manifest_path(first_dir).read_text() == manifest_path(tmp_path / "leak").read_text()
    assert first == second


def test_manifest_lies_beside_the_leak_and_names_real_files(
        leak: tuple[Path, Manifest]) -> None:
    out, manifest = leak
    assert manifest_path(out).parent == out.parent
    assert not any(p.name.endswith(".manifest.json") for p in out.rglob("*"))
    assert Manifest.read(manifest_path(out)) == manifest
    on_disk = set(_files(out))
    assert {e.path for e in manifest.entries} == on_disk
    assert manifest.files == len(on_disk)
    assert 60 <= manifest.files <= 100


def test_base_set_covers_every_format(leak: tuple[Path, Manifest]) -> None:
    _, manifest = leak
    missing = BASE_FORMATS - manifest.formats() - set(manifest.skipped_formats)
    assert not missing
    languages = {e.language for e in manifest.walk()}
    assert {"zh-Hans", "zh-Hant", "ug", "en", "ru", "ja", "mixed"} <= languages


def test_formats_are_identified_by_content(leak: tuple[Path, Manifest]) -> None:
    out, manifest = leak
    for entry in manifest.entries:
        filetype = identify(out / entry.path)
        assert filetype.mime == entry.mime, entry.path
        if entry.mislabelled:
            assert filetype.mismatch, entry.path


def _entry(manifest: Manifest, pattern: str) -> Entry:
    return next(e for e in manifest.entries if re.search(pattern, e.path))


def _message(path: Path) -> EmailMessage:
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def test_gbk_member_name_is_raw_gbk_without_utf8_flag(leak: tuple[Path, Manifest]) -> None:
    out, manifest = leak
    entry = _entry(manifest, "附件.eml$")
    expected = entry.children[0].children[0].path
    attachment = next(_message(out / entry.path).iter_attachments())
    archive = zipfile.ZipFile(io.BytesIO(attachment.get_payload(decode=True)))
    (info,) = archive.infolist()
    assert not info.flag_bits & 0x800
    # zipfile decodes names without the UTF-8 flag as cp437: undo that to get the raw bytes.
    assert info.filename.encode("cp437") == expected.encode("gbk")
    assert archive.read(info).startswith(b"PK")


def test_zip_bomb_is_small_on_disk_but_huge_inside(leak: tuple[Path, Manifest]) -> None:
    out, manifest = leak
    path = out / _entry(manifest, "数据库备份").path
    assert path.stat().st_size < 1_500_000
    with zipfile.ZipFile(path) as archive:
        (info,) = archive.infolist()
        assert info.file_size >= 1 << 30
        with archive.open(info) as member:
            assert member.read(1 << 20) == bytes(1 << 20)


def test_encrypted_things_open_only_with_their_password(leak: tuple[Path, Manifest]) -> None:
    out, manifest = leak
    pdf = _entry(manifest, "加密")
    assert pdf.state == "encrypted" and pdf.password
    with pytest.raises(pypdfium2.PdfiumError):
        pypdfium2.PdfDocument(out / pdf.path)
    document = pypdfium2.PdfDocument(out / pdf.path, password=pdf.password)
    assert pdf.contains[0] in _norm(document[0].get_textpage().get_text_range())
    document.close()

    archive_entry = _entry(manifest, r"名单_\d+\.zip$")
    secret = next(c for c in archive_entry.children if c.state == "encrypted")
    with zipfile.ZipFile(out / archive_entry.path) as archive:
        with pytest.raises(RuntimeError, match="password"):
            archive.read(secret.path)
        content = archive.read(secret.path, pwd=(secret.password or "").encode())
    assert secret.contains[0] in content.decode("gbk")


def test_duplicates_share_bytes_and_nothing_else_does(leak: tuple[Path, Manifest]) -> None:
    out, manifest = leak
    digests: dict[str, list[str]] = {}
    for entry in manifest.entries:
        if entry.format not in ("empty",):
            digest = hashlib.sha256((out / entry.path).read_bytes()).hexdigest()
            digests.setdefault(digest, []).append(entry.path)
    shared = [sorted(paths) for paths in digests.values() if len(paths) > 1]
    assert len(shared) == 1 and len(shared[0]) == 3
    for path in shared[0]:
        assert sorted([*manifest.by_path()[path].duplicates, path]) == shared[0]


def _pdf_text(data: bytes) -> str:
    document = pypdfium2.PdfDocument(data)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


def _ooxml_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = "".join(archive.read(n).decode() for n in archive.namelist()
                      if n.endswith(".xml") and n.startswith(("word/", "xl/", "ppt/")))
    return html.unescape(re.sub(r"<[^>]+>", "", xml))


def _text_of(entry: Entry, data: bytes) -> str | None:
    """The document text by simple means, or None when that needs a real extractor."""
    if entry.format == "pdf" and not entry.ocr:
        return _pdf_text(data)
    if entry.format in ("docx", "xlsx", "pptx"):
        return _ooxml_text(data)
    if entry.format in ("odt", "ods"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return re.sub(r"<[^>]+>", "", archive.read("content.xml").decode())
    if entry.format in ("txt", "csv"):
        return data.decode(entry.metadata.get("encoding", "utf-8"))
    if entry.format in ("html", "xml", "json", "py"):
        return data.decode("utf-8")
    if entry.format == "eml":
        message = email.message_from_bytes(data, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        body = message.get_body(("plain",))
        return f"{message['subject']}\n{body.get_content() if body else ''}"
    return None


def test_contains_phrases_really_occur(leak: tuple[Path, Manifest]) -> None:
    out, manifest = leak
    checked = 0
    for entry in manifest.entries:
        if entry.state != "extracted" or entry.mislabelled or not entry.contains:
            continue
        found = _text_of(entry, (out / entry.path).read_bytes())
        if found is None:
            continue
        for phrase in entry.contains:
            assert _norm(phrase) in _norm(found), (entry.path, phrase)
        checked += 1
    assert checked >= 32


def test_scripts_hidden_in_html_are_not_expected_text(leak: tuple[Path, Manifest]) -> None:
    out, manifest = leak
    entry = _entry(manifest, r"\.html$")
    page = (out / entry.path).read_text("utf-8")
    assert "<script>" in page and entry.metadata["not_contains"] in page
    assert not any(entry.metadata["not_contains"] in c for c in entry.contains)


def test_photo_carries_camera_exif(leak: tuple[Path, Manifest]) -> None:
    out, manifest = leak
    entry = next(e for e in manifest.entries if e.format == "jpeg" and e.metadata)
    with Image.open(out / entry.path) as image:
        exif = image.getexif()
        assert exif[0x010F] == entry.metadata["camera_make"]
        gps = exif.get_ifd(0x8825)
        assert float(gps[2][0]) == float(entry.metadata["gps"].split(",")[0].split(".")[0])


def test_deep_nesting_is_seven_levels(leak: tuple[Path, Manifest]) -> None:
    out, manifest = leak
    entry = _entry(manifest, "套娃")
    data, depth = (out / entry.path).read_bytes(), 0
    while data.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            data = archive.read(archive.namelist()[0])
        depth += 1
    assert depth == 6
    assert entry.children[0].children[0].children[0].children[0].children[0].children[0] \
        .contains[0] in data.decode()


def test_small_file_count_covers_distinct_formats(tmp_path: Path) -> None:
    manifest = generate(tmp_path / "few", files=12)
    assert len(_files(tmp_path / "few")) == 12 == manifest.files
    assert len({e.format for e in manifest.entries}) == 12


def test_large_file_count_adds_distinct_documents(leak: tuple[Path, Manifest],
                                                  tmp_path: Path) -> None:
    base = leak[1].files
    manifest = generate(tmp_path / "many", files=base + 40, seed=3)
    files = _files(tmp_path / "many")
    assert len(files) == base + 40 == manifest.files
    extras = [e for e in manifest.entries if e.path.startswith("归档/")]
    assert len(extras) >= 30
    assert len({hashlib.sha256(files[e.path]).digest() for e in extras}) == len(extras)
    json.loads(manifest_path(tmp_path / "many").read_text("utf-8"))
