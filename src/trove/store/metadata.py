"""The metadata-store interface: what is known about every file, and where it was found.

Model. A *document* is a blob's content, keyed by SHA-256, extracted once however often
it occurs. A *root* is a file found on disk by an ingest run into a *collection*. A
*member* is an edge from a container document to a child (an archive member, an
attachment, a message of a mailbox), with the member's name; a member that could not be
materialised carries its own state instead of a child. A collection's files are its roots
and, recursively, their members: the provenance of every file is the chain of names from a
root down.

Implementations: SQLite (`trove.store.sqlite`); a server backend implements the same
abstract methods and passes the same tests.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable, Iterator
from typing import Any

from trove.config import Settings
from trove.store.records import (
    Collection,
    Document,
    DocumentResult,
    FileState,
    MemberRecord,
    Occurrence,
    PageRecord,
    PendingDocument,
    RootFile,
)


class MetadataStore(abc.ABC):
    # Collections
    @abc.abstractmethod
    def ensure_collection(self, name: str) -> Collection: ...

    @abc.abstractmethod
    def get_collection(self, name: str) -> Collection: ...

    @abc.abstractmethod
    def list_collections(self) -> list[Collection]: ...

    # Ingest bookkeeping
    @abc.abstractmethod
    def get_root(self, collection: Collection, path: str) -> RootFile | None: ...

    @abc.abstractmethod
    def record_root(self, collection: Collection, root: RootFile, depth: int = 0) -> bool:
        """Record a file found on disk; True when its document still needs extraction."""

    @abc.abstractmethod
    def record_result(self, collection: Collection, result: DocumentResult, depth: int) -> None:
        """Write one extraction and its members atomically, queueing new children."""

    @abc.abstractmethod
    def pending(self, collection: Collection, limit: int,
                exclude: Iterable[str] = ()) -> list[PendingDocument]: ...

    @abc.abstractmethod
    def requeue(self, collection: Collection, states: Iterable[str]) -> int:
        """Mark the collection's documents in `states` pending again; returns how many."""

    # Reading
    @abc.abstractmethod
    def file_states(self, collection: Collection) -> Iterator[FileState]: ...

    @abc.abstractmethod
    def resolve(self, sha_or_prefix: str) -> str: ...

    @abc.abstractmethod
    def get_document(self, sha256: str) -> Document: ...

    @abc.abstractmethod
    def get_text(self, sha256: str) -> str: ...

    @abc.abstractmethod
    def get_pages(self, sha256: str) -> list[PageRecord]: ...

    @abc.abstractmethod
    def get_members(self, sha256: str) -> list[MemberRecord]: ...

    @abc.abstractmethod
    def occurrences(self, sha256: str, limit: int = 100) -> list[Occurrence]: ...

    @abc.abstractmethod
    def collection_documents(self, collection: Collection) -> Iterator[str]: ...

    @abc.abstractmethod
    def close(self) -> None: ...

    def status(self, collection: Collection) -> dict[str, Any]:
        """Counts of files by state and the list of problems (everything not extracted)."""
        states: dict[str, int] = {}
        problems: list[dict[str, Any]] = []
        files = 0
        for item in self.file_states(collection):
            files += 1
            states[item.state] = states.get(item.state, 0) + 1
            if item.state != "extracted":
                problems.append({"path": item.path, "state": item.state,
                                 "reason": item.reason, "sha256": item.sha256})
        documents = sum(1 for _ in self.collection_documents(collection))
        problems.sort(key=lambda p: (p["state"], p["path"]))
        return {"collection": collection.name, "files": files, "documents": documents,
                "states": dict(sorted(states.items())), "problems": problems}

    def __enter__(self) -> MetadataStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_metadata_store(settings: Settings) -> MetadataStore:
    """The metadata store the settings name (SQLite unless configured otherwise)."""
    from trove.store.sqlite import SqliteMetadataStore

    return SqliteMetadataStore(settings.database_path)

