"""The ingest coordinator: walks the cache, schedules work on the worker pool and records
every outcome in the metadata store.

Order of work: documents already known to be pending (children found inside containers,
or leftovers of an interrupted run) go first, then new files from the walk. Everything is
keyed by content, so the order never changes the result: a run killed at any moment and
started again ends in the same state as one that was never interrupted.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import cast

from trove.config import Settings
from trove.extract import Limits, OcrOptions
from trove.ingest.jobs import WorkerConfig, handle, start_worker
from trove.ingest.walk import FoundFile, walk
from trove.ingest.workers import Outcome, WorkerPool
from trove.search.index import SearchIndex
from trove.search.indexing import heal
from trove.store.evidence import LocalEvidenceStore
from trove.store.metadata import MetadataStore
from trove.store.records import Collection, DocumentResult, PendingDocument, RootFile

PENDING_BATCH = 256


@dataclass(frozen=True)
class IngestOptions:
    collection: str
    workers: int | None = None
    passwords: tuple[str, ...] = ()
    retry_failed: bool = False


@dataclass
class Progress:
    """Counters the progress display reads; updated by the coordinator."""

    files_total: int = 0
    bytes_total: int = 0
    files_done: int = 0
    bytes_done: int = 0
    started: float = field(default_factory=time.monotonic)


@dataclass(frozen=True)
class IngestReport:
    collection: str
    files_seen: int
    documents_extracted: int
    seconds: float


def limits_from(settings: Settings) -> Limits:
    return Limits(max_file_size=settings.max_file_size,
                  max_archive_total=settings.max_archive_total,
                  max_archive_ratio=settings.max_archive_ratio,
                  max_archive_members=settings.max_archive_members,
                  max_depth=settings.max_depth)


def ocr_from(settings: Settings) -> OcrOptions:
    return OcrOptions(enabled=settings.ocr, languages=settings.ocr_languages,
                      dpi=settings.ocr_dpi, max_pages=settings.ocr_max_pages)


class _Run:
    def __init__(self, store: MetadataStore, evidence: LocalEvidenceStore,
                 collection: Collection, settings: Settings, options: IngestOptions,
                 progress: Progress, on_progress: Callable[[Progress], None],
                 index: SearchIndex | None = None) -> None:
        self.store, self.evidence, self.collection = store, evidence, collection
        self.index = index
        self.settings, self.options = settings, options
        self.progress, self.on_progress = progress, on_progress
        self.queue: deque[PendingDocument] = deque()
        self.queue_stale = True
        self.inflight: dict[int, tuple[str, object]] = {}
        self.inflight_shas: set[str] = set()
        self.next_id = 0
        self.extracted = 0
        self.seen = 0

    # Scheduling
    def next_pending(self) -> PendingDocument | None:
        if not self.queue and self.queue_stale:
            self.queue.extend(self.store.pending(self.collection, PENDING_BATCH,
                                                 exclude=self.inflight_shas))
            self.queue_stale = bool(self.queue)
        while self.queue:
            item = self.queue.popleft()
            if item.sha256 not in self.inflight_shas:
                return item
        return None

    def submit(self, pool: WorkerPool, kind: str, payload: object, key: str) -> None:
        self.next_id += 1
        self.inflight[self.next_id] = (kind, payload)
        if kind == "extract":
            self.inflight_shas.add(key)
        pool.submit(self.next_id, kind, payload)

    def schedule_root(self, pool: WorkerPool, found: FoundFile) -> bool:
        """Record or submit one file from the walk; True if a job was submitted."""
        self.seen += 1
        if found.problem:
            self.store.record_root(self.collection, RootFile(
                found.path, None, found.size, found.mtime_ns, found.state, found.problem))
            self._advance(files=1, size=found.size or 0)
            return False
        known = self.store.get_root(self.collection, found.path)
        if (known and known.sha256 and known.size == found.size
                and known.mtime_ns == found.mtime_ns and self.evidence.exists(known.sha256)):
            pending = self.store.record_root(self.collection, known)
            self.queue_stale |= pending
            self._advance(files=0 if pending else 1, size=found.size or 0)
            return False
        self.submit(pool, "import", (found.path, found.size, found.mtime_ns), found.path)
        return True

    # Outcomes
    def handle(self, outcome: Outcome) -> None:
        kind, payload = self.inflight.pop(outcome.job_id)
        if kind == "import":
            path, size, mtime_ns = cast(tuple[str, int | None, int | None], payload)
            if outcome.ok:
                sha, stored_size = outcome.value
                root = RootFile(path, sha, stored_size, mtime_ns)
            else:
                root = RootFile(path, None, size, mtime_ns, "failed",
                                f"cannot read: {outcome.value}")
            pending = self.store.record_root(self.collection, root)
            self.queue_stale |= pending
            self._advance(files=0 if pending else 1, size=size or 0)
            return
        item = cast(PendingDocument, payload)
        self.inflight_shas.discard(item.sha256)
        if outcome.ok:
            result: DocumentResult = outcome.value
        else:
            result = _failure(item.sha256, str(outcome.value))
        self.store.record_result(self.collection, result, item.depth)
        if self.index is not None and result.index is not None:
            paths = tuple(o.path for o in self.store.occurrences(item.sha256, limit=20))
            self.index.add([replace(result.index, paths=paths)])
        self.extracted += 1
        new_children = sum(1 for m in result.members if m.sha256)
        self.progress.files_total += new_children
        self.queue_stale |= new_children > 0
        self._advance(files=1)

    def record_too_deep(self, item: PendingDocument) -> None:
        result = DocumentResult(
            sha256=item.sha256, size=0, mime="", extractor="", state="skipped",
            reason=f"limit: nested {item.depth} containers deep, deeper than "
                   f"TROVE_MAX_DEPTH ({self.settings.max_depth})",
            text="", pages=(), metadata={}, language={}, duration=0.0)
        self.store.record_result(self.collection, result, item.depth)

    def _advance(self, files: int = 0, size: int = 0) -> None:
        self.progress.files_done += files
        self.progress.bytes_done += size
        self.progress.files_total = max(self.progress.files_total, self.progress.files_done)
        self.on_progress(self.progress)

    def run(self, pool: WorkerPool, found: Iterator[FoundFile]) -> None:
        walking = True
        while True:
            while pool.idle():
                item = self.next_pending()
                if item is not None:
                    if item.depth > self.settings.max_depth:
                        self.record_too_deep(item)
                        self._advance(files=1)
                        continue
                    self.submit(pool, "extract", item, item.sha256)
                    # Children count as files from the moment their container lists them.
                    continue
                if not walking:
                    break
                next_file = next(found, None)
                if next_file is None:
                    walking = False
                    continue
                self.schedule_root(pool, next_file)
            if not self.inflight and not walking:
                # Anything left pending (e.g. queued while the last jobs ran)?
                self.queue_stale = True
                if self.next_pending() is None:
                    break
                self.queue.clear()
                self.queue_stale = True
                continue
            for outcome in pool.poll(0.2):
                self.handle(outcome)


def _failure(sha256: str, reason: str) -> DocumentResult:
    return DocumentResult(sha256=sha256, size=0, mime="", extractor="", state="failed",
                          reason=reason, text="", pages=(), metadata={}, language={},
                          duration=0.0)


def ingest(paths: list[Path], options: IngestOptions, settings: Settings,
           store: MetadataStore, on_progress: Callable[[Progress], None] | None = None,
           progress: Progress | None = None,
           index: SearchIndex | None = None) -> IngestReport:
    """Ingest files and folders into a collection. Safe to re-run and to interrupt."""
    started = time.monotonic()
    collection = store.ensure_collection(options.collection)
    evidence = LocalEvidenceStore(settings.evidence_path)
    progress = progress or Progress()
    if options.passwords:
        store.requeue(collection, ["encrypted"])
    if options.retry_failed:
        store.requeue(collection, ["failed"])
    config = WorkerConfig(
        evidence_dir=settings.evidence_path, scratch_dir=settings.scratch_path,
        limits=limits_from(settings), ocr=ocr_from(settings), passwords=options.passwords,
        log_file=settings.home / "logs" / "ingest.log")
    pool = WorkerPool(options.workers or settings.workers, start_worker, (config,), handle,
                      timeout=settings.file_timeout, max_jobs=settings.worker_max_tasks)
    run = _Run(store, evidence, collection, settings, options, progress,
               on_progress or (lambda _p: None), index)
    try:
        run.run(pool, walk(paths))
    finally:
        pool.close()
    if index is not None:
        heal(store, index, collection)  # whatever a killed run recorded but did not index
    return IngestReport(collection.name, run.seen, run.extracted,
                        round(time.monotonic() - started, 3))
