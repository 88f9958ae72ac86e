"""Every file of ../shared/corpora ingested: state counts, and the share of the
`expected.tsv` substrings found in the extracted text or metadata.

A pair counts as found when the substring occurs (after NFKC and collapsing whitespace)
in the file's own text or metadata; pairs found only in one of its descendants (an
attachment, an archive member) are counted separately. OCR pairs (images and scanned
PDFs) are reported apart from the others, whose target is >= 95%.

    python bench/bench_corpora.py [--workers 2] [--misses]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import unicodedata
from collections import Counter
from pathlib import Path

from _common import BIN, CORPORA, Timer, table
from trove.config import Settings
from trove.store.sqlite import SqliteMetadataStore

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".gif", ".bmp", ".webp",
                  ".jp2", ".heic"}
_SPACE = re.compile(r"\s+")


def norm(text: str) -> str:
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip().casefold()


def ocr_pairs(folder: Path) -> set[tuple[str, str]]:
    sources = folder / "expected_sources.tsv"
    marked: set[tuple[str, str]] = set()
    if sources.exists():
        for line in sources.read_text("utf-8").splitlines()[1:]:
            cols = line.split("\t")
            if len(cols) >= 5 and cols[4] in {"pdf-notext"}:
                marked.add((cols[0], cols[1]))
    return marked


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--misses", action="store_true", help="list the pairs not found")
    parser.add_argument("--home", type=Path, default=None,
                        help="reuse (or keep) this data home instead of a temporary one")
    args = parser.parse_args()
    if not CORPORA.is_dir():
        sys.exit(f"no corpora at {CORPORA}")
    tmp = tempfile.TemporaryDirectory(prefix="trove-corpora-")
    home = args.home or Path(tmp.name)
    env = {**{k: v for k, v in os.environ.items() if k.startswith("TROVE_")},
           "TROVE_HOME": str(home), "PATH": str(BIN) + ":/usr/bin:/bin"}
    folders = sorted(p for p in CORPORA.iterdir() if p.is_dir())
    with Timer() as run:
        subprocess.run([str(BIN / "trove"), "ingest", *map(str, folders), "--collection",
                        "corpora", "--quiet", "--workers", str(args.workers)], env=env,
                       check=True)
    status = json.loads(subprocess.run(
        [str(BIN / "trove"), "status", "--collection", "corpora", "--json"], env=env,
        check=True, capture_output=True, text=True).stdout)
    print(f"ingested {status['files']:,} files ({status['documents']:,} distinct) "
          f"in {run.seconds:.0f} s")
    print(table(["state", "files"], sorted(status["states"].items())))
    print()

    store = SqliteMetadataStore(Settings.from_env({"TROVE_HOME": str(home)}).database_path)
    by_path = dict(store.db.execute("SELECT path, sha256 FROM roots"))

    def own_text(sha: str) -> str:
        doc = store.get_document(sha)
        return norm(store.get_text(sha) + "\n" + json.dumps(doc.metadata, ensure_ascii=False))

    def descendants_text(sha: str, depth: int = 0) -> str:
        if depth > 6:
            return ""
        parts = []
        for member in store.get_members(sha):
            if member.sha256:
                parts.append(own_text(member.sha256))
                parts.append(descendants_text(member.sha256, depth + 1))
        return "\n".join(parts)

    rows = []
    totals: Counter[str] = Counter()
    misses: list[str] = []
    for folder in folders:
        expected = folder / "expected.tsv"
        if not expected.exists():
            continue
        ocr = ocr_pairs(folder)
        counts: Counter[str] = Counter()
        for line in expected.read_text("utf-8").splitlines()[1:]:
            if "\t" not in line:
                continue
            name, needle = line.split("\t", 1)
            kind = "ocr" if (Path(name).suffix.lower() in IMAGE_SUFFIXES
                             or (name, needle) in ocr) else "text"
            counts[f"{kind} pairs"] += 1
            sha = by_path.get(str(folder / name))
            found = ""
            if sha:
                if norm(needle) in own_text(sha):
                    found = "own"
                elif norm(needle) in descendants_text(sha):
                    found = "child"
            if found:
                counts[f"{kind} found"] += 1
                if found == "child":
                    counts[f"{kind} found in a child"] += 1
            else:
                misses.append(f"{folder.name}/{name}\t{needle[:80]}")
        totals.update(counts)
        rows.append((folder.name, counts["text pairs"], counts["text found"],
                     _share(counts["text found"], counts["text pairs"]),
                     counts["text found in a child"], counts["ocr pairs"],
                     counts["ocr found"], _share(counts["ocr found"], counts["ocr pairs"])))
    rows.append(("ALL", totals["text pairs"], totals["text found"],
                 _share(totals["text found"], totals["text pairs"]),
                 totals["text found in a child"], totals["ocr pairs"], totals["ocr found"],
                 _share(totals["ocr found"], totals["ocr pairs"])))
    print(table(["folder", "text pairs", "found", "share", "of which in a child",
                 "OCR pairs", "found", "share"], rows))
    if args.misses:
        print("\nnot found:")
        print("\n".join(misses))
    store.close()


def _share(found: int, total: int) -> str:
    return f"{100 * found / total:.1f}%" if total else "-"


if __name__ == "__main__":
    main()
