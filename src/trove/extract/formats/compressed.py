"""Single compressed files: gzip, bzip2, xz/lzma (stdlib); zstd, lzip, lz4 and Unix
compress through libarchive's "raw" format (no extra Python dependency).

The result is one child, named from the gzip header's FNAME, else from the outer name
without its suffix. The limits apply as for any archive: a gzip bomb is stopped by the
expansion ratio, measured on compressed bytes actually read. When the decompressed data
starts with a tar header the file is a compressed tar and is read as one.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import struct
import zlib
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from itertools import chain
from pathlib import Path, PurePosixPath
from typing import IO, Any, ClassVar, cast

from libarchive.exception import ArchiveError

from trove.errors import ExtractionError
from trove.extract.base import Extractor
from trove.extract.expansion import CHUNK, CountingFile, Expansion, decode_names, read_chunks
from trove.extract.formats.libarchive_formats import open_reader, read_archive
from trove.extract.formats.tar import TarExtractor, looks_like_tar
from trove.extract.records import Context, Extraction

STDLIB = {
    "application/gzip": "gzip", "application/x-gzip": "gzip",
    "application/x-bzip2": "bzip2", "application/x-bzip": "bzip2",
    "application/x-xz": "xz", "application/x-lzma": "xz",
}
SUFFIXES = {
    ".gz": "", ".tgz": ".tar", ".taz": ".tar", ".bz2": "", ".tbz": ".tar", ".tbz2": ".tar",
    ".xz": "", ".txz": ".tar", ".lzma": "", ".zst": "", ".tzst": ".tar", ".lz": "",
    ".lz4": "", ".z": "",
}
READ_ERRORS = (OSError, EOFError, zlib.error, lzma.LZMAError, ValueError, ArchiveError)


class CompressedExtractor(Extractor):
    name = "compressed"
    mime_types: ClassVar[frozenset[str]] = frozenset({
        *STDLIB, "application/zstd", "application/x-zstd", "application/x-lzip",
        "application/x-lz4", "application/x-compress",
    })
    extensions: ClassVar[frozenset[str]] = frozenset(SUFFIXES)
    score = 10

    def extract(self, path: Path, ctx: Context) -> Extraction:
        with path.open("rb") as handle:
            head = handle.read(1024)
        kind = _kind(head)
        if kind is None:
            return _through_libarchive(path, ctx)
        source = CountingFile(path)
        try:
            stream = _decompressor(kind, source)
            try:
                first = stream.read(CHUNK)
            except READ_ERRORS as exc:
                raise ExtractionError(f"unreadable {kind} data: {type(exc).__name__}: "
                                      f"{exc}"[:300]) from None
            if looks_like_tar(first):
                stream.close()
                source.close()
                return TarExtractor().extract(path, ctx)
            meta: dict[str, Any] = {"compression": kind}
            child_meta: dict[str, Any] = {}
            name = _gzip_name(head, child_meta) if kind == "gzip" else None
            exp = Expansion(ctx)
            exp.admit()
            exp.stream(name or _outer_name(ctx.name), chain([first], read_chunks(stream.read)),
                       metadata=child_meta, consumed=lambda: source.consumed,
                       errors=READ_ERRORS)
            stream.close()
        finally:
            source.close()
        return Extraction(exp.state, metadata=meta, children=tuple(exp.children),
                          reason=exp.reason)


def _kind(head: bytes) -> str | None:
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if head.startswith(b"BZh"):
        return "bzip2"
    if head.startswith(b"\xfd7zXZ\x00") or head[:3] == b"\x5d\x00\x00":
        return "xz"
    return None


def _decompressor(kind: str, source: CountingFile) -> io.BufferedIOBase:
    fileobj = cast(IO[bytes], source)  # duck-typed: only read() is used
    if kind == "gzip":
        return gzip.GzipFile(fileobj=fileobj, mode="rb")
    if kind == "bzip2":
        return bz2.BZ2File(fileobj, "rb")
    return lzma.LZMAFile(fileobj, "rb")


def _through_libarchive(path: Path, ctx: Context) -> Extraction:
    """zstd, lzip, lz4, compress: libarchive's filters, with its "raw" format."""
    try:
        with open_reader(path, (), format_name="raw") as archive:
            entries = iter(archive)
            entry = next(entries, None)
            if entry is None:
                raise ExtractionError("no compressed data")
            blocks: Iterator[bytes] = iter(entry.get_blocks(CHUNK))
            first = next(blocks, b"")
            if looks_like_tar(first):
                tar = True
            else:
                tar = False
                exp = Expansion(ctx)
                exp.admit()
                exp.stream(_outer_name(ctx.name), _chain(first, blocks),
                           consumed=lambda: max(archive.bytes_read, 1), errors=READ_ERRORS)
    except ArchiveError as exc:
        raise ExtractionError(f"unreadable compressed data: {exc}"[:300]) from None
    if tar:
        return read_archive(path, ctx, format_name="tar")
    return Extraction(exp.state, metadata={"compression": "libarchive"},
                      children=tuple(exp.children), reason=exp.reason)


def _chain(first: bytes, rest: Iterator[bytes]) -> Iterable[bytes]:
    if first:
        yield first
    yield from rest


def _gzip_name(head: bytes, child_meta: dict[str, Any]) -> str | None:
    """FNAME from the gzip header (RFC 1952), and MTIME into the child's metadata."""
    if len(head) < 10:
        return None
    flags = head[3]
    (mtime,) = struct.unpack_from("<I", head, 4)
    if mtime:
        child_meta["archive_mtime"] = datetime.fromtimestamp(mtime, UTC).isoformat()
    offset = 10
    if flags & 0x04:  # FEXTRA
        if len(head) < offset + 2:
            return None
        (extra,) = struct.unpack_from("<H", head, offset)
        offset += 2 + extra
    if not flags & 0x08:  # FNAME
        return None
    end = head.find(b"\0", offset)
    if end <= offset:
        return None
    raw = head[offset:end]
    # RFC 1952 says Latin-1; real tools write the local encoding, often UTF-8 or GBK.
    try:
        name = raw.decode("utf-8")
    except UnicodeDecodeError:
        name = decode_names([raw])[1][0]
    return name.replace("\x00", "\u2400")


def _outer_name(name: str) -> str:
    if not name:
        return "data"
    pure = PurePosixPath(name.replace("\\", "/")).name
    suffix = PurePosixPath(pure).suffix
    if suffix.lower() in SUFFIXES:
        return pure[: -len(suffix)] + SUFFIXES[suffix.lower()] or "data"
    return pure or "data"
