"""Finding the files of a cache on disk."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class FoundFile:
    path: str  # absolute, as found (symbolic links are not resolved)
    size: int | None
    mtime_ns: int | None
    problem: str | None = None  # why the file cannot be read, if it cannot
    state: str = "failed"  # the state recorded for a problem file


def walk(paths: list[Path]) -> Iterator[FoundFile]:
    """Every file under the given paths, in a stable order. Links are not followed."""
    for given in paths:
        top = Path(os.path.abspath(given))
        try:
            info = top.lstat()
        except OSError as exc:
            yield FoundFile(str(top), None, None, f"cannot read: {exc.strerror or exc}")
            continue
        if stat.S_ISDIR(info.st_mode):
            yield from _walk_dir(top)
        else:
            yield _found(top, info)


def _found(path: Path, info: os.stat_result) -> FoundFile:
    if stat.S_ISLNK(info.st_mode):
        target = os.readlink(path)
        return FoundFile(str(path), None, None, f"symbolic link to {target} (not followed)",
                         "skipped")
    if not stat.S_ISREG(info.st_mode):
        return FoundFile(str(path), None, None, "not a regular file (device, socket or pipe)",
                         "skipped")
    if not os.access(path, os.R_OK):
        return FoundFile(str(path), info.st_size, info.st_mtime_ns, "permission denied")
    return FoundFile(str(path), info.st_size, info.st_mtime_ns)


def _walk_dir(top: Path) -> Iterator[FoundFile]:
    try:
        entries = sorted(os.scandir(top), key=lambda e: e.name)
    except OSError as exc:
        yield FoundFile(str(top), None, None, f"cannot list folder: {exc.strerror or exc}")
        return
    for entry in entries:
        path = Path(entry.path)
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError as exc:
            yield FoundFile(str(path), None, None, f"cannot read: {exc.strerror or exc}")
            continue
        if stat.S_ISDIR(info.st_mode):
            yield from _walk_dir(path)
        else:
            yield _found(path, info)


def count(paths: list[Path]) -> tuple[int, int]:
    """How many files and bytes `walk` will yield (for the progress bar)."""
    files = size = 0
    for found in walk(paths):
        files += 1
        size += found.size or 0
    return files, size
