"""Ingest throughput and peak memory on generated sample caches of 1,000 and 10,000 files.

Baseline, measured in the same run on the same files: copying every file into a
content-addressed directory while hashing it (what ingest must do at the very least).
Peak RSS is summed over the coordinator and all its workers; it must not grow with the
size of the cache.

    python bench/bench_ingest.py [--sizes 1000,10000] [--workers 2]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from _common import BIN, PeakTreeRss, Timer, table


def baseline_copy_and_hash(cache: Path, out: Path) -> None:
    out.mkdir(parents=True)
    for path in sorted(cache.rglob("*")):
        if path.is_file() and not path.is_symlink():
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            target = out / digest
            if not target.exists():
                shutil.copyfile(path, target)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--ocr", default="on")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="trove-bench-") as tmp:
        root = Path(tmp)
        for size in [int(s) for s in args.sizes.split(",")]:
            cache = root / f"cache-{size}"
            with Timer() as gen:
                subprocess.run([str(BIN / "trove"), "sample", str(cache), "--files",
                                str(size), "--seed", "7"], check=True, capture_output=True)
            files = [p for p in cache.rglob("*") if p.is_file()]
            total_bytes = sum(p.stat().st_size for p in files)
            with Timer() as base:
                baseline_copy_and_hash(cache, root / f"copy-{size}")
            home = root / f"home-{size}"
            env = {**{k: v for k, v in os.environ.items() if k.startswith("TROVE_")},
                   "TROVE_HOME": str(home), "TROVE_OCR": args.ocr,
                   "PATH": str(BIN) + ":/usr/bin:/bin"}
            with Timer() as run:
                proc = subprocess.Popen([str(BIN / "trove"), "ingest", str(cache),
                                         "--collection", "bench", "--quiet",
                                         "--workers", str(args.workers)], env=env)
                with PeakTreeRss(proc.pid) as peak:
                    proc.wait()
            status = subprocess.run([str(BIN / "trove"), "status", "--collection", "bench",
                                     "--json"], env=env, check=True, capture_output=True,
                                    text=True).stdout
            report = json.loads(status)
            rows.append((size, len(files), report["files"], total_bytes / 1e6, gen.seconds,
                         run.seconds, len(files) / run.seconds,
                         total_bytes / 1e6 / run.seconds, peak.peak / 2**20,
                         run.seconds / base.seconds))
            shutil.rmtree(home)
            shutil.rmtree(root / f"copy-{size}")
            shutil.rmtree(cache)
    print(table(["cache", "files on disk", "files incl. members", "MB", "generate s",
                 "ingest s", "files/s", "MB/s", "peak RSS MiB", "x copy+hash baseline"],
                rows))
    if len(rows) > 1:
        print(f"\npeak RSS ratio, largest / smallest cache: {rows[-1][8] / rows[0][8]:.2f} "
              "(bounded memory: close to 1)")


if __name__ == "__main__":
    main()
