"""Trove's full search call against the raw FTS5 query on the same index, same run.

The full call is `trove.search.service.Searcher.search` as the CLI and the web app use it:
parse the query, translate it, rank the page of 20 hits, count every match, facet counts
(type, language, year, sender, extension, tag) and a highlighted snippet per hit. The raw
engine query is FTS5 alone on the same index: the same MATCH expression, the 20 best by
rank, and the count. Documents come from the search benchmark's synthetic corpus, stored
and indexed through Trove's own store and index.

    python bench/bench_search_service.py [--docs 20000] [--reps 3]
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import tempfile
import time
from pathlib import Path

from _common import Timer, table
from bench_search import latency_mix
from search.corpus import generate
from search.queries import QUERIES
from trove.search import open_search_index
from trove.search.fts import FtsIndex
from trove.search.indexing import build_index_doc
from trove.search.service import Searcher
from trove.store.records import DocumentResult, RootFile
from trove.store.sqlite import SqliteMetadataStore


def build(store: SqliteMetadataStore, docs: int) -> float:
    collection = store.ensure_collection("bench")
    index = open_search_index(store)
    batch = []
    with Timer() as took:
        for doc in generate(docs, seed=1):
            sha = hashlib.sha256(f"{doc.id}:{doc.text}".encode()).hexdigest()
            metadata = {"title": doc.title, "author": doc.author, "from": [doc.sender],
                        "to": [doc.recipients], "date": doc.date.isoformat()}
            store.record_root(collection, RootFile(doc.path, sha, doc.size, 0))
            store.record_result(collection, DocumentResult(
                sha256=sha, size=doc.size, mime=doc.mime, extractor="synthetic",
                state="extracted", reason=None, text=doc.text, pages=(), metadata=metadata,
                language={"code": doc.lang}, duration=0.0), depth=0)
            batch.append(build_index_doc(sha, text=doc.text, mime=doc.mime,
                                         metadata=metadata, language={"code": doc.lang},
                                         names=[doc.path.rsplit("/", 1)[-1]],
                                         paths=[doc.path]))
            if len(batch) >= 500:
                index.add(batch)
                batch.clear()
        index.add(batch)
    return took.seconds


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=20_000)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    texts = {q.id: q.text for q in QUERIES}
    with tempfile.TemporaryDirectory(prefix="trove-search-service-") as tmp:
        store = SqliteMetadataStore(Path(tmp) / "trove.db")
        seconds = build(store, args.docs)
        print(f"stored and indexed {args.docs:,} documents in {seconds:.0f} s "
              f"({args.docs / seconds:,.0f} docs/s, analysis included)")
        index = open_search_index(store)
        assert isinstance(index, FtsIndex)
        searcher = Searcher(store, index)
        raw: list[float] = []
        full: list[float] = []
        bare: list[float] = []
        rows = []
        for query_id, node in latency_mix():
            text = texts.get(query_id, query_id.removeprefix("bg:"))
            expression = index._plan(node, False).fts  # the MATCH Trove itself runs
            if expression is None:
                continue  # filters only: no engine query to compare with
            times: dict[str, list[float]] = {"raw": [], "full": [], "bare": []}
            for _ in range(args.reps):
                start = time.perf_counter()
                store.db.execute("SELECT rowid FROM search_fts WHERE search_fts MATCH ? "
                                 "ORDER BY rank LIMIT 20", (expression,)).fetchall()
                store.db.execute("SELECT count(*) FROM search_fts WHERE search_fts MATCH ?",
                                 (expression,)).fetchone()
                times["raw"].append(time.perf_counter() - start)
                start = time.perf_counter()
                searcher.search("bench", text, limit=20)
                times["full"].append(time.perf_counter() - start)
                start = time.perf_counter()
                searcher.search("bench", text, limit=20, facets=())
                times["bare"].append(time.perf_counter() - start)
            best = {k: min(v) * 1000 for k, v in times.items()}
            raw.append(best["raw"])
            full.append(best["full"])
            bare.append(best["bare"])
            rows.append((query_id, best["raw"], best["bare"], best["full"]))
        store.close()
    rows.sort(key=lambda r: -r[3])
    print("\nslowest queries (ms, best of reps):")
    print(table(["query", "raw FTS5", "Trove, no facets", "Trove, full"], rows[:8]))
    summary = []
    for name, values in (("raw FTS5 (MATCH + rank + count)", raw),
                         ("Trove search, no facets", bare), ("Trove search, full", full)):
        summary.append((name, len(values), statistics.median(values),
                        percentile(values, 0.95), statistics.median(values) /
                        statistics.median(raw), percentile(values, 0.95) /
                        percentile(raw, 0.95)))
    print()
    print(table(["call", "queries", "p50 ms", "p95 ms", "p50 / raw", "p95 / raw"], summary))


if __name__ == "__main__":
    main()
