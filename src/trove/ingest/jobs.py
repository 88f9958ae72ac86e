"""What a worker process does: store an original, or extract a stored blob.

Workers read originals and write blobs to the evidence store; only the coordinator
writes to the metadata store. Everything returned is plain data.
"""

from __future__ import annotations

import logging
import shutil
import time
import warnings
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from trove.extract import Context, Limits, OcrOptions, extract_file
from trove.extract.records import Extraction
from trove.extract.registry import extractors
from trove.search.index import IndexDoc
from trove.search.indexing import build_index_doc
from trove.store.evidence import LocalEvidenceStore
from trove.store.records import DocumentResult, MemberRecord, PageRecord

PAGE_SEPARATOR = "\n\f"
TEXT_LIMIT = 256 * 1024 * 1024  # characters kept per document


@dataclass(frozen=True)
class WorkerConfig:
    evidence_dir: Path
    scratch_dir: Path
    limits: Limits
    ocr: OcrOptions
    passwords: tuple[str, ...]
    log_file: Path | None = None


@dataclass
class WorkerState:
    config: WorkerConfig
    evidence: LocalEvidenceStore
    counter: int = 0


def _quiet_logging(log_file: Path | None) -> None:
    """Parsers complain loudly about damaged files; that goes to the log, not the screen."""
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    handler: logging.Handler = logging.NullHandler()
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(log_file, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(process)d %(name)s: "
                                               "%(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    logging.captureWarnings(True)
    warnings.simplefilter("default")


def start_worker(config: WorkerConfig) -> WorkerState:
    _quiet_logging(config.log_file)
    config.scratch_dir.mkdir(parents=True, exist_ok=True)
    extractors()  # import every format module now, not inside the first job's deadline
    _warm_up()
    return WorkerState(config, LocalEvidenceStore(config.evidence_dir))


def handle(state: WorkerState, kind: str, payload: Any) -> Any:
    if kind == "import":
        return import_file(state, Path(payload[0]))
    if kind == "extract":
        return extract_blob(state, payload.sha256, payload.name)
    raise ValueError(f"unknown job kind {kind!r}")


def import_file(state: WorkerState, path: Path) -> tuple[str, int]:
    """Copy an original into the evidence store; return its SHA-256 and size."""
    return state.evidence.put_file(path)


def extract_blob(state: WorkerState, sha256: str, name: str) -> DocumentResult:
    state.counter += 1
    workdir = state.config.scratch_dir / f"job-{sha256[:16]}-{state.counter}"
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    started = time.monotonic()
    try:
        source = state.evidence.local_path(sha256)
        ctx = Context(workdir=workdir, name=name, limits=state.config.limits,
                      ocr=state.config.ocr, passwords=state.config.passwords)
        filetype, extractor, extraction = extract_file(source, ctx)
        members = _store_children(state, extraction)
        text, pages = _text_and_pages(extraction)
        language = _language(text)
        metadata = json_safe(dict(extraction.metadata))
        return DocumentResult(
            sha256=sha256, size=filetype.size, mime=filetype.mime, extractor=extractor,
            state=extraction.state, reason=clean_text(extraction.reason or "") or None,
            text=text, pages=pages, metadata=metadata,
            language=language, duration=round(time.monotonic() - started, 3),
            members=members,
            index=_index_doc(sha256, text, filetype.mime, metadata, language, name))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _store_children(state: WorkerState, extraction: Extraction) -> tuple[MemberRecord, ...]:
    members = []
    for position, child in enumerate(extraction.children):
        name = clean_text(child.name) or f"(unnamed member {position + 1})"
        metadata = json_safe(dict(child.metadata))
        if child.path is not None and child.path.is_file() and child.state is None:
            sha, size = state.evidence.put_file(child.path, move=True)
            members.append(MemberRecord(position, name, sha, size, metadata=metadata))
        else:
            members.append(MemberRecord(
                position, name, None, None, child.state or "failed",
                clean_text(child.reason or "") or "no content could be read", metadata))
    return tuple(members)


def _text_and_pages(extraction: Extraction) -> tuple[str, tuple[PageRecord, ...]]:
    if not extraction.pages:
        return clean_text(extraction.text)[:TEXT_LIMIT], ()
    parts: list[str] = []
    pages: list[PageRecord] = []
    offset = 0
    for page in extraction.pages:
        if parts:
            parts.append(PAGE_SEPARATOR)
            offset += len(PAGE_SEPARATOR)
        page_text = clean_text(page.text)
        parts.append(page_text)
        pages.append(PageRecord(page.number, offset, offset + len(page_text), page.ocr,
                                page.ocr_engine, page.confidence, page.error))
        offset += len(page_text)
    text = "".join(parts)
    if extraction.text and extraction.text != text:
        # The extractor had more to say than its pages (e.g. headers); keep it after them.
        text = text + PAGE_SEPARATOR + clean_text(extraction.text)
    return text[:TEXT_LIMIT], tuple(pages)


def _warm_up() -> None:
    """Load the dictionaries and models every document needs (jieba's dictionary, the
    language detector's models) before the worker reports ready, so the first file's
    deadline measures that file alone."""
    build_index_doc("0" * 64, text="预热 warm-up text 文本", mime="text/plain", metadata={},
                    language={}, names=["warm-up.txt"])
    _language("This sentence only loads the language models. 这句话只是预热。")


def _index_doc(sha256: str, text: str, mime: str, metadata: dict[str, Any],
               language: dict[str, Any], name: str) -> IndexDoc | None:
    """The analysed search entry; on failure the coordinator's healing pass retries it."""
    try:
        return build_index_doc(sha256, text=text, mime=mime, metadata=metadata,
                               language=language, names=[name])
    except Exception:  # analysis must never cost a document its extraction
        logging.getLogger(__name__).warning("index analysis failed for %s", sha256,
                                            exc_info=True)
        return None


def _language(text: str) -> dict[str, Any]:
    try:
        from trove.analyse.language import detect
    except ImportError:
        return {}
    result = detect(text)
    found: dict[str, Any] = json_safe(
        result.as_dict() if hasattr(result, "as_dict") else vars(result))
    return found


def clean_text(text: str) -> str:
    """Text that every store accepts: no NUL characters, no lone surrogates."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def json_safe(value: Any) -> Any:
    """Metadata reduced to JSON types, with text cleaned as above."""
    if isinstance(value, str):
        return clean_text(value)
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else None
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return clean_text(value.decode("utf-8", "replace"))
    if isinstance(value, dict):
        return {clean_text(str(k)): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [json_safe(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    return clean_text(str(value))
