"""Identification by content, not by name."""

from __future__ import annotations

from pathlib import Path

from trove.extract import identify


def test_content_wins_over_the_extension_and_the_mismatch_is_recorded(tmp_path: Path) -> None:
    fake = tmp_path / "holiday.jpg"
    fake.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    filetype = identify(fake)
    assert filetype.mime == "application/pdf"
    assert filetype.mismatch
    assert filetype.as_metadata()["extension_mismatch"]["extension"] == ".jpg"


def test_matching_names_are_not_flagged(tmp_path: Path) -> None:
    text = tmp_path / "notes.csv"
    text.write_text("a,b\n1,2\n", encoding="utf-8")
    assert not identify(text).mismatch


def test_text_without_a_byte_order_mark_is_text(tmp_path: Path) -> None:
    for codec in ("utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"):
        path = tmp_path / f"{codec}.bin"
        path.write_bytes(("Report on the 2017 meeting. 会议记录。\n" * 40).encode(codec))
        assert identify(path).mime == "text/plain", codec


def test_outlook_store_is_not_taken_for_a_message(tmp_path: Path) -> None:
    store = tmp_path / "mail.pst"
    store.write_bytes(b"!BDN" + bytes(600))
    assert identify(store).mime == "application/vnd.ms-outlook-pst"


def test_empty_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.docx"
    empty.write_bytes(b"")
    assert identify(empty).mime == "application/x-empty"
