"""Typed, frozen records that extractors receive and return."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from trove.extract.identify import FileType

State = Literal["pending", "extracted", "partial", "encrypted", "failed", "unsupported",
                "skipped"]
# The states a file can end in; "pending" only exists while a run is under way.
STATES: tuple[str, ...] = ("extracted", "partial", "encrypted", "failed", "unsupported",
                           "skipped")


@dataclass(frozen=True)
class Limits:
    """Limits against hostile input, applied by extractors that expand content."""

    max_file_size: int = 8 * 1024**3
    max_archive_total: int = 16 * 1024**3
    max_archive_ratio: float = 200.0
    max_archive_members: int = 200_000
    max_depth: int = 16


@dataclass(frozen=True)
class OcrOptions:
    enabled: bool = True
    languages: tuple[str, ...] = ("chi_sim", "chi_tra", "uig", "eng")
    dpi: int = 200
    max_pages: int = 2000


@dataclass(frozen=True)
class Context:
    """What an extractor may use besides the file itself.

    `workdir` is a scratch directory owned by this one extraction. Children are written
    there under names from `new_child_path()`; member names from inside a file are data
    and are never used to build a path.
    """

    workdir: Path
    name: str = ""  # the file's name where it was found: a hint, never trusted
    limits: Limits = field(default_factory=Limits)
    ocr: OcrOptions = field(default_factory=OcrOptions)
    passwords: tuple[str, ...] = ()
    filetype: FileType | None = None  # set by the dispatcher before an extractor runs
    _counter: itertools.count[int] = field(default_factory=itertools.count, repr=False,
                                            compare=False)

    def new_child_path(self, suffix: str = "") -> Path:
        """A fresh path in the scratch directory for one child's content."""
        safe_suffix = suffix if suffix.isascii() and suffix.replace(".", "").isalnum() else ""
        return self.workdir / f"child-{next(self._counter):07d}{safe_suffix[:12]}"


@dataclass(frozen=True)
class Page:
    """One page of a paged document (PDF, multi-page TIFF, slide)."""

    number: int  # 1-based
    text: str
    ocr: bool = False  # the text came from OCR of the page image
    ocr_engine: str | None = None
    confidence: float | None = None
    error: str | None = None  # why this page has no text, if it failed


@dataclass(frozen=True)
class Child:
    """A file found inside another: an archive member, an attachment, a message in a mailbox.

    `path` holds the content (in the context's scratch directory). A member that could not
    be materialised (a limit, an encrypted member, a broken entry) has no path and carries
    its own `state` and `reason` instead.
    """

    name: str  # the member path or attachment name inside the parent: data only
    path: Path | None
    state: State | None = None
    reason: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Extraction:
    """What an extractor learnt from one file.

    When `pages` is given and `text` is empty, the document's text is its pages' text
    joined by form feeds. Metadata keys follow the conventions in `trove.extract.base`.
    """

    state: State
    text: str = ""
    pages: tuple[Page, ...] = ()
    metadata: Mapping[str, Any] = field(default_factory=dict)
    children: tuple[Child, ...] = ()
    reason: str | None = None

    def full_text(self) -> str:
        if self.text or not self.pages:
            return self.text
        return "\n\f".join(page.text for page in self.pages)
