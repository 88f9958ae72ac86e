"""Expanding archive members into child files, under the limits against hostile input.

Every archive extractor streams each member through one `Expansion`, which writes the
member in chunks to a fresh child path and stops the moment a limit is passed. Sizes
declared in headers are never trusted: what counts is what actually comes out.

    members   more than `max_archive_members` entries: stop reading, archive "partial"
    total     more than `max_archive_total` bytes out: skip the member, stop, "partial"
    ratio     a member (or, for a solid stream, the archive so far) expanding more than
              `max_archive_ratio` times its packed size, once past RATIO_FLOOR bytes:
              skip the member; a solid stream also stops, since skipping a member there
              means decompressing it all anyway

Runs of zeros are written as holes (sparse files), so a bomb of zeros costs neither
memory nor disk while it is being measured.

Member names stored as bytes in an unknown legacy encoding (old zip tools, RAR 4, tar
made on a Chinese Windows) are decoded by `decode_names`, chosen once per archive.
No library makes that choice for a handful of short names, so it is written here.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from trove.extract.records import Child, Context, State

CHUNK = 1 << 20
RATIO_FLOOR = 1 << 20
_ZEROS = bytes(CHUNK)


class Expansion:
    """The budget of one archive and the children read from it so far."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.limits = ctx.limits
        self.members = 0
        self.total = 0
        self.children: list[Child] = []
        self.stopped: str | None = None  # why reading stopped early
        self.damaged: str | None = None  # a member was truncated or corrupt

    @property
    def state(self) -> State:
        return "partial" if self.stopped or self.damaged else "extracted"

    @property
    def reason(self) -> str | None:
        return self.stopped or self.damaged

    def admit(self) -> bool:
        """Count one more member; False (and reading stops) past the member limit."""
        if self.stopped:
            return False
        if self.members >= self.limits.max_archive_members:
            self.stopped = (f"limit: more than {self.limits.max_archive_members} members "
                            "(TROVE_MAX_ARCHIVE_MEMBERS); the rest were not read")
            return False
        self.members += 1
        return True

    def skip(self, name: str, state: State, reason: str,
             metadata: Mapping[str, Any] | None = None) -> Child:
        """Record a member that is not materialised (a link, an encrypted member...)."""
        child = Child(name=name, path=None, state=state, reason=reason,
                      metadata=dict(metadata or {}))
        self.children.append(child)
        return child

    def stream(self, name: str, chunks: Iterable[bytes], *,
               metadata: Mapping[str, Any] | None = None,
               packed: int | None = None,
               consumed: Callable[[], int] | None = None,
               errors: tuple[type[BaseException], ...] = (),
               suffix: str = "") -> Child:
        """Write a member's content to a new child file, enforcing the limits as it flows.

        `packed` is the member's own compressed size (random-access archives);
        `consumed` reports the compressed bytes read so far from the whole archive
        (solid streams). An exception in `errors` while reading keeps what was read
        and marks the member (and the archive) partial.
        """
        meta = dict(metadata or {})
        path = self.ctx.new_child_path(suffix)
        written = 0
        start_total = self.total
        failure: str | None = None
        try:
            with path.open("wb") as out:
                try:
                    for chunk in chunks:
                        failure = self._check(written + len(chunk), start_total, packed,
                                              consumed)
                        if failure:
                            break
                        _write(out, chunk)
                        written += len(chunk)
                except errors as exc:
                    if written == 0:
                        path.unlink(missing_ok=True)
                        self.damaged = self.damaged or f"damaged member: {_describe(exc)}"
                        return self.skip(name, "failed", f"unreadable: {_describe(exc)}", meta)
                    self.total = start_total + written
                    self.damaged = self.damaged or f"damaged member: {_describe(exc)}"
                    out.truncate(written)
                    child = Child(name=name, path=path, state="partial",
                                  reason=f"truncated or corrupt: {_describe(exc)}",
                                  metadata=meta)
                    self.children.append(child)
                    return child
                out.truncate(written)  # a trailing hole needs the length set explicitly
        except OSError:
            path.unlink(missing_ok=True)
            raise
        if failure:
            path.unlink(missing_ok=True)
            return self.skip(name, "skipped", failure, meta)
        self.total = start_total + written
        child = Child(name=name, path=path, metadata=meta)
        self.children.append(child)
        return child

    def _check(self, written: int, start_total: int, packed: int | None,
               consumed: Callable[[], int] | None) -> str | None:
        limits = self.limits
        if start_total + written > limits.max_archive_total:
            self.stopped = (f"limit: archive expands past {limits.max_archive_total} bytes "
                            "(TROVE_MAX_ARCHIVE_TOTAL); the rest were not read")
            return f"limit: archive total over {limits.max_archive_total} bytes " \
                   "(TROVE_MAX_ARCHIVE_TOTAL)"
        if written <= RATIO_FLOOR:
            return None
        if packed is not None and written > limits.max_archive_ratio * max(packed, 1):
            return (f"limit: expands more than {limits.max_archive_ratio:g} times its "
                    f"{packed} packed bytes (TROVE_MAX_ARCHIVE_RATIO)")
        if consumed is not None:
            out = start_total + written
            into = max(consumed(), 1)
            if out > limits.max_archive_ratio * into:
                self.stopped = (f"limit: archive expands more than "
                                f"{limits.max_archive_ratio:g} times "
                                "(TROVE_MAX_ARCHIVE_RATIO); the rest were not read")
                return (f"limit: expansion ratio over {limits.max_archive_ratio:g} "
                        "(TROVE_MAX_ARCHIVE_RATIO)")
        return None


def _write(out: Any, chunk: bytes) -> None:
    # A chunk of zeros becomes a hole: bombs are mostly zeros, and so are disk images.
    if len(chunk) >= 4096 and chunk == _ZEROS[:len(chunk)]:
        out.seek(len(chunk), os.SEEK_CUR)
    else:
        out.write(chunk)


def _describe(exc: BaseException) -> str:
    message = getattr(exc, "msg", None)  # libarchive's ArchiveError: without the pointer
    if isinstance(message, bytes):
        message = message.decode("utf-8", "replace")
    text = str(message or exc).strip()
    return f"{type(exc).__name__}: {text}"[:200] if text else type(exc).__name__


def read_chunks(read: Callable[[int], bytes]) -> Iterable[bytes]:
    """Chunks from a file-like `read` until it returns nothing."""
    while True:
        chunk = read(CHUNK)
        if not chunk:
            return
        yield chunk


def remove_children(children: Iterable[Child]) -> None:
    """Delete the files of children that will not be returned (an archive given up)."""
    for child in children:
        if child.path is not None:
            Path(child.path).unlink(missing_ok=True)


# ---------------------------------------------------------------------------------------
# Member names in legacy encodings

# Tried in this order; ties go to the earlier one. GB18030 first among the CJK ones:
# the caches Trove is built for are mostly from mainland China (GBK/GB2312 names).
LEGACY_ENCODINGS = ("gb18030", "big5", "shift_jis", "cp437")


def decode_names(raw: Sequence[bytes]) -> tuple[str, list[str]]:
    """Choose one encoding for all the byte-string names of an archive and decode them.

    UTF-8 wins whenever every name is valid UTF-8 (legacy CJK bytes almost never are).
    Otherwise each candidate is scored by how common the characters it yields are in
    text of its own script; decoding garbage (a GBK name read as Big5, say) yields rare
    characters, half-width katakana or decoding errors, and loses.
    """
    if all(_valid(name, "utf-8") for name in raw):
        return "utf-8", [name.decode("utf-8") for name in raw]
    best, best_score = "cp437", -1.0
    for encoding in LEGACY_ENCODINGS:
        score = _score(raw, encoding)
        if score > best_score:
            best, best_score = encoding, score
    return best, [name.decode(best, "replace") for name in raw]


def decode_name(name: bytes, encoding: str) -> str:
    return name.decode(encoding, "replace")


def _valid(name: bytes, encoding: str) -> bool:
    try:
        name.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def _score(raw: Sequence[bytes], encoding: str) -> float:
    """Mean commonness of the non-ASCII characters, with a penalty per undecodable name."""
    total = 0.0
    count = 0
    failures = 0
    for name in raw:
        if name.isascii():
            continue
        try:
            text = name.decode(encoding)
        except UnicodeDecodeError:
            failures += 1
            continue
        for i, char in enumerate(text):
            if char.isascii():
                continue
            total += _commonness(char, encoding, text[i - 1:i] + text[i + 1:i + 2])
            count += 1
    candidates = sum(1 for name in raw if not name.isascii())
    if not candidates:
        return 0.0
    mean = total / count if count else 0.0
    return mean * (1 - failures / candidates) - 0.5 * failures / candidates


def _commonness(char: str, encoding: str, neighbours: str) -> float:
    """How likely `char` is in ordinary text written in `encoding`'s script: 0 to 1."""
    code = ord(char)
    if encoding == "gb18030":
        try:
            pair = char.encode("gb2312")
        except UnicodeEncodeError:
            return 0.05  # GBK extension or beyond: rare in real names
        lead = pair[0]
        if 0xB0 <= lead <= 0xD7:
            return 1.0  # GB2312 level 1: the 3,755 most frequent hanzi
        if 0xA1 <= lead <= 0xA3:
            return 0.8  # CJK punctuation and full-width forms
        return 0.3  # level 2 hanzi and other symbols
    if encoding == "big5":
        try:
            pair = char.encode("big5")
        except UnicodeEncodeError:
            return 0.0
        value = pair[0] << 8 | pair[1]
        if 0xA440 <= value <= 0xC67E:
            # Big5 level 1 (the common characters); slightly behind GB2312 level 1,
            # because mainland caches outnumber Taiwanese ones in Trove's work.
            return 0.9 if _traditional_only(char) else 0.75
        if 0xA140 <= value <= 0xA3BF:
            return 0.6
        return 0.2
    if encoding == "shift_jis":
        if 0x3041 <= code <= 0x30FF:
            return 1.0  # hiragana and katakana: the mark of Japanese
        if 0xFF61 <= code <= 0xFF9F:
            return 0.1  # half-width katakana: what GBK bytes turn into
        try:
            pair = char.encode("shift_jis")
        except UnicodeEncodeError:
            return 0.0
        value = pair[0] << 8 | pair[1] if len(pair) == 2 else 0
        if 0x889F <= value <= 0x9872:
            return 0.6  # JIS level 1 kanji
        if 0x8140 <= value <= 0x84FF:
            return 0.3  # symbols
        return 0.15
    # cp437 never fails, so it is the fallback: accented Latin letters are plausible,
    # above all inside a Latin word ("Müller"); box drawing and Greek are what CJK bytes
    # look like through it.
    if char.isalpha() and code < 0x250:
        inside_word = (len(neighbours) == 2 and neighbours.isascii() and neighbours.isalpha()
                       and neighbours[1].islower())
        return 0.9 if inside_word else 0.35
    return 0.02


def _traditional_only(char: str) -> bool:
    """A character Big5 has and GB2312 lacks: typical of traditional text."""
    try:
        char.encode("gb2312")
    except UnicodeEncodeError:
        return True
    return False


class CountingFile:
    """A compressed file, counting the bytes a decompressor has read from it (for ratios)."""

    def __init__(self, path: Path) -> None:
        self._file = path.open("rb")
        self.consumed = 0

    def read(self, size: int = -1) -> bytes:
        data = self._file.read(size)
        self.consumed += len(data)
        return data

    def readinto(self, buffer: Any) -> int:
        count = self._file.readinto(buffer)
        self.consumed += count
        return count

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def close(self) -> None:
        self._file.close()

    @property
    def closed(self) -> bool:
        return self._file.closed
