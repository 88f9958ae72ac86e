"""The evidence store: originals kept byte for byte, content-addressed by SHA-256.

A blob is written once, however often it occurs, and never modified: it is written to a
temporary file beside its final place, hashed on the way, and renamed into place
atomically, then made read-only. A crash leaves at most a stray temporary file, which the
next write of the same content replaces. Layout: `<root>/ab/cd/abcd…` (full SHA-256).
"""

from __future__ import annotations

import abc
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from trove.errors import NotFound, StoreError

CHUNK = 1024 * 1024


def sha256_file(path: Path) -> tuple[str, int]:
    """SHA-256 and size of a file, read in chunks."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


class EvidenceStore(abc.ABC):
    """Where originals live. Implementations: a local directory (here), a shared one."""

    @abc.abstractmethod
    def put_file(self, path: Path, *, move: bool = False) -> tuple[str, int]:
        """Store the file's content; return (sha256, size). `move` allows consuming it."""

    @abc.abstractmethod
    def exists(self, sha256: str) -> bool: ...

    @abc.abstractmethod
    def open(self, sha256: str) -> BinaryIO: ...

    @abc.abstractmethod
    def local_path(self, sha256: str) -> Path:
        """A path that extractors can read (a local implementation returns the blob)."""

    @abc.abstractmethod
    def iter_blobs(self) -> Iterator[str]: ...


class LocalEvidenceStore(EvidenceStore):
    """Blobs in a directory on the local file system."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            (self.root / "tmp").mkdir(exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the evidence store at {self.root}: {exc}") from exc

    def _blob_path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise NotFound(f"not a SHA-256: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def _place(self, tmp: Path, sha256: str) -> None:
        final = self._blob_path(sha256)
        if final.exists():
            tmp.unlink(missing_ok=True)
            return
        final.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(tmp, 0o444)
        os.replace(tmp, final)

    def put_file(self, path: Path, *, move: bool = False) -> tuple[str, int]:
        if move:
            sha256, size = sha256_file(path)
            if self.exists(sha256):
                path.unlink(missing_ok=True)
                return sha256, size
            fd, tmp_name = tempfile.mkstemp(dir=self.root / "tmp")
            os.close(fd)
            try:
                shutil.move(str(path), tmp_name)
            except OSError:
                Path(tmp_name).unlink(missing_ok=True)
                raise
            self._place(Path(tmp_name), sha256)
            return sha256, size
        with path.open("rb") as source:
            return self.put_stream(source)

    def put_stream(self, source: BinaryIO) -> tuple[str, int]:
        digest = hashlib.sha256()
        size = 0
        fd, tmp_name = tempfile.mkstemp(dir=self.root / "tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := source.read(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
            sha256 = digest.hexdigest()
            self._place(Path(tmp_name), sha256)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        return sha256, size

    def exists(self, sha256: str) -> bool:
        return self._blob_path(sha256).is_file()

    def open(self, sha256: str) -> BinaryIO:
        try:
            return self._blob_path(sha256).open("rb")
        except FileNotFoundError:
            raise NotFound(f"no original stored for {sha256}") from None

    def local_path(self, sha256: str) -> Path:
        path = self._blob_path(sha256)
        if not path.is_file():
            raise NotFound(f"no original stored for {sha256}")
        return path

    def iter_blobs(self) -> Iterator[str]:
        for first in sorted(self.root.iterdir()):
            if len(first.name) != 2 or not first.is_dir():
                continue
            for second in sorted(first.iterdir()):
                for blob in sorted(second.iterdir()):
                    if len(blob.name) == 64:
                        yield blob.name
