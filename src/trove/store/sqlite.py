"""The embedded metadata store: one SQLite file in WAL mode.

One process writes (the ingest coordinator); any number read. Every extraction is
written in one transaction, so a run killed at any moment leaves each document either
pending or completely recorded, never half-written.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from trove.errors import AmbiguousPrefix, NotFound, StoreError
from trove.store.metadata import MetadataStore
from trove.store.records import (
    PATH_SEPARATOR,
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

MAX_CHAIN = 32  # deepest provenance chain followed (guards against self-containing files)

MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = []


def migration(fn: Callable[[sqlite3.Connection], None]) -> Callable[[sqlite3.Connection], None]:
    MIGRATIONS.append(fn)
    return fn


@migration
def _initial_schema(db: sqlite3.Connection) -> None:
    _run_script(db, """
        CREATE TABLE collections (
            id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, created TEXT NOT NULL);
        CREATE TABLE documents (
            sha256 TEXT PRIMARY KEY, size INTEGER, mime TEXT, extractor TEXT,
            state TEXT NOT NULL, reason TEXT, metadata TEXT NOT NULL DEFAULT '{}',
            language TEXT NOT NULL DEFAULT '{}', name TEXT, depth INTEGER NOT NULL DEFAULT 0,
            duration REAL, extracted_at TEXT);
        CREATE INDEX documents_state ON documents(state);
        CREATE TABLE texts (sha256 TEXT PRIMARY KEY, text TEXT NOT NULL);
        CREATE TABLE pages (
            sha256 TEXT NOT NULL, number INTEGER NOT NULL, start INTEGER NOT NULL,
            "end" INTEGER NOT NULL, ocr INTEGER NOT NULL, ocr_engine TEXT, confidence REAL,
            error TEXT, PRIMARY KEY (sha256, number));
        CREATE TABLE roots (
            collection_id INTEGER NOT NULL REFERENCES collections(id), path TEXT NOT NULL,
            sha256 TEXT, size INTEGER, mtime_ns INTEGER, state TEXT, reason TEXT,
            PRIMARY KEY (collection_id, path));
        CREATE INDEX roots_sha256 ON roots(sha256);
        CREATE TABLE members (
            parent TEXT NOT NULL, position INTEGER NOT NULL, name TEXT NOT NULL,
            sha256 TEXT, size INTEGER, state TEXT, reason TEXT,
            metadata TEXT NOT NULL DEFAULT '{}', PRIMARY KEY (parent, position));
        CREATE INDEX members_sha256 ON members(sha256);
        CREATE TABLE collection_documents (
            collection_id INTEGER NOT NULL, sha256 TEXT NOT NULL,
            PRIMARY KEY (collection_id, sha256)) WITHOUT ROWID;
        CREATE INDEX collection_documents_sha256 ON collection_documents(sha256);
    """)


@migration
def _search_index(db: sqlite3.Connection) -> None:
    from trove.search.fts import create_schema

    create_schema(db)


def _run_script(db: sqlite3.Connection, script: str) -> None:
    """Run DDL statements inside the caller's transaction (executescript would commit)."""
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


class SqliteMetadataStore(MetadataStore):
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot open the metadata store {self.path}: {exc}") from exc

    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > len(MIGRATIONS):
            raise StoreError(f"{self.path} was written by a newer Trove (schema {version})")
        for number, step in enumerate(MIGRATIONS[version:], start=version + 1):
            self.db.execute("BEGIN IMMEDIATE")
            try:
                step(self.db)
                self.db.execute(f"PRAGMA user_version={number}")
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise

    def close(self) -> None:
        self.db.close()

    # Collections
    def ensure_collection(self, name: str) -> Collection:
        name = name.strip()
        if not name:
            raise StoreError("a collection needs a name")
        self.db.execute("INSERT OR IGNORE INTO collections(name, created) VALUES (?, ?)",
                        (name, _now()))
        return self.get_collection(name)

    def get_collection(self, name: str) -> Collection:
        row = self.db.execute("SELECT id, name, created FROM collections WHERE name = ?",
                              (name,)).fetchone()
        if row is None:
            raise NotFound(f"no collection named {name!r}")
        return Collection(*row)

    def list_collections(self) -> list[Collection]:
        rows = self.db.execute("SELECT id, name, created FROM collections ORDER BY name")
        return [Collection(*row) for row in rows]

    # Ingest bookkeeping
    def get_root(self, collection: Collection, path: str) -> RootFile | None:
        row = self.db.execute(
            "SELECT path, sha256, size, mtime_ns, state, reason FROM roots "
            "WHERE collection_id = ? AND path = ?", (collection.id, path)).fetchone()
        return RootFile(*row) if row else None

    def _link(self, collection: Collection, sha256: str) -> None:
        """Put a document and everything already known inside it into the collection."""
        self.db.execute(
            "INSERT OR IGNORE INTO collection_documents(collection_id, sha256) "
            "WITH RECURSIVE inside(sha) AS (SELECT ? UNION "
            "  SELECT m.sha256 FROM members m JOIN inside ON m.parent = inside.sha "
            "  WHERE m.sha256 IS NOT NULL) "
            "SELECT ?, sha FROM inside", (sha256, collection.id))

    def _add_document(self, sha256: str, name: str, depth: int, size: int | None) -> None:
        self.db.execute(
            "INSERT INTO documents(sha256, size, state, name, depth) "
            "VALUES (?, ?, 'pending', ?, ?) ON CONFLICT(sha256) DO NOTHING",
            (sha256, size, name, depth))

    def record_root(self, collection: Collection, root: RootFile, depth: int = 0) -> bool:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self.db.execute(
                "INSERT INTO roots(collection_id, path, sha256, size, mtime_ns, state, reason) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(collection_id, path) DO UPDATE SET "
                "sha256 = excluded.sha256, size = excluded.size, mtime_ns = excluded.mtime_ns, "
                "state = excluded.state, reason = excluded.reason",
                (collection.id, root.path, root.sha256, root.size, root.mtime_ns, root.state,
                 root.reason))
            pending = False
            if root.sha256:
                self._add_document(root.sha256, Path(root.path).name, depth, root.size)
                self._link(collection, root.sha256)
                row = self.db.execute("SELECT state FROM documents WHERE sha256 = ?",
                                      (root.sha256,)).fetchone()
                pending = row[0] == "pending"
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return pending

    def record_result(self, collection: Collection, result: DocumentResult, depth: int) -> None:
        sha = result.sha256
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self.db.execute(
                "INSERT INTO documents(sha256, state, depth) VALUES (?, 'pending', ?) "
                "ON CONFLICT(sha256) DO NOTHING", (sha, depth))
            self.db.execute(
                "UPDATE documents SET size = ?, mime = ?, extractor = ?, state = ?, reason = ?, "
                "metadata = ?, language = ?, duration = ?, extracted_at = ? WHERE sha256 = ?",
                (result.size, result.mime, result.extractor, result.state, result.reason,
                 _dumps(result.metadata), _dumps(result.language), result.duration, _now(),
                 sha))
            self.db.execute("INSERT OR REPLACE INTO texts(sha256, text) VALUES (?, ?)",
                            (sha, result.text))
            self.db.execute("DELETE FROM pages WHERE sha256 = ?", (sha,))
            self.db.executemany(
                'INSERT INTO pages(sha256, number, start, "end", ocr, ocr_engine, confidence, '
                "error) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(sha, p.number, p.start, p.end, int(p.ocr), p.ocr_engine, p.confidence,
                  p.error) for p in result.pages])
            self.db.execute("DELETE FROM members WHERE parent = ?", (sha,))
            self.db.executemany(
                "INSERT INTO members(parent, position, name, sha256, size, state, reason, "
                "metadata) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(sha, m.position, m.name, m.sha256, m.size, m.state, m.reason,
                  _dumps(m.metadata)) for m in result.members])
            for member in result.members:
                if member.sha256:
                    self._add_document(member.sha256, member.name.rsplit("/", 1)[-1],
                                       depth + 1, member.size)
                    self._link(collection, member.sha256)
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def pending(self, collection: Collection, limit: int,
                exclude: Iterable[str] = ()) -> list[PendingDocument]:
        skip = set(exclude)
        rows = self.db.execute(
            "SELECT d.sha256, COALESCE(d.name, ''), d.depth FROM documents d "
            "WHERE d.state = 'pending' AND EXISTS (SELECT 1 FROM collection_documents c "
            "  WHERE c.collection_id = ? AND c.sha256 = d.sha256) "
            "ORDER BY d.depth DESC LIMIT ?", (collection.id, limit + len(skip)))
        found = [PendingDocument(*row) for row in rows if row[0] not in skip]
        return found[:limit]

    def requeue(self, collection: Collection, states: Iterable[str]) -> int:
        wanted = list(states)
        if not wanted:
            return 0
        marks = ",".join("?" * len(wanted))
        cursor = self.db.execute(
            f"UPDATE documents SET state = 'pending', reason = NULL WHERE state IN ({marks}) "
            "AND sha256 IN (SELECT sha256 FROM collection_documents WHERE collection_id = ?)",
            (*wanted, collection.id))
        return cursor.rowcount

    # Reading
    def file_states(self, collection: Collection) -> Iterator[FileState]:
        rows = self.db.execute(
            "WITH RECURSIVE f(sha, path, state, reason, level) AS ("
            "  SELECT sha256, path, state, reason, 0 FROM roots WHERE collection_id = ? "
            "  UNION ALL "
            "  SELECT m.sha256, f.path || ? || m.name, m.state, m.reason, f.level + 1 "
            "  FROM f JOIN members m ON m.parent = f.sha WHERE f.level < ?) "
            "SELECT f.path, f.sha, COALESCE(f.state, d.state, 'pending'), "
            "  COALESCE(f.reason, d.reason) FROM f LEFT JOIN documents d ON d.sha256 = f.sha",
            (collection.id, PATH_SEPARATOR, MAX_CHAIN))
        for path, sha, state, reason in rows:
            yield FileState(path, sha, state, reason)

    def resolve(self, sha_or_prefix: str) -> str:
        prefix = sha_or_prefix.strip().lower()
        if not prefix or any(c not in "0123456789abcdef" for c in prefix):
            raise NotFound(f"{sha_or_prefix!r} is not a SHA-256 or a prefix of one")
        upper = prefix + "g"  # every hex string starting with the prefix sorts below this
        rows = self.db.execute(
            "SELECT sha256 FROM documents WHERE sha256 >= ? AND sha256 < ? LIMIT 2",
            (prefix, upper)).fetchall()
        if not rows:
            raise NotFound(f"no document matches {sha_or_prefix!r}")
        if len(rows) > 1:
            raise AmbiguousPrefix(f"{sha_or_prefix!r} matches more than one document; "
                                  "give more characters")
        return str(rows[0][0])

    def get_document(self, sha256: str) -> Document:
        row = self.db.execute(
            "SELECT sha256, size, mime, extractor, state, reason, metadata, language, name, "
            "depth, duration FROM documents WHERE sha256 = ?", (sha256,)).fetchone()
        if row is None:
            raise NotFound(f"no document {sha256}")
        return Document(row[0], row[1], row[2], row[3], row[4], row[5], json.loads(row[6]),
                        json.loads(row[7]), row[8], row[9], row[10])

    def get_text(self, sha256: str) -> str:
        row = self.db.execute("SELECT text FROM texts WHERE sha256 = ?", (sha256,)).fetchone()
        return str(row[0]) if row else ""

    def get_pages(self, sha256: str) -> list[PageRecord]:
        rows = self.db.execute(
            'SELECT number, start, "end", ocr, ocr_engine, confidence, error FROM pages '
            "WHERE sha256 = ? ORDER BY number", (sha256,))
        return [PageRecord(r[0], r[1], r[2], bool(r[3]), r[4], r[5], r[6]) for r in rows]

    def get_members(self, sha256: str) -> list[MemberRecord]:
        rows = self.db.execute(
            "SELECT position, name, sha256, size, state, reason, metadata FROM members "
            "WHERE parent = ? ORDER BY position", (sha256,))
        return [MemberRecord(r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6]))
                for r in rows]

    def occurrences(self, sha256: str, limit: int = 100) -> list[Occurrence]:
        found: list[Occurrence] = []
        # Each partial chain: (sha of the outermost known container, names, parents).
        frontier: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = [(sha256, (), ())]
        for _ in range(MAX_CHAIN):
            if not frontier or len(found) >= limit:
                break
            next_frontier: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = []
            for sha, names, parents in frontier:
                for collection, path in self.db.execute(
                        "SELECT c.name, r.path FROM roots r JOIN collections c "
                        "ON c.id = r.collection_id WHERE r.sha256 = ? ORDER BY c.name, r.path",
                        (sha,)):
                    found.append(Occurrence(collection, (path, *names), parents))
                for parent, name in self.db.execute(
                        "SELECT parent, name FROM members WHERE sha256 = ? "
                        "ORDER BY parent, position LIMIT ?", (sha, limit)):
                    if parent not in parents:
                        next_frontier.append((parent, (name, *names), (parent, *parents)))
            frontier = next_frontier[:limit]
        found.sort(key=lambda o: (o.collection, o.chain))
        return found[:limit]

    def collection_documents(self, collection: Collection) -> Iterator[str]:
        rows = self.db.execute(
            "SELECT sha256 FROM collection_documents WHERE collection_id = ? ORDER BY sha256",
            (collection.id,))
        for (sha,) in rows:
            yield str(sha)
