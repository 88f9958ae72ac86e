"""Plain text in any encoding: notes, logs, CSV/TSV, JSON, Markdown, source code, subtitles.

The generic reader for text that no more specific extractor claims: it bids low on every
text/* type, so HTML, XML, RTF and e-mail go to their own extractors when those exist.
The text is the decoded file itself; a CSV's cells are already in it. Bytes are decoded
by `trove.extract.encoding`; content that is not text at all (a binary file named .txt)
is refused rather than turned into mojibake.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path, PurePosixPath
from typing import Any

from trove.errors import UnsupportedFormat
from trove.extract.base import Extractor
from trove.extract.encoding import decode, looks_binary, sniff_utf16_32
from trove.extract.identify import FileType
from trove.extract.records import Context, Extraction, State

MAX_TEXT_BYTES = 64 * 1024**2  # the text kept from one file; a larger file is partial
_CHECK_BYTES = 64 * 1024
_DELIMITERS = ",;\t|"
# Tables by file name (the extractor is not told the identified type); None: sniff it.
_TABULAR = {".csv": None, ".tsv": "\t", ".tab": "\t"}
# Share of characters that did not decode above which the text is called partial.
_MAX_REPLACED_SHARE = 0.01


class TextExtractor(Extractor):
    name = "text"
    mime_types = frozenset({
        "text/plain", "text/csv", "text/tab-separated-values", "application/csv",
        "application/json", "application/x-ndjson", "application/ld+json",
        "text/markdown", "text/x-markdown", "application/x-subrip", "text/vtt",
        "text/x-log", "text/x-diff", "text/x-tex", "text/troff", "text/x-po",
        "text/x-c", "text/x-c++", "text/x-java", "text/x-script.python", "text/x-python",
        "text/x-shellscript", "text/x-perl", "text/x-php", "text/x-ruby", "text/x-lua",
        "text/x-makefile", "text/x-asm", "text/x-msdos-batch", "text/javascript",
        "application/javascript", "application/x-sh", "application/sql",
        "application/x-yaml", "application/toml", "text/x-ini",
    })
    extensions = frozenset({
        ".txt", ".text", ".log", ".csv", ".tsv", ".tab", ".json", ".jsonl", ".ndjson",
        ".md", ".markdown", ".rst", ".srt", ".vtt", ".ass", ".ssa", ".sub", ".ini", ".cfg",
        ".conf", ".yaml", ".yml", ".toml", ".properties", ".sql", ".py", ".js", ".ts",
        ".c", ".h", ".cpp", ".hpp", ".java", ".go", ".rs", ".rb", ".php", ".pl", ".sh",
        ".bat", ".ps1", ".lua", ".tex", ".diff", ".patch", ".nfo", ".lst", ".dat",
    })
    score = 5

    @classmethod
    def match(cls, filetype: FileType) -> int:
        if looks_binary(filetype.head):
            return 0
        bid = super().match(filetype)
        if bid:
            return bid
        if filetype.mime.startswith("text/"):
            return 1  # HTML, XML, RTF and the like: their own extractors bid higher
        if filetype.mime == "application/octet-stream" and sniff_utf16_32(filetype.head):
            return max(1, cls.score // 2)  # libmagic does not see UTF-16 without a BOM
        # A DOS .COM program has no magic bytes, so libmagic guesses one from a first
        # byte such as 0x8C, which is also how Mac Cyrillic or cp866 Russian starts.
        if (filetype.mime == "application/x-dosexec" and "(COM)" in filetype.description
                and filetype.extension in cls.extensions):
            return 1
        return 0

    def extract(self, path: Path, ctx: Context) -> Extraction:
        size = path.stat().st_size
        with path.open("rb") as handle:
            data = handle.read(MAX_TEXT_BYTES)
        capped = size > len(data)
        if looks_binary(data[:_CHECK_BYTES]):
            raise UnsupportedFormat("binary data, not text (control bytes in the first "
                                    f"{min(len(data), _CHECK_BYTES)} bytes)")
        decoded = decode(data, truncated=capped)
        del data
        text = decoded.text
        metadata: dict[str, Any] = {
            "encoding": decoded.encoding,
            "encoding_confidence": round(decoded.confidence, 2),
            "line_count": _line_count(text),
        }
        reasons: list[str] = []
        if decoded.replaced:
            metadata["replaced_characters"] = decoded.replaced
            if decoded.replaced > _MAX_REPLACED_SHARE * max(1, len(text)):
                reasons.append(f"{decoded.replaced} byte sequences did not decode as "
                               f"{decoded.encoding} and were replaced")
        if capped:
            reasons.append(f"text kept from the first {MAX_TEXT_BYTES // 2**20} MiB "
                           f"of {size} bytes")
        suffix = PurePosixPath(ctx.name or path.name).suffix.lower()
        if suffix in _TABULAR:
            metadata.update(_table_metadata(text, _TABULAR[suffix]))
        state: State = "partial" if reasons else "extracted"
        return Extraction(state, text=text, metadata=metadata,
                          reason="; ".join(reasons) or None)


def _line_count(text: str) -> int:
    if not text:
        return 0
    return text.count("\n") + (not text.endswith("\n"))


def _delimiter(text: str) -> str:
    """The field delimiter of a CSV: csv.Sniffer, else the most regular candidate."""
    sample = text[:16384]
    cut = sample.rfind("\n")
    if cut > 0:
        sample = sample[:cut]
    try:
        return csv.Sniffer().sniff(sample, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        pass
    lines = [line for line in sample.splitlines()[:50] if line.strip()]
    best, best_score = ",", 0
    for candidate in _DELIMITERS:
        counts = [line.count(candidate) for line in lines]
        if not counts or not max(counts):
            continue
        mode = max(set(counts), key=counts.count)
        score = counts.count(mode) * (mode > 0)
        if score > best_score:
            best, best_score = candidate, score
    return best


def _table_metadata(text: str, delimiter: str | None) -> dict[str, Any]:
    chosen = delimiter or _delimiter(text)
    rows = 0
    try:
        for _ in csv.reader(io.StringIO(text), delimiter=chosen):
            rows += 1
    except csv.Error:
        # A field past the csv module's size limit, or a NUL: count lines instead.
        rows = _line_count(text)
    return {"delimiter": chosen, "row_count": rows}
