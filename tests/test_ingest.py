"""The ingest pipeline end to end, through the real `trove` command."""

from __future__ import annotations

import io
import os
import signal
import sqlite3
import subprocess
import time
import zipfile
from pathlib import Path
from typing import Any

from conftest import BIN, Cli

CHINESE = "关于进一步加强社会稳定工作的通知"


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name, (2019, 11, 24, 0, 0, 0)), data)
    return buffer.getvalue()


def _cache(root: Path) -> Path:
    """A small cache: a duplicated text, nested zips, junk, an empty file, a link."""
    cache = root / "cache"
    (cache / "a" / "b").mkdir(parents=True)
    note = f"{CHINESE}\nMeeting notes, 2017-06-01.\n".encode()
    for where in ("note.txt", "a/note-copy.txt", "a/b/note-again.txt"):
        (cache / where).write_bytes(note)
    inner = _zip({"docs/inner.txt": "inner document 第二层".encode()})
    (cache / "outer.zip").write_bytes(_zip({"level1/inner.zip": inner,
                                            "readme.txt": b"top level readme"}))
    (cache / "junk.bin").write_bytes(bytes(range(256)) * 40)
    (cache / "empty.txt").write_bytes(b"")
    os.symlink("/etc/hostname", cache / "link-outside")
    return cache


def _states(status: dict[str, Any]) -> dict[str, str]:
    return {p["path"]: p["state"] for p in status["problems"]}


def test_every_file_is_accounted_for(cli: Cli, tmp_path: Path) -> None:
    cache = _cache(tmp_path)
    status = cli.json("ingest", cache, "--collection", "c1")
    # 3 copies + outer.zip (2 members, one a zip with 1 member) + junk + empty + link
    assert status["files"] == 3 + 1 + 2 + 1 + 1 + 1 + 1
    assert sum(status["states"].values()) == status["files"]
    assert status["states"].get("pending", 0) == 0
    problems = _states(status)
    assert problems[str(cache / "link-outside")] == "skipped"
    assert problems[str(cache / "junk.bin")] == "unsupported"
    for problem in status["problems"]:
        assert problem["reason"], problem


def test_duplicates_are_stored_once_with_every_provenance(cli: Cli, tmp_path: Path) -> None:
    cache = _cache(tmp_path)
    cli.run("ingest", cache, "--collection", "c1", "--quiet")
    evidence = list((cli.home / "evidence").rglob("*"))
    blobs = [p for p in evidence if p.is_file() and len(p.name) == 64]
    names = {p.name for p in blobs}
    assert len(names) == len(blobs)  # nothing stored twice
    import hashlib

    sha = hashlib.sha256((cache / "note.txt").read_bytes()).hexdigest()
    assert sha in names
    shown = cli.json("show", sha[:10])
    paths = sorted(o["path"] for o in shown["provenance"])
    assert paths == sorted(str(cache / p) for p in
                           ("note.txt", "a/note-copy.txt", "a/b/note-again.txt"))
    assert CHINESE in shown["text"]
    # The original is byte for byte what was ingested, and read-only.
    blob = next(p for p in blobs if p.name == sha)
    assert blob.read_bytes() == (cache / "note.txt").read_bytes()
    assert not os.access(blob, os.W_OK) or os.getuid() == 0
    assert blob.stat().st_mode & 0o222 == 0


def test_nested_members_show_the_whole_chain(cli: Cli, tmp_path: Path) -> None:
    cache = _cache(tmp_path)
    cli.run("ingest", cache, "--collection", "c1", "--quiet")
    import hashlib

    inner_sha = hashlib.sha256("inner document 第二层".encode()).hexdigest()
    shown = cli.json("show", inner_sha)
    [occurrence] = shown["provenance"]
    assert occurrence["chain"] == [str(cache / "outer.zip"), "level1/inner.zip",
                                   "docs/inner.txt"]
    assert occurrence["path"] == f"{cache}/outer.zip!/level1/inner.zip!/docs/inner.txt"
    assert "第二层" in shown["text"]
    outer = cli.json("show", hashlib.sha256((cache / "outer.zip").read_bytes()).hexdigest())
    assert sorted(c["name"] for c in outer["children"]) == ["level1/inner.zip", "readme.txt"]


def test_rerun_is_idempotent_and_skips_finished_work(cli: Cli, tmp_path: Path) -> None:
    cache = _cache(tmp_path)
    first = cli.json("ingest", cache, "--collection", "c1")
    again = cli.run("ingest", cache, "--collection", "c1")
    assert "(0 documents extracted in this run)" in again.stdout
    assert cli.json("status", "--collection", "c1") == first


def test_several_folders_and_runs_make_one_collection(cli: Cli, tmp_path: Path) -> None:
    cache = _cache(tmp_path)
    cli.run("ingest", cache / "a", "--collection", "c1", "--quiet")
    cli.run("ingest", cache / "outer.zip", cache / "note.txt", "--collection", "c1", "--quiet")
    status = cli.json("status", "--collection", "c1")
    # a/: 2 copies; outer.zip with inner.zip, docs/inner.txt and readme.txt; note.txt
    assert status["files"] == 2 + 4 + 1
    assert status["documents"] == 1 + 4  # the note once, the zip and its three members


def test_a_file_that_takes_too_long_is_killed_and_marked(cli: Cli, tmp_path: Path) -> None:
    from trove.sample.scans import render_scan

    slow = tmp_path / "slow"
    slow.mkdir()
    # OCR of a full scanned page takes seconds; the deadline below is one second.
    lines = [f"第{i}条 关于进一步加强社会稳定工作的通知，请各单位认真贯彻落实。" for i in range(30)]
    render_scan(lines, script="han", seed=1).save(slow / "scan.png")
    (slow / "small.txt").write_text("quick note", encoding="utf-8")
    status = cli.json("ingest", slow, "--collection", "slow", TROVE_FILE_TIMEOUT="1")
    problems = _states(status)
    assert problems[str(slow / "scan.png")] == "failed"
    [reason] = [p["reason"] for p in status["problems"] if p["path"].endswith("scan.png")]
    assert reason.startswith("timeout")
    assert str(slow / "small.txt") not in problems
    # Nothing is lost: the original is kept even though its extraction was cut short.
    assert status["documents"] == 2


def test_cli_errors_are_messages_not_tracebacks(cli: Cli, tmp_path: Path) -> None:
    proc = cli.run("status", "--collection", "nope", check=False)
    assert proc.returncode == 2
    assert "no collection named 'nope'" in proc.stderr
    proc = cli.run("ingest", tmp_path / "missing", "--collection", "x", check=False)
    assert proc.returncode == 2 and "no such file or folder" in proc.stderr
    proc = cli.run("show", "zz", check=False)
    assert proc.returncode == 2 and "not a SHA-256" in proc.stderr


def _snapshot(home: Path) -> list[tuple[Any, ...]]:
    """Everything a run recorded, minus timings, for comparing two runs."""
    db = sqlite3.connect(home / "trove.db")
    rows: list[tuple[Any, ...]] = []
    rows += db.execute("SELECT sha256, size, mime, extractor, state, reason, metadata, "
                       "language FROM documents ORDER BY sha256").fetchall()
    rows += db.execute("SELECT * FROM texts ORDER BY sha256").fetchall()
    rows += db.execute("SELECT * FROM pages ORDER BY sha256, number").fetchall()
    rows += db.execute("SELECT parent, position, name, sha256, size, state, reason, metadata "
                       "FROM members ORDER BY parent, position").fetchall()
    rows += db.execute("SELECT path, sha256, size, state, reason FROM roots "
                       "ORDER BY path").fetchall()
    rows += db.execute("SELECT sha256 FROM collection_documents ORDER BY sha256").fetchall()
    # The search index agrees too: the same documents, with the same filter values.
    rows += db.execute("SELECT sha256, date, year, version FROM search_docs "
                       "ORDER BY sha256").fetchall()
    rows += db.execute("SELECT d.sha256, v.field, v.value FROM search_values v "
                       "JOIN search_docs d ON d.id = v.id "
                       "ORDER BY d.sha256, v.field, v.value").fetchall()
    db.close()
    return rows


def _many_files(root: Path, count: int) -> Path:
    cache = root / "many"
    cache.mkdir()
    for i in range(count):
        body = f"文件 {i}: 第{i}号通知 notice number {i}\n" * 50
        if i % 10 == 0:
            (cache / f"bundle-{i}.zip").write_bytes(_zip({
                f"part-{j}.txt": f"bundle {i} part {j} 附件{j}".encode() for j in range(5)}))
        else:
            (cache / f"note-{i}.txt").write_text(body, encoding="utf-8")
    return cache


def test_kill_9_then_resume_equals_an_uninterrupted_run(tmp_path: Path) -> None:
    cache = _many_files(tmp_path, 400)
    clean = Cli(tmp_path / "clean")
    clean.run("ingest", cache, "--collection", "c", "--quiet")

    killed = Cli(tmp_path / "killed")
    for delay in (1.5, 0.8):
        proc = subprocess.Popen([str(BIN / "trove"), "ingest", str(cache), "--collection",
                                 "c", "--quiet"], env=killed.env(), start_new_session=True)
        deadline = time.monotonic() + delay
        while time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGKILL)  # the coordinator and every worker
        proc.wait()
    partial = killed.json("status", "--collection", "c")
    killed.run("ingest", cache, "--collection", "c", "--quiet")
    assert _snapshot(killed.home) == _snapshot(clean.home)
    assert killed.json("status", "--collection", "c") == clean.json("status", "--collection",
                                                                     "c")
    assert partial["files"] <= clean.json("status", "--collection", "c")["files"]
