"""7z, RAR 4/5, ISO 9660, cpio, CAB, ar, XAR, LHA, RPM... through libarchive.

libarchive-c (CC0) drives Debian's libarchive13 through ctypes. Entries are read in
order and streamed into children by `trove.extract.expansion`; for solid formats the
expansion ratio is measured over the whole stream (compressed bytes read so far).
`ctx.passwords` are all handed to libarchive, which tries each one; it decrypts only ZIP
(ZipCrypto and WinZip AES). Encrypted 7-Zip and RAR members are recorded as encrypted.

Also used by the zip extractor, as a fallback for damaged zips, read from local headers.
"""

from __future__ import annotations

import ctypes
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import libarchive.ffi as ffi
from libarchive.entry import ArchiveEntry
from libarchive.exception import ArchiveError
from libarchive.read import ArchiveRead, new_archive_read

from trove.errors import EncryptedError, ExtractionError, UnsupportedFormat
from trove.extract.base import Extractor
from trove.extract.expansion import Expansion, decode_names
from trove.extract.records import Child, Context, Extraction

# libarchive-c logs every ARCHIVE_WARN at warning level; those are about the document
# (e.g. a name it cannot convert), recorded on it otherwise, not operational warnings.
logging.getLogger("libarchive").setLevel(logging.ERROR)

SPLIT_VOLUME = re.compile(r"\.(7z|zip|rar|tar|gz|xz)\.\d{3}$|\.part\d+\.rar$|\.z\d\d$|\.r\d\d$",
                          re.IGNORECASE)
_ENCRYPTION_WORDS = ("passphrase", "encrypt", "password", "decryption")

_lib = ffi.libarchive
_lib.archive_entry_pathname_utf8.argtypes = [ctypes.c_void_p]
_lib.archive_entry_pathname_utf8.restype = ctypes.c_char_p
_lib.archive_entry_pathname.argtypes = [ctypes.c_void_p]
_lib.archive_entry_pathname.restype = ctypes.c_char_p
_lib.archive_entry_is_encrypted.argtypes = [ctypes.c_void_p]
_lib.archive_entry_is_encrypted.restype = ctypes.c_int
_lib.archive_read_has_encrypted_entries.argtypes = [ctypes.c_void_p]
_lib.archive_read_has_encrypted_entries.restype = ctypes.c_int


class _Unseekable:
    """A file that hides its seek, so libarchive reads a zip from its local headers."""

    def __init__(self, path: Path) -> None:
        self._file = path.open("rb")

    def readinto(self, buffer: Any) -> int:
        return self._file.readinto(buffer)

    def seekable(self) -> bool:
        return False

    def close(self) -> None:
        self._file.close()


@contextmanager
def open_reader(path: Path, passwords: tuple[str, ...], format_name: str = "all",
            filter_name: str = "all", streaming: bool = False) -> Iterator[ArchiveRead]:
    with new_archive_read(format_name, filter_name) as archive_p:
        for password in passwords:
            ffi.read_add_passphrase(archive_p, password.encode("utf-8"))
        if streaming:
            source = _Unseekable(path)
            buffer = ctypes.create_string_buffer(1 << 16)

            def read(_archive: Any, _context: Any, pointer: Any) -> int:
                length = source.readinto(buffer)
                ctypes.cast(pointer, ctypes.POINTER(ctypes.c_void_p))[0] = ctypes.cast(
                    buffer, ctypes.c_void_p).value
                return length

            callback = ffi.READ_CALLBACK(read)
            try:
                ffi.read_open(archive_p, None, ffi.NO_OPEN_CB, callback, ffi.NO_CLOSE_CB)
                yield ArchiveRead(archive_p)
            finally:
                source.close()
        else:
            ffi.read_open_filename_w(archive_p, str(path), 1 << 16)
            yield ArchiveRead(archive_p)


def _is_encryption_error(exc: BaseException | str) -> bool:
    return any(word in str(exc).lower() for word in _ENCRYPTION_WORDS)


def read_archive(path: Path, ctx: Context, *, format_name: str = "all",
                 streaming: bool = False) -> Extraction:
    """Read every entry libarchive finds; what was read is kept when it gives up."""
    exp = Expansion(ctx)
    raw_names: list[bytes] = []
    encrypted = 0
    meta: dict[str, Any] = {}
    try:
        with open_reader(path, ctx.passwords, format_name, streaming=streaming) as archive:
            for entry in archive:
                fmt = (archive.format_name or b"").decode("ascii", "replace")
                meta.setdefault("archive_format", fmt)
                if entry.isdir:
                    continue
                if not exp.admit():
                    break
                name, encoding = _entry_name(entry, raw_names)
                if encoding:
                    meta["name_encoding"] = encoding
                info = _entry_metadata(entry)
                if not entry.isreg:
                    exp.skip(name, "skipped", _not_a_file(entry), info)
                    continue
                if info.get("encrypted") and not ctx.passwords:
                    encrypted += 1
                    exp.skip(name, "encrypted", "encrypted and no password was supplied", info)
                    continue
                if info.get("encrypted") and not fmt.upper().startswith("ZIP"):
                    encrypted += 1
                    exp.skip(name, "encrypted", _cannot_decrypt(archive), info)
                    continue
                damaged_before = exp.damaged
                child = exp.stream(name, entry.get_blocks(1 << 20), metadata=info,
                                   consumed=lambda: max(archive.bytes_read, 1),
                                   errors=(ArchiveError,))
                if child.path is None and child.state == "failed" and (
                        info.get("encrypted") or _is_encryption_error(child.reason or "")):
                    # A wrong password, or a method libarchive cannot decrypt (RAR 5).
                    encrypted += 1
                    exp.damaged = damaged_before
                    exp.children[-1] = Child(name=name, path=None, state="encrypted",
                                             reason=_cannot_decrypt(archive), metadata=info)
                if exp.stopped:
                    break
    except ArchiveError as exc:
        if not exp.children:
            if _is_encryption_error(exc):
                raise EncryptedError(f"encrypted archive: {_message(exc)}") from None
            if SPLIT_VOLUME.search(ctx.name):
                raise UnsupportedFormat(
                    "unsupported: split archive volume; libarchive needs the other volumes"
                    f" joined to it ({_message(exc)})") from None
            raise ExtractionError(f"unreadable archive: {_message(exc)}") from None
        exp.damaged = exp.damaged or f"archive damaged after {len(exp.children)} " \
                                     f"members: {_message(exc)}"
    meta["members"] = exp.members
    readable = [c for c in exp.children if c.path is not None]
    if encrypted and not readable:
        return Extraction("encrypted", metadata=meta, children=tuple(exp.children),
                          reason="every member is encrypted and no supplied password "
                                 "opens them")
    if SPLIT_VOLUME.search(ctx.name) and exp.damaged:
        exp.damaged = f"unsupported: split archive volume, read partly; {exp.damaged}"
    return Extraction(exp.state, metadata=meta, children=tuple(exp.children),
                      reason=exp.reason)


def _message(exc: ArchiveError) -> str:
    message = getattr(exc, "msg", None)
    if isinstance(message, bytes):
        message = message.decode("utf-8", "replace")
    return str(message or "libarchive could not read it")[:200]


def _cannot_decrypt(archive: ArchiveRead) -> str:
    # libarchive decrypts ZIP (ZipCrypto, AES) only: not 7-Zip AES, not RAR.
    fmt = (archive.format_name or b"").decode("ascii", "replace")
    if not fmt.upper().startswith("ZIP"):
        return f"encrypted ({fmt}); Trove cannot decrypt this format's encryption"
    return "encrypted; no supplied password opens it"


def _entry_name(entry: ArchiveEntry, raw_names: list[bytes]) -> tuple[str, str | None]:
    """The entry's name as text, and the legacy encoding guessed if one was needed."""
    utf8 = _lib.archive_entry_pathname_utf8(entry._entry_p)
    if utf8 is not None:
        try:
            return utf8.decode("utf-8").replace("\x00", "\u2400"), None
        except UnicodeDecodeError:
            pass
    raw = _lib.archive_entry_pathname(entry._entry_p) or b""
    raw_names.append(raw)
    # Names come one at a time, so the guess uses every legacy name seen so far.
    encoding, _ = decode_names(raw_names)
    return raw.decode(encoding, "replace").replace("\x00", "\u2400"), encoding


def _entry_metadata(entry: ArchiveEntry) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    mtime = entry.mtime
    if mtime:
        with suppress(OverflowError, OSError, ValueError):
            meta["archive_mtime"] = datetime.fromtimestamp(float(mtime), UTC).isoformat()
    if ffi.entry_size_is_set(entry._entry_p):
        meta["size"] = entry.size
    if _lib.archive_entry_is_encrypted(entry._entry_p):
        meta["encrypted"] = True
    return meta


def _not_a_file(entry: ArchiveEntry) -> str:
    if entry.issym:
        return f"symbolic link to {entry.linkpath!r}"[:300]
    if entry.islnk:
        return f"hard link to {entry.linkpath!r}"[:300]
    if entry.isdev:
        return "device, fifo or socket entry"
    return "not a regular file"


class LibarchiveExtractor(Extractor):
    name = "libarchive"
    mime_types: ClassVar[frozenset[str]] = frozenset({
        "application/x-7z-compressed", "application/x-rar", "application/vnd.rar",
        "application/x-rar-compressed", "application/x-iso9660-image", "application/x-cpio",
        "application/vnd.ms-cab-compressed", "application/x-archive", "application/x-xar",
        "application/x-lha", "application/x-lharc", "application/x-lzh-compressed",
        "application/x-rpm", "application/x-debian-package", "application/x-ar",
        "application/x-alz-compressed", "application/x-compress",
    })
    extensions: ClassVar[frozenset[str]] = frozenset({
        ".7z", ".rar", ".iso", ".cpio", ".cab", ".ar", ".a", ".deb", ".xar", ".lha", ".lzh",
        ".rpm",
    })
    score = 10

    def extract(self, path: Path, ctx: Context) -> Extraction:
        return read_archive(path, ctx)


__all__ = ["LibarchiveExtractor", "open_reader", "read_archive"]
