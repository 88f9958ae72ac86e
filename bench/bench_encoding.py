"""Accuracy and speed of trove.extract.encoding.decode on the chardet test corpus.

    python bench/bench_encoding.py [CORPUS_DIR]

An answer counts as right when it decodes the file to the same text as the true
encoding does ("exact"), or when it is the superset Trove decodes that family with and
decodes the file without errors ("family": GB18030 for a GB2312 file renders 0xA1AA as
EM DASH where GB2312's table says HORIZONTAL BAR; cp932 for Shift-JIS, Big5-HKSCS for
Big5, cp949 for EUC-KR, cp874 for TIS-620). Files whose true encoding Python cannot
decode (EUC-TW) are listed and left out of the totals.
"""

from __future__ import annotations

import codecs
import csv
import sys
import time
from collections import defaultdict
from pathlib import Path

from trove.extract.encoding import decode

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "chardet"
FAMILIES = {
    "gb18030": {"gb2312", "gbk", "gb18030"},
    "big5hkscs": {"big5", "cp950", "big5hkscs"},
    "cp932": {"shift_jis", "cp932"},
    "cp949": {"euc_kr", "cp949"},
    "cp1252": {"latin_1", "iso8859-1", "cp1252"},
    "cp874": {"tis-620", "cp874"},  # cp874 has the bullet at 0x95 where TIS-620 has C1
}


def _truth(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding).lstrip("\ufeff")
    except (UnicodeDecodeError, LookupError):
        return None


def _family_ok(true_encoding: str, got: str, replaced: int) -> bool:
    try:
        canonical = codecs.lookup(true_encoding).name
    except LookupError:
        return False
    return replaced == 0 and canonical in FAMILIES.get(got, set())


def main(root: Path) -> int:
    with (root / "expected_encoding.tsv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    per: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # exact, family, total
    misses: list[str] = []
    skipped: list[str] = []
    elapsed = 0.0
    size = 0
    for row in rows:
        data = (root / row["file"]).read_bytes()
        size += len(data)
        start = time.perf_counter()
        result = decode(data)
        elapsed += time.perf_counter() - start
        truth = _truth(data, row["encoding"])
        if truth is None:
            skipped.append(f"{row['file']} ({row['encoding']}: no Python codec)")
            continue
        exact = result.text.lstrip("\ufeff") == truth
        family = exact or _family_ok(row["encoding"], result.encoding, result.replaced)
        counts = per[row["encoding"]]
        counts[0] += exact
        counts[1] += family
        counts[2] += 1
        if not family:
            misses.append(f"{row['file']}: true {row['encoding']}, got {result.encoding}"
                          f" ({result.confidence:.2f}, {result.replaced} replaced)")
    print(f"{'encoding':<14} {'exact':>7} {'family':>7} {'files':>6}")
    for name, (exact_n, family_n, total) in sorted(per.items(), key=lambda kv: kv[0].lower()):
        print(f"{name:<14} {exact_n:>7} {family_n:>7} {total:>6}")
    exact_all = sum(c[0] for c in per.values())
    family_all = sum(c[1] for c in per.values())
    total_all = sum(c[2] for c in per.values())
    print(f"\nexact  {exact_all}/{total_all} = {exact_all / total_all:.1%}")
    print(f"family {family_all}/{total_all} = {family_all / total_all:.1%}")
    print(f"speed  {len(rows) / elapsed:.0f} files/s, {size / elapsed / 2**20:.1f} MiB/s "
          f"({len(rows)} files, {size / 2**20:.1f} MiB, {elapsed:.2f} s)")
    for line in misses:
        print("miss   ", line)
    for line in skipped:
        print("skipped", line)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT))
