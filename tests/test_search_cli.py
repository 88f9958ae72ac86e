"""Search through the real `trove` command on the ingested sample leak."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path
from typing import Any

from conftest import Cli
from trove.sample.manifest import Entry, Manifest
from trove.search import open_search_index
from trove.search.service import Searcher
from trove.store.sqlite import SqliteMetadataStore


def _manifest(root: Path) -> Manifest:
    return Manifest.read(root.with_name(root.name + ".manifest.json"))


def _search(cli: Cli, *query: str, **options: str) -> dict[str, Any]:
    args = [a for key, value in options.items() for a in (f"--{key}", value)]
    result: dict[str, Any] = cli.json("search", *query, "--collection", "leak", *args)
    return result


def test_every_planted_phrase_is_found_by_an_exact_search(
        ingested_sample: tuple[Cli, Path, dict[str, Any]]) -> None:
    """Recall of exact phrases over the whole sample: no silent misses."""
    cli, root, _ = ingested_sample
    manifest = _manifest(root)
    misses = []
    checked = 0
    # Through the Python API the CLI wraps: one process instead of a hundred.
    with SqliteMetadataStore(cli.home / "trove.db") as store:
        searcher = Searcher(store, open_search_index(store))
        for entry in manifest.entries:
            path = root / entry.path
            if entry.ocr or entry.state not in {"extracted", "partial"} or not path.is_file():
                continue
            sha = hashlib.sha256(path.read_bytes()).hexdigest()
            for phrase in entry.contains:
                if '"' in phrase:
                    continue
                found = searcher.search("leak", f'"{phrase}"', limit=1000, facets=())
                checked += 1
                if sha not in {hit.sha256 for hit in found.hits}:
                    misses.append(f"{entry.path}: {phrase!r}")
    assert checked > 40
    assert not misses, "\n".join(misses)


def test_chinese_word_inside_unbroken_text_with_highlight(
        ingested_sample: tuple[Cli, Path, dict[str, Any]]) -> None:
    cli, _, _ = ingested_sample
    result = _search(cli, "双语宣讲")
    assert result["total"] > 0
    hit = result["hits"][0]
    assert {"sha256", "path", "title", "score", "snippet", "highlights"} <= set(hit)
    start, end = hit["highlights"][0]
    assert hit["snippet"][start:end] == "双语宣讲"
    # The traditional form finds the same documents.
    traditional = _search(cli, "雙語宣講")
    assert traditional["total"] == result["total"]


def test_filters_facets_and_paging(ingested_sample: tuple[Cli, Path, dict[str, Any]]) -> None:
    cli, _, _ = ingested_sample
    everything = _search(cli, limit="5")
    assert everything["total"] > 50
    assert {f["value"] for f in everything["facets"]["type"]} >= {"pdf", "word", "email"}
    pdfs = _search(cli, "type:pdf", limit="100")
    assert pdfs["total"] and all(h["mime"] == "application/pdf" for h in pdfs["hits"])
    uyghur = _search(cli, "lang:ug", limit="100")
    assert uyghur["total"] > 0
    page_two = _search(cli, limit="5", offset="5")
    assert not {h["sha256"] for h in page_two["hits"]} & {
        h["sha256"] for h in everything["hits"]}
    dated = _search(cli, "date:2019", sort="date", limit="100")
    dates = [h["date"] for h in dated["hits"]]
    assert dates and all(d.startswith("2019") for d in dates) and dates == sorted(dates)


def test_search_inside_one_container(ingested_sample: tuple[Cli, Path, dict[str, Any]]) -> None:
    cli, root, _ = ingested_sample
    manifest = _manifest(root)
    mbox: Entry = next(e for e in manifest.entries if e.format == "mbox")
    sha = hashlib.sha256((root / mbox.path).read_bytes()).hexdigest()
    inside = _search(cli, within=sha[:16], limit="100")
    assert 0 < inside["total"] <= len(list(mbox.walk()))
    assert all("!/" in hit["path"] for hit in inside["hits"])


def test_batch_search_counts_and_writes_csv(
        ingested_sample: tuple[Cli, Path, dict[str, Any]], tmp_path: Path) -> None:
    cli, _, _ = ingested_sample
    names = tmp_path / "names.csv"
    names.write_text("name\n双语宣讲\nNorthgate\n不存在的名字\n", encoding="utf-8")
    out = tmp_path / "hits.csv"
    rows = cli.json("batch-search", names, "--collection", "leak", "--csv", out)
    counts = {row["term"]: row["documents"] for row in rows}
    assert counts["双语宣讲"] > 0 and counts["Northgate"] > 0 and counts["不存在的名字"] == 0
    with out.open(encoding="utf-8-sig") as handle:
        table = list(csv.DictReader(handle))
    assert {row["term"] for row in table} == set(counts)


def test_bad_queries_get_a_clear_message(
        ingested_sample: tuple[Cli, Path, dict[str, Any]]) -> None:
    cli, _, _ = ingested_sample
    for query, words in (('"unbalanced', "never closed"), ("a AND", "AND"),
                         ("title:", "title"), ("date:2017-13", "13")):
        proc = cli.run("search", query, "--collection", "leak", check=False)
        assert proc.returncode == 2, query
        assert words in proc.stderr, (query, proc.stderr)
