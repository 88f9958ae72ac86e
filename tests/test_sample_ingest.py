"""The sample leak, ingested through the real CLI, against the generator's manifest:
every format, every bad input, every nested member, in the state the manifest expects."""

from __future__ import annotations

import difflib
import json
import re
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from conftest import Cli
from trove.sample.manifest import Entry, Manifest

_SPACE = re.compile(r"\s+")


def norm(text: str) -> str:
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip().casefold()


def char_recall(expected: str, text: str) -> float:
    """Share of the expected characters that OCR reproduced in order (spaces ignored)."""
    want = expected.replace(" ", "")
    if not want:
        return 1.0
    have = text.replace(" ", "").replace("\n", "")
    best = 0
    # Compare against windows of the text around each place the phrase could start.
    matcher = difflib.SequenceMatcher(None, autojunk=False)
    matcher.set_seq2(want)
    step = max(1, len(want) // 2)
    for start in range(0, max(1, len(have) - len(want) + 1), step):
        window = have[start:start + len(want) * 2]
        matcher.set_seq1(window)
        best = max(best, sum(b.size for b in matcher.get_matching_blocks()))
        if best == len(want):
            break
    return best / len(want)


class Leak:
    def __init__(self, cli: Cli, root: Path) -> None:
        self.cli = cli
        self.root = root
        self.status = cli.json("status", "--collection", "leak")
        self.shown: dict[str, dict[str, Any]] = {}

    def show(self, sha: str) -> dict[str, Any]:
        if sha not in self.shown:
            self.shown[sha] = self.cli.json("show", sha)
        return self.shown[sha]

    def state_of_path(self, path: str) -> tuple[str, str | None]:
        for problem in self.status["problems"]:
            if problem["path"] == path:
                return problem["state"], problem["reason"]
        return "extracted", None


@pytest.fixture(scope="module")
def leak(ingested_sample: tuple[Cli, Path, dict[str, Any]]) -> tuple[Leak, Manifest]:
    cli, root, _ = ingested_sample
    manifest = Manifest.read(root.with_name(root.name + ".manifest.json"))
    return Leak(cli, root), manifest


def _sha_of_top(leak: Leak, entry: Entry) -> str | None:
    import hashlib

    path = leak.root / entry.path
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _check(leak: Leak, entry: Entry, sha: str | None, where: str,
           failures: list[str], ocr_scores: list[float]) -> None:
    expected_states = {entry.state, *entry.alt_states}
    if sha is None:
        state, _ = leak.state_of_path(where)
        if state not in expected_states:
            failures.append(f"{where}: state {state}, expected {sorted(expected_states)}")
        return
    shown = leak.show(sha)
    if shown["state"] not in expected_states:
        failures.append(f"{where}: state {shown['state']} ({shown['reason']}), "
                        f"expected {sorted(expected_states)}")
    haystack = norm(shown["text"] + "\n" + json.dumps(shown["metadata"], ensure_ascii=False))
    readable = shown["state"] in {"extracted", "partial"}
    for phrase in entry.contains if readable else ():
        if entry.ocr:
            ocr_scores.append(char_recall(norm(phrase), haystack))
        elif norm(phrase) not in haystack:
            failures.append(f"{where}: {phrase!r} not found in text or metadata")
    if entry.mislabelled and "extension_mismatch" not in shown["metadata"]:
        failures.append(f"{where}: mislabelled but no extension_mismatch recorded")
    children = {c["name"]: c for c in shown["children"]}
    for child in entry.children:
        found = children.get(child.path)
        if found is None:
            failures.append(f"{where}: member {child.path!r} missing "
                            f"(have {sorted(children)[:8]})")
            continue
        if found["sha256"] is None:
            state = found["state"]
            if state not in {child.state, *child.alt_states}:
                failures.append(f"{where}!/{child.path}: state {state}, expected "
                                f"{child.state}")
            continue
        _check(leak, child, found["sha256"], f"{where}!/{child.path}", failures, ocr_scores)


def test_every_generated_file_reaches_its_expected_state_and_text(
        leak: tuple[Leak, Manifest]) -> None:
    state, manifest = leak
    failures: list[str] = []
    ocr_scores: list[float] = []
    for entry in manifest.entries:
        path = state.root / entry.path
        sha = _sha_of_top(state, entry) if path.is_file() and not path.is_symlink() else None
        _check(state, entry, sha, str(path), failures, ocr_scores)
    assert not failures, "\n".join(failures)
    if ocr_scores:
        accuracy = sum(ocr_scores) / len(ocr_scores)
        assert accuracy >= 0.9, f"OCR character recall {accuracy:.3f} over {len(ocr_scores)}"


def test_status_accounts_for_every_file(leak: tuple[Leak, Manifest]) -> None:
    state, manifest = leak
    status = state.status
    assert sum(status["states"].values()) == status["files"]
    assert "pending" not in status["states"]
    top_level = sum(1 for p in state.root.rglob("*") if p.is_file() or p.is_symlink())
    nested = sum(1 for _ in manifest.walk()) - len(manifest.entries)
    assert status["files"] >= top_level + nested
    for problem in status["problems"]:
        assert problem["reason"], problem


def test_gbk_member_name_inside_a_zip_attached_to_an_email(
        leak: tuple[Leak, Manifest]) -> None:
    state, manifest = leak

    def chinese(name: str) -> bool:
        return any("\u4e00" <= ch <= "\u9fff" for ch in name)

    checked = 0
    for email in (e for e in manifest.entries if e.format == "eml"):
        for attachment in (c for c in email.children if c.format == "zip"):
            for member in (m for m in attachment.children if chinese(m.path)):
                shown = state.show(_sha_of_top(state, email) or "")
                [zip_child] = [c for c in shown["children"] if c["name"] == attachment.path]
                names = [c["name"] for c in state.show(zip_child["sha256"])["children"]]
                assert member.path in names  # GBK bytes decoded to the right characters
                checked += 1
    assert checked, "the sample has an email with a zip holding a Chinese-named file"


def test_encrypted_files_open_when_the_password_is_given_later(
        sample_leak: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    root, _ = sample_leak
    manifest = Manifest.read(root.with_name(root.name + ".manifest.json"))
    [entry] = [e for e in manifest.entries if e.format == "pdf" and e.password]
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "locked.pdf").write_bytes((root / entry.path).read_bytes())
    cli = Cli(tmp_path / "home")
    first = cli.json("ingest", cache, "--collection", "c")
    assert first["states"] == {"encrypted": 1}
    assert cli.json("ingest", cache, "--collection", "c", "--password", "wrong")[
        "states"] == {"encrypted": 1}
    opened = cli.json("ingest", cache, "--collection", "c", "--password", "wrong",
                      "--password", entry.password or "")
    assert opened["states"] == {"extracted": 1}
    [sha] = {p["sha256"] for p in first["problems"]}
    shown = cli.json("show", sha)
    for phrase in entry.contains:
        assert norm(phrase) in norm(shown["text"] + json.dumps(shown["metadata"],
                                                               ensure_ascii=False))
