"""ZIP archives, with the stdlib's zipfile; libarchive for what zipfile cannot do.

Member names: the UTF-8 flag, else the Info-ZIP Unicode Path extra field (0x7075), else
the raw bytes (which zipfile decoded as CP437) decoded with one encoding chosen for the
whole archive by `trove.extract.expansion.decode_names` (GBK names are the common case
in Chinese caches). Names are data only; a NUL in a name is shown as U+2400.

Encrypted members: ZipCrypto is tried with each of `ctx.passwords` through zipfile;
WinZip AES, and methods zipfile lacks, go through libarchive when passwords are given.
A zip without a readable central directory (truncated, damaged) is read by libarchive
from its local headers, as far as it goes.
"""

from __future__ import annotations

import lzma
import struct
import zipfile
import zlib
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, ClassVar

from trove.errors import ExtractionError
from trove.extract.base import Extractor
from trove.extract.expansion import Expansion, decode_names, read_chunks
from trove.extract.formats.libarchive_formats import read_archive
from trove.extract.identify import FileType
from trove.extract.records import Context, Extraction

UTF8_FLAG = 0x800
ENCRYPTED_FLAG = 0x1
AES_METHOD = 99
UNICODE_PATH = 0x7075
EXTENDED_TIME = 0x5455
READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, lzma.LZMAError, OSError,
               ValueError)


class ZipExtractor(Extractor):
    name = "zip"
    mime_types: ClassVar[frozenset[str]] = frozenset({
        "application/zip", "application/x-zip-compressed", "application/x-zip",
        "multipart/x-zip",
    })
    extensions: ClassVar[frozenset[str]] = frozenset({".zip"})
    score = 10

    @classmethod
    def match(cls, filetype: FileType) -> int:
        # No magic bid: OOXML, ODF and EPUB start with the same bytes and have their own
        # extractors. A damaged zip that libmagic calls octet-stream is still a zip.
        bid = super().match(filetype)
        if not bid and filetype.generic and filetype.head.startswith(b"PK\x03\x04"):
            return cls.score // 2
        return bid

    def extract(self, path: Path, ctx: Context) -> Extraction:
        try:
            archive = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, struct.error) as exc:
            return _from_local_headers(path, ctx, exc)
        with archive:
            return _read(archive, path, ctx)


def _from_local_headers(path: Path, ctx: Context, exc: BaseException) -> Extraction:
    try:
        result = read_archive(path, ctx, format_name="zip", streaming=True)
    except ExtractionError:
        raise ExtractionError(f"not a readable zip: {exc}") from None
    reason = f"no central directory ({exc}); read from local headers"
    if result.reason:
        reason = f"{reason}; {result.reason}"
    state = result.state if result.state == "encrypted" else "partial"
    return Extraction(state, metadata=result.metadata, children=result.children,
                      reason=reason)


def _read(archive: zipfile.ZipFile, path: Path, ctx: Context) -> Extraction:
    infos = [info for info in archive.infolist() if not info.is_dir()]
    names = _member_names(infos)
    exp = Expansion(ctx)
    meta: dict[str, Any] = {"members": len(infos)}
    if archive.comment:
        meta["comment"] = _text(archive.comment)
    if names.encoding:
        meta["name_encoding"] = names.encoding
    encrypted = decrypted = 0
    needs_libarchive = False
    for info in infos:
        if not exp.admit():
            break
        name = names.of(info)
        info_meta = _member_metadata(info)
        is_encrypted = bool(info.flag_bits & ENCRYPTED_FLAG)
        if is_encrypted and info.compress_type == AES_METHOD and ctx.passwords:
            needs_libarchive = True  # read all members again below, through libarchive
            break
        if is_encrypted and (not ctx.passwords or info.compress_type == AES_METHOD):
            encrypted += 1
            exp.skip(name, "encrypted", "encrypted and no password was supplied"
                     if not ctx.passwords else "encrypted (AES); no password opens it",
                     info_meta)
            continue
        handle, problem = _open(archive, info, ctx.passwords if is_encrypted else ())
        if handle is None:
            if problem == "password":
                encrypted += 1
                exp.skip(name, "encrypted", "encrypted; no supplied password opens it",
                         info_meta)
            elif problem.startswith("unsupported"):
                exp.skip(name, "unsupported", problem, info_meta)
            else:
                exp.damaged = exp.damaged or f"damaged member: {problem}"
                exp.skip(name, "failed", problem, info_meta)
            continue
        with handle:
            child = exp.stream(name, read_chunks(handle.read), metadata=info_meta,
                               packed=info.compress_size, errors=READ_ERRORS)
        if is_encrypted and child.path is not None:
            decrypted += 1
        if exp.stopped:
            break
    if needs_libarchive and ctx.passwords:
        return _through_libarchive(path, ctx, exp, meta)
    readable = sum(1 for child in exp.children if child.path is not None)
    if encrypted and not readable:
        return Extraction("encrypted", metadata={**meta, "encrypted": True},
                          children=tuple(exp.children),
                          reason="every member is encrypted and no supplied password "
                                 "opens them")
    if encrypted:
        meta["encrypted"] = True
    return Extraction(exp.state, metadata=meta, children=tuple(exp.children),
                      reason=exp.reason)


def _through_libarchive(path: Path, ctx: Context, exp: Expansion,
                        meta: dict[str, Any]) -> Extraction:
    """WinZip AES with passwords: zipfile cannot decrypt it, libarchive can."""
    for child in exp.children:
        if child.path is not None:
            child.path.unlink(missing_ok=True)
    result = read_archive(path, ctx, format_name="zip")
    return Extraction(result.state, metadata={**result.metadata, **meta, "encrypted": True},
                      children=result.children, reason=result.reason)


def _open(archive: zipfile.ZipFile, info: zipfile.ZipInfo,
          passwords: tuple[str, ...]) -> tuple[IO[bytes] | None, str]:
    """An open member, or None and why not ("password", "unsupported: ...", or damage)."""
    candidates: tuple[bytes | None, ...] = tuple(
        p.encode("utf-8") for p in passwords) or (None,)
    if passwords:
        # Old Windows tools encoded passwords in the OEM code page; GBK is common here.
        extra = tuple(p.encode("gb18030") for p in passwords if not p.isascii())
        candidates = tuple(dict.fromkeys((*candidates, *extra)))
    for password in candidates:
        try:
            return archive.open(info, pwd=password), ""
        except RuntimeError:
            continue  # bad password (zipfile's check byte); try the next one
        except NotImplementedError as exc:
            return None, f"unsupported: {exc} (method {info.compress_type})"
        except (*READ_ERRORS, struct.error) as exc:
            return None, f"unreadable: {type(exc).__name__}: {exc}"[:200]
    return None, "password"


class _Names:
    """Member names, decoded consistently for the whole archive."""

    def __init__(self, by_info: dict[int, str], encoding: str | None) -> None:
        self._by_info = by_info
        self.encoding = encoding

    def of(self, info: zipfile.ZipInfo) -> str:
        return self._by_info[id(info)]


def _member_names(infos: list[zipfile.ZipInfo]) -> _Names:
    by_info: dict[int, str] = {}
    legacy: list[zipfile.ZipInfo] = []
    for info in infos:
        original: str = getattr(info, "orig_filename", info.filename)
        if info.flag_bits & UTF8_FLAG:
            by_info[id(info)] = original
            continue
        raw = original.encode("cp437")  # zipfile decoded the raw bytes as CP437
        unicode_path = _unicode_path(info.extra, raw)
        if unicode_path is not None:
            by_info[id(info)] = unicode_path
        elif raw.isascii():
            by_info[id(info)] = original
        else:
            legacy.append(info)
    encoding: str | None = None
    if legacy:
        raws = [getattr(i, "orig_filename", i.filename).encode("cp437") for i in legacy]
        encoding, decoded = decode_names(raws)
        for info, name in zip(legacy, decoded, strict=True):
            by_info[id(info)] = name
    return _Names({key: name.replace("\x00", "\u2400") for key, name in by_info.items()},
                  encoding)


def _extra_fields(extra: bytes) -> dict[int, bytes]:
    fields: dict[int, bytes] = {}
    offset = 0
    while offset + 4 <= len(extra):
        tag, size = struct.unpack_from("<HH", extra, offset)
        fields.setdefault(tag, extra[offset + 4:offset + 4 + size])
        offset += 4 + size
    return fields


def _unicode_path(extra: bytes, raw: bytes) -> str | None:
    """The Info-ZIP Unicode Path, if present and written for this very name (CRC)."""
    data = _extra_fields(extra).get(UNICODE_PATH)
    if not data or len(data) < 5 or data[0] != 1:
        return None
    (crc,) = struct.unpack_from("<I", data, 1)
    if crc != zlib.crc32(raw):
        return None  # the name was changed by a tool that did not update the field
    try:
        return data[5:].decode("utf-8")
    except UnicodeDecodeError:
        return None


def _member_metadata(info: zipfile.ZipInfo) -> dict[str, Any]:
    meta: dict[str, Any] = {"size": info.file_size, "compressed_size": info.compress_size}
    mtime = _extended_mtime(info.extra)
    if mtime is not None:
        meta["archive_mtime"] = mtime
    else:
        with suppress(ValueError):  # DOS time: the zip maker's local time, no zone
            meta["archive_mtime"] = datetime(*info.date_time).isoformat()
    if info.comment:
        meta["comment"] = _text(info.comment)
    if info.flag_bits & ENCRYPTED_FLAG:
        meta["encrypted"] = True
    return meta


def _extended_mtime(extra: bytes) -> str | None:
    data = _extra_fields(extra).get(EXTENDED_TIME)
    if not data or len(data) < 5 or not data[0] & 1:
        return None
    (seconds,) = struct.unpack_from("<i", data, 1)
    try:
        return datetime.fromtimestamp(seconds, UTC).isoformat()
    except (OverflowError, OSError, ValueError):
        return None


def _text(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")[:2000]
    except UnicodeDecodeError:
        return decode_names([raw])[1][0][:2000]
