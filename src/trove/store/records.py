"""Records that cross the metadata-store interface."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# Joins the levels of a provenance path: `mail.mbox!/message-000003.eml!/a.zip!/x.pdf`.
PATH_SEPARATOR = "!/"


@dataclass(frozen=True)
class Collection:
    id: int
    name: str
    created: str


@dataclass(frozen=True)
class RootFile:
    """A file found on disk by an ingest run."""

    path: str
    sha256: str | None
    size: int | None
    mtime_ns: int | None
    state: str | None = None  # only for files that could not be read at all
    reason: str | None = None


@dataclass(frozen=True)
class PageRecord:
    number: int
    start: int
    end: int
    ocr: bool = False
    ocr_engine: str | None = None
    confidence: float | None = None
    error: str | None = None


@dataclass(frozen=True)
class MemberRecord:
    """One child of a container: archive member, attachment, message of a mailbox."""

    position: int
    name: str
    sha256: str | None
    size: int | None
    state: str | None = None  # set when the member could not be materialised
    reason: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DocumentResult:
    """Everything an extraction produced for one blob, written in one transaction."""

    sha256: str
    size: int
    mime: str
    extractor: str
    state: str
    reason: str | None
    text: str
    pages: tuple[PageRecord, ...]
    metadata: Mapping[str, Any]
    language: Mapping[str, Any]
    duration: float
    members: tuple[MemberRecord, ...] = ()
    index: Any = None  # the analysed search-index entry (trove.search.index.IndexDoc)


@dataclass(frozen=True)
class Document:
    sha256: str
    size: int | None
    mime: str | None
    extractor: str | None
    state: str
    reason: str | None
    metadata: Mapping[str, Any]
    language: Mapping[str, Any]
    name: str | None
    depth: int
    duration: float | None


@dataclass(frozen=True)
class Occurrence:
    """One place a document was found: the chain of names from a file on disk down."""

    collection: str
    chain: tuple[str, ...]  # top-level path first, then member names
    parents: tuple[str, ...]  # SHA-256 of each container in the chain, outermost first

    @property
    def path(self) -> str:
        return PATH_SEPARATOR.join(self.chain)


@dataclass(frozen=True)
class FileState:
    """A file of a collection (on disk or inside a container) and its final state."""

    path: str
    sha256: str | None
    state: str
    reason: str | None


@dataclass(frozen=True)
class PendingDocument:
    sha256: str
    name: str
    depth: int
