"""Archive writers for the sample leak: zip (plain, GBK-named, encrypted, nested, bomb),
tar in three compressions, and 7z through libarchive.

Two things are written by hand because no library offers them: traditional PKWARE
encryption (ZipCrypto; Python's zipfile only decrypts it, and `zip -P` draws a random
header, which would make the output differ run to run), and a deflate stream of a
gigabyte of zeros assembled from one repeated compressed block, so the bomb costs
milliseconds and a megabyte to make instead of compressing a gigabyte.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import random
import struct
import tarfile
import tempfile
import zipfile
import zlib
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import libarchive

Member = tuple[str, bytes]


def _dos_time(when: datetime) -> tuple[int, int]:
    time = (when.hour << 11) | (when.minute << 5) | (when.second // 2)
    date = ((when.year - 1980) << 9) | (when.month << 5) | when.day
    return time, date


def write_zip(members: Sequence[Member], when: datetime) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members:
            info = zipfile.ZipInfo(name, date_time=when.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, content)
    return out.getvalue()


class LegacyNameZipInfo(zipfile.ZipInfo):
    """A member whose name is stored as raw legacy-code-page bytes, without the UTF-8 flag,
    the way Windows' built-in zip tool and WinRAR on a Chinese system write names."""

    def __init__(self, name: str, encoding: str, date_time: tuple[int, ...]) -> None:
        super().__init__(name, date_time=date_time)  # type: ignore[arg-type]
        self.raw_name = name.encode(encoding)

    def _encodeFilenameFlags(self) -> tuple[bytes, int]:
        return self.raw_name, self.flag_bits & ~0x800


def write_legacy_name_zip(members: Sequence[Member], when: datetime,
                          encoding: str = "gbk") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members:
            info = LegacyNameZipInfo(name, encoding, when.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0  # MS-DOS: readers then guess the code page
            archive.writestr(info, content)
    return out.getvalue()


# --- a minimal zip writer for members zipfile cannot write --------------------------------

class _RawZip:
    def __init__(self) -> None:
        self.body = io.BytesIO()
        self.central: list[bytes] = []

    def add(self, name: bytes, payload: bytes, *, crc: int, size: int, when: datetime,
            method: int = 8, flags: int = 0) -> None:
        time, date = _dos_time(when)
        offset = self.body.tell()
        fields = (20, flags, method, time, date, crc, len(payload), size, len(name))
        self.body.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, *fields, 0) + name)
        self.body.write(payload)
        self.central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, *fields,
                                        0, 0, 0, 0, 0o644 << 16, offset) + name)

    def finish(self) -> bytes:
        start = self.body.tell()
        directory = b"".join(self.central)
        self.body.write(directory)
        self.body.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(self.central),
                                    len(self.central), len(directory), start, 0))
        return self.body.getvalue()


def _raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


_CRC_TABLE = []
for _n in range(256):
    _c = _n
    for _ in range(8):
        _c = (_c >> 1) ^ 0xEDB88320 if _c & 1 else _c >> 1
    _CRC_TABLE.append(_c)


class _ZipCrypto:
    def __init__(self, password: bytes) -> None:
        self.keys = [0x12345678, 0x23456789, 0x34567890]
        for byte in password:
            self._update(byte)

    def _update(self, byte: int) -> None:
        k0, k1, k2 = self.keys
        k0 = _CRC_TABLE[(k0 ^ byte) & 0xFF] ^ (k0 >> 8)
        k1 = ((k1 + (k0 & 0xFF)) * 134775813 + 1) & 0xFFFFFFFF
        k2 = _CRC_TABLE[(k2 ^ (k1 >> 24)) & 0xFF] ^ (k2 >> 8)
        self.keys = [k0, k1, k2]

    def encrypt(self, data: bytes) -> bytes:
        out = bytearray()
        for byte in data:
            temp = (self.keys[2] | 2) & 0xFFFF
            out.append(byte ^ (((temp * (temp ^ 1)) >> 8) & 0xFF))
            self._update(byte)
        return bytes(out)


def write_encrypted_zip(members: Sequence[tuple[str, bytes, str | None]], when: datetime,
                        seed: int) -> bytes:
    """Members encrypted with ZipCrypto under their password; None leaves one in clear."""
    rng = random.Random(seed)
    archive = _RawZip()
    for name, content, password in members:
        crc = zlib.crc32(content)
        payload = _raw_deflate(content)
        flags = 0x800 if not name.isascii() else 0
        if password is not None:
            header = bytes(rng.randrange(256) for _ in range(11)) + bytes([crc >> 24])
            payload = _ZipCrypto(password.encode()).encrypt(header + payload)
            flags |= 1
        archive.add(name.encode(), payload, crc=crc, size=len(content), when=when,
                    flags=flags)
    return archive.finish()


def write_bomb(name: str, when: datetime, size_mib: int = 1024) -> bytes:
    """A zip whose one member inflates to `size_mib` MiB of zeros (1 GiB by default)."""
    chunk = bytes(1 << 20)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    # After a full flush the compressor forgets its history, so every further MiB of
    # zeros compresses to exactly the same bytes.
    payload = block * size_mib + compressor.flush(zlib.Z_FINISH)
    crc = 0
    for _ in range(size_mib):
        crc = zlib.crc32(chunk, crc)
    archive = _RawZip()
    archive.add(name.encode(), payload, crc=crc, size=size_mib << 20, when=when)
    return archive.finish()


# --- tar and 7z ---------------------------------------------------------------------------

def write_tar(members: Sequence[Member], when: datetime, compression: str) -> bytes:
    """A tar of `members`, compressed with "gz", "bz2" or "xz" (no timestamps inside)."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for name, content in members:
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(content), int(when.timestamp()), 0o644
            info.uid = info.gid = 1000
            info.uname = info.gname = "clerk"
            archive.addfile(info, io.BytesIO(content))
    data = raw.getvalue()
    if compression == "gz":
        return gzip.compress(data, compresslevel=6, mtime=0)
    if compression == "bz2":
        return bz2.compress(data)
    return lzma.compress(data, format=lzma.FORMAT_XZ)


def write_7z(members: Sequence[Member], when: datetime) -> bytes:
    with tempfile.TemporaryDirectory(prefix="trove-7z-") as tmp:
        target = Path(tmp) / "out.7z"
        with libarchive.file_writer(str(target), "7zip") as archive:
            for name, content in members:
                archive.add_file_from_memory(name, len(content), content,
                                             mtime=int(when.timestamp()), permission=0o644)
        return target.read_bytes()
