"""Search benchmark: SQLite FTS5 vs tantivy on the same analysed tokens, ripgrep as the
baseline, and the relevance of both on the labelled query set.

    python bench/bench_search.py [--docs 100000,1000000] [--seed 1] [--workers 2]
                                 [--reps 5] [--tmp DIR] [--keep] [--no-tantivy] [--no-rg]

For each size: generate and analyse the corpus in `--workers` processes (each writes its
own shard of analysed tokens and of plain text for ripgrep, and labels its documents);
build each engine from the same token shards (build rate, index size as a share of the
text); then the query mix (every labelled query plus background words, as a results page
asks it: the 10 best and the total) `--reps` times, facet counts, and ripgrep on the
queries grep can express. Relevance: recall over all hits (exact and phrase queries must
reach 1.0) and nDCG@10 with graded labels (title/author 2, body 1).

Trove's own search call (`trove.search.service.search`) is compared with the raw engine
when it exists; until then that column is skipped and the run says so.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import multiprocessing
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

from _common import table
from search.corpus import generate
from search.engines import (
    Analysed,
    Fts5Engine,
    Ripgrep,
    TantivyEngine,
    TroveFtsEngine,
    Unsupported,
    analyse,
    grep_line,
    grep_pattern,
)
from search.queries import LATENCY_ONLY, QUERIES
from search.relevance import ndcg, qrels, recall
from trove.search.ast import Node

CHUNK = 2000
MUST_BE_EXACT = ("exact", "phrase")


def _prepare_chunk(job: tuple[int, int, int, str]) -> dict[str, Any]:
    """Generate, analyse and label documents start+1..stop into shard files."""
    seed, start, stop, work = job
    folder = Path(work)
    t_gen = t_an = 0.0
    size = 0
    docs = []
    t0 = time.perf_counter()
    for doc in generate(stop, seed, start):
        docs.append(doc)
    t_gen = time.perf_counter() - t0
    name = f"{start // CHUNK:06d}"
    t0 = time.perf_counter()
    with (open(folder / "tok" / f"{name}.tsv", "w", encoding="utf-8") as tok,
          open(folder / "rg" / f"{name}.txt", "w", encoding="utf-8") as rg):
        for doc in docs:
            texts = (doc.title, doc.author, doc.sender, doc.recipients, doc.text)
            size += sum(len(t.encode()) for t in texts)
            tok.write(analyse(doc.id, doc.lang, doc.type, doc.ext, doc.path, doc.date,
                              texts).line())
            rg.write(grep_line(doc.id, texts))
    t_an = time.perf_counter() - t0
    labels = qrels({q.id: q.node for q in QUERIES}, docs)
    return {"n": len(docs), "bytes": size, "gen": t_gen, "analyse": t_an, "qrels": labels}


def prepare(n: int, seed: int, work: Path, workers: int
            ) -> tuple[dict[str, dict[int, int]], int, dict[str, float]]:
    (work / "tok").mkdir(parents=True)
    (work / "rg").mkdir()
    jobs = [(seed, s, min(s + CHUNK, n), str(work)) for s in range(0, n, CHUNK)]
    labels: dict[str, dict[int, int]] = defaultdict(dict)
    total_bytes = done = 0
    gen = an = 0.0
    t0 = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        for part in pool.imap_unordered(_prepare_chunk, jobs):
            done += part["n"]
            total_bytes += part["bytes"]
            gen += part["gen"]
            an += part["analyse"]
            for qid, got in part["qrels"].items():
                labels[qid].update(got)
            if done % 50_000 < CHUNK:
                _progress(f"  prepared {done:,}/{n:,} docs, {time.perf_counter() - t0:.0f} s")
    wall = time.perf_counter() - t0
    return dict(labels), total_bytes, {"wall": wall, "gen_cpu": gen, "analyse_cpu": an}


def _progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def analysed(work: Path) -> Iterator[Analysed]:
    for shard in sorted((work / "tok").glob("*.tsv")):
        with open(shard, encoding="utf-8") as f:
            for line in f:
                yield Analysed.parse(line)


def _timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


def latency_mix() -> list[tuple[str, Node]]:
    return [(q.id, q.node) for q in QUERIES] + [(f"bg:{t}", node) for t, node in LATENCY_ONLY]


def run_engine(engine: Any, labels: dict[str, dict[int, int]], reps: int
               ) -> dict[str, Any]:
    mix = latency_mix()
    per_query: dict[str, dict[str, Any]] = {}
    for qid, node in mix:  # first pass: warm the caches, score relevance
        ids, total = engine.top(node)
        if qid in labels:
            per_query[qid] = {"recall": recall(engine.all_ids(node), labels[qid]),
                              "ndcg": ndcg(ids, labels[qid]), "total": total}
    samples: dict[str, list[float]] = defaultdict(list)
    for _ in range(reps):
        for qid, node in mix:
            samples[qid].append(_timed(partial(engine.top, node))[1])
    facet_times = [_timed(partial(engine.facets, node))[1]
                   for _ in range(reps) for _, node in mix[:: max(1, len(mix) // 12)]]
    flat = [s for v in samples.values() for s in v]
    return {"per_query": per_query, "samples": samples,
            "p50": _pct(flat, 0.5), "p95": _pct(flat, 0.95), "max": max(flat),
            "facet_p50": _pct(facet_times, 0.5), "facet_p95": _pct(facet_times, 0.95)}


def run_ripgrep(work: Path, labels: dict[str, dict[int, int]], reps: int) -> dict[str, Any]:
    rg = Ripgrep(work / "rg")
    times: dict[str, float] = {}
    rec: dict[str, float] = {}
    for qid, node in latency_mix():
        try:
            grep_pattern(node)
        except Unsupported:
            continue
        times[qid] = min(_timed(partial(rg.count, node))[1] for _ in range(max(1, reps // 3)))
        if qid in labels:
            rec[qid] = recall(rg.ids(node), labels[qid])
    return {"times": times, "recall": rec}


def trove_search() -> Callable[..., Any] | None:
    with contextlib.suppress(ImportError):
        service = importlib.import_module("trove.search.service")
        return getattr(service, "search", None)
    return None


def bench_size(n: int, args: argparse.Namespace) -> None:
    work = Path(tempfile.mkdtemp(prefix=f"trove-search-{n}-", dir=args.tmp))
    print(f"\n## {n:,} documents (seed {args.seed}), work dir {work}", flush=True)
    try:
        labels, text_bytes, prep = prepare(n, args.seed, work, args.workers)
        print(f"corpus: {text_bytes / 1e6:,.1f} MB of text; generate+analyse+label in "
              f"{prep['wall']:.0f} s wall with {args.workers} workers "
              f"({n / prep['wall']:,.0f} docs/s); CPU: generation {prep['gen_cpu']:.0f} s, "
              f"analysis+shards {prep['analyse_cpu']:.0f} s", flush=True)
        engines: list[Any] = [Fts5Engine(work / "fts5.db")]
        if not args.no_tantivy:
            engines.append(TantivyEngine(work / "tantivy"))
        if not args.no_trove_index:
            try:
                engines.append(TroveFtsEngine(work / "trove.db"))
            except (ImportError, AttributeError, sqlite3.Error) as exc:
                print(f"Trove's index layer (trove.search.fts) unavailable: {exc}")
        builds = []
        results: dict[str, dict[str, Any]] = {}
        for engine in engines:
            _progress(f"  building {engine.name}")
            if isinstance(engine, Fts5Engine | TroveFtsEngine):
                if isinstance(engine, Fts5Engine):
                    engine.create()
                count, t_add = _timed(partial(engine.add, analysed(work)))
                _, t_meta = _timed(engine.finish) if isinstance(engine, Fts5Engine) \
                    else (None, 0.0)
                _, t_opt = _timed(engine.optimize)
                size = engine.sizes()
                index_bytes = size["index"]
                extra = f"metadata+indexes {size['metadata'] / 1e6:,.0f} MB"
                build = t_add + t_meta
            else:
                count, build = _timed(partial(engine.add, analysed(work)))
                t_opt = 0.0
                index_bytes, extra = engine.size(), "metadata inside"
            builds.append((engine.name, count, f"{build:.0f}", f"{count / build:,.0f}",
                           f"{t_opt:.0f}", f"{index_bytes / 1e6:,.0f}",
                           f"{index_bytes / text_bytes:.2f}", extra))
            _progress(f"  querying {engine.name}")
            results[engine.name] = run_engine(engine, labels, args.reps)
        print("\nBuild (same token shards; build = insert + commit, optimize = merge to "
              "one segment):")
        print(table(["engine", "docs", "build s", "docs/s", "optimize s", "index MB",
                     "index/text", "notes"], builds))
        print(f"\nQuery latency, ms ({len(latency_mix())} queries x {args.reps}: top 10 + "
              "total count; facets = counts by lang and type):")
        print(table(["engine", "p50", "p95", "max", "facets p50", "facets p95"],
                    [(name, r["p50"] * 1e3, r["p95"] * 1e3, r["max"] * 1e3,
                      r["facet_p50"] * 1e3, r["facet_p95"] * 1e3)
                     for name, r in results.items()]))
        _slowest(results)
        _relevance_tables(labels, results)
        if not args.no_rg:
            _progress("  ripgrep")
            _ripgrep_table(run_ripgrep(work, labels, args.reps), results, labels)
        if trove_search() is None:
            print("\nTrove's search call vs raw engine: skipped, there is no "
                  "trove.search.service.search function (the service's Searcher needs a "
                  "metadata store of the corpus); trove-fts above is Trove's index layer.")
        else:
            print("\nTrove's search call vs raw engine: trove.search.service.search exists, "
                  "but this benchmark has no adapter for it yet; skipped.")
        for engine in engines:
            engine.close()
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def _slowest(results: dict[str, Any]) -> None:
    texts = {q.id: q.text for q in QUERIES} | {f"bg:{t}": t for t, _ in LATENCY_ONLY}
    rows = []
    for name, r in results.items():
        med = sorted(((statistics.median(v), k) for k, v in r["samples"].items()),
                     reverse=True)[:6]
        rows += [(name, k, texts.get(k, k), t * 1e3) for t, k in med]
    print("\nSlowest queries (median ms):")
    print(table(["engine", "id", "query", "ms"], rows))


def _relevance_tables(labels: dict[str, dict[int, int]], results: dict[str, Any]) -> None:
    names = list(results)
    rows = []
    cats: dict[str, list[str]] = defaultdict(list)
    for q in QUERIES:
        cats[q.category].append(q.id)
    for cat, ids in cats.items():
        ids = [i for i in ids if labels.get(i)]
        if not ids:
            continue
        row: list[object] = [cat, len(ids)]
        for name in names:
            pq = results[name]["per_query"]
            row += [statistics.mean(pq[i]["recall"] for i in ids),
                    statistics.mean(pq[i]["ndcg"] for i in ids)]
        rows.append(row)
    print("\nRelevance (mean over the queries of each category that have relevant docs):")
    print(table(["category", "queries", *[f"{n} {m}" for n in names
                                          for m in ("recall", "nDCG@10")]], rows))
    empty = [q.id for q in QUERIES if not labels.get(q.id)]
    if empty:
        print(f"queries with no relevant document at this size (not scored): {', '.join(empty)}")
    misses = [(q.id, q.category, q.text, len(labels[q.id]),
               *[results[n]["per_query"][q.id]["recall"] for n in names],
               *[results[n]["per_query"][q.id]["ndcg"] for n in names])
              for q in QUERIES if labels.get(q.id)
              and any(results[n]["per_query"][q.id]["recall"] < 1.0
                      or results[n]["per_query"][q.id]["ndcg"] < 0.8 for n in names)]
    if misses:
        print("\nQueries with recall < 1 or nDCG@10 < 0.8:")
        print(table(["id", "category", "query", "relevant", *[f"{n} recall" for n in names],
                     *[f"{n} nDCG" for n in names]], misses))
    for n in names:
        bad = [q.id for q in QUERIES if q.category in MUST_BE_EXACT and labels.get(q.id)
               and results[n]["per_query"][q.id]["recall"] < 1.0]
        print(f"{n}: exact-term and phrase recall "
              f"{'100 % on every query' if not bad else 'BELOW 100 % on ' + ', '.join(bad)}")


def _ripgrep_table(rg: dict[str, Any], results: dict[str, Any],
                   labels: dict[str, dict[int, int]]) -> None:
    ids = list(rg["times"])
    rows: list[list[object]] = [["ripgrep (count)", len(ids),
                                 statistics.median(rg["times"].values()) * 1e3, 1.0]]
    rg_median = statistics.median(rg["times"].values())
    for name, r in results.items():
        med = statistics.median(statistics.median(r["samples"][i]) for i in ids)
        rows.append([name, len(ids), med * 1e3, rg_median / med])
    print("\nvs ripgrep on the queries grep can express (one word or phrase, no field), "
          "median ms:")
    print(table(["engine", "queries", "median ms", "x faster than rg"], rows))
    rec = rg["recall"]
    if rec:
        worst = sorted((v, k) for k, v in rec.items())[:8]
        print(f"ripgrep recall (fixed string, case-insensitive): mean "
              f"{statistics.mean(rec.values()):.2f}; lowest: "
              + ", ".join(f"{k} {v:.2f}" for v, k in worst if labels.get(k)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", default="100000", help="comma-separated corpus sizes")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--tmp", default=None, help="where to build (default: system temp)")
    parser.add_argument("--keep", action="store_true", help="keep the indexes")
    parser.add_argument("--no-tantivy", action="store_true")
    parser.add_argument("--no-rg", action="store_true")
    parser.add_argument("--no-trove-index", action="store_true",
                        help="skip Trove's own FTS5 index layer (trove.search.fts)")
    args = parser.parse_args()
    for n in (int(x.replace("_", "")) for x in args.docs.split(",")):
        bench_size(n, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
