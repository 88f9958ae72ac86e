"""Tar archives, plain or compressed with gzip, bzip2 or xz, with the stdlib's tarfile.

Read in stream mode (one pass, no seeking), so a compressed tar is decompressed once.
Regular files become children; links, devices and fifos are recorded as skipped with
what they pointed to. The expansion ratio is measured over the whole stream: compressed
bytes read from the file against bytes written out.

Compressed tars are identified as gzip/bzip2/xz; the compressed-file extractor hands
them here when the decompressed data starts with a tar header.
"""

from __future__ import annotations

import lzma
import tarfile
import zlib
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from trove.errors import ExtractionError
from trove.extract.base import Extractor
from trove.extract.expansion import CountingFile, Expansion, decode_names, read_chunks
from trove.extract.records import Context, Extraction

READ_ERRORS = (tarfile.TarError, EOFError, OSError, zlib.error, lzma.LZMAError, ValueError)


def looks_like_tar(block: bytes) -> bool:
    """True for a 512-byte ustar, GNU or v7 tar header (by its checksum)."""
    if len(block) < 512:
        return False
    header = block[:512]
    if header[257:262] == b"ustar":
        return True
    field = header[148:156].split(b"\0", 1)[0].strip()
    try:
        stored = int(field, 8)
    except ValueError:
        return False
    computed = sum(header[:148]) + 8 * 0x20 + sum(header[156:])
    return stored == computed and any(header[:100])


class TarExtractor(Extractor):
    name = "tar"
    mime_types: ClassVar[frozenset[str]] = frozenset({
        "application/x-tar", "application/x-gtar", "application/x-ustar",
        "application/x-compressed-tar",
    })
    extensions: ClassVar[frozenset[str]] = frozenset({".tar"})
    score = 10

    def extract(self, path: Path, ctx: Context) -> Extraction:
        exp = Expansion(ctx)
        source = CountingFile(path)
        meta: dict[str, Any] = {}
        raw_names: list[bytes] = []
        try:
            # Names are decoded as UTF-8 with escapes so the original bytes can be
            # recovered and decoded as a legacy encoding when they are not UTF-8.
            with tarfile.open(fileobj=source, mode="r|*", encoding="utf-8",  # type: ignore[call-overload]
                              errors="surrogateescape") as archive:
                for member in archive:
                    if member.isdir():
                        continue
                    if not exp.admit():
                        break
                    name = _name(member.name, raw_names, meta)
                    info = _member_metadata(member)
                    if not member.isreg():
                        exp.skip(name, "skipped", _not_a_file(member, raw_names, meta), info)
                        continue
                    handle = archive.extractfile(member)
                    if handle is None:
                        exp.skip(name, "skipped", "no content", info)
                        continue
                    exp.stream(name, read_chunks(handle.read), metadata=info,
                               consumed=lambda: source.consumed, errors=READ_ERRORS)
                    if exp.stopped:
                        break
        except READ_ERRORS as exc:
            if not exp.children:
                raise ExtractionError(f"unreadable tar: {type(exc).__name__}: {exc}"[:300]) \
                    from None
            exp.damaged = exp.damaged or (f"archive damaged after {len(exp.children)} "
                                          f"members: {type(exc).__name__}: {exc}"[:300])
        finally:
            source.close()
        meta["members"] = exp.members
        return Extraction(exp.state, metadata=meta, children=tuple(exp.children),
                          reason=exp.reason)


def _name(name: str, raw_names: list[bytes], meta: dict[str, Any]) -> str:
    raw = name.encode("utf-8", "surrogateescape")
    try:
        return raw.decode("utf-8").replace("\x00", "\u2400")
    except UnicodeDecodeError:
        pass
    # One pass over a stream: the guess uses every legacy name seen so far.
    raw_names.append(raw)
    encoding, _ = decode_names(raw_names)
    meta["name_encoding"] = encoding
    return raw.decode(encoding, "replace").replace("\x00", "\u2400")


def _member_metadata(member: tarfile.TarInfo) -> dict[str, Any]:
    meta: dict[str, Any] = {"size": member.size}
    with suppress(OverflowError, OSError, ValueError):
        meta["archive_mtime"] = datetime.fromtimestamp(float(member.mtime), UTC).isoformat()
    return meta


def _not_a_file(member: tarfile.TarInfo, raw_names: list[bytes], meta: dict[str, Any]) -> str:
    target = _name(member.linkname, raw_names, meta) if member.linkname else ""
    if member.issym():
        return f"symbolic link to {target!r}"[:300]
    if member.islnk():
        return f"hard link to {target!r}"[:300]
    if member.ischr() or member.isblk():
        return "device entry"
    if member.isfifo():
        return "fifo entry"
    return "not a regular file"


__all__ = ["TarExtractor", "looks_like_tar"]
