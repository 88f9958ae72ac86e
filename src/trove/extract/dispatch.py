"""Run the right extractor on a file and turn every outcome into a recorded state."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

from trove.errors import EncryptedError, ExtractionError, LimitExceeded, UnsupportedFormat
from trove.extract.identify import FileType, identify
from trove.extract.records import Context, Extraction
from trove.extract.registry import choose

log = logging.getLogger(__name__)
REASON_LIMIT = 300


def _reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    if not isinstance(exc, ExtractionError):
        text = f"{type(exc).__name__}: {text}"
    return text[:REASON_LIMIT]


def extract_file(path: Path, ctx: Context) -> tuple[FileType, str, Extraction]:
    """Identify and extract one file. Never raises for a problem with the file itself.

    Returns the file type, the name of the extractor used ("" when none) and the
    extraction, whose state says how it went.
    """
    filetype = identify(path, ctx.name)
    meta = filetype.as_metadata()
    if filetype.size > ctx.limits.max_file_size:
        return filetype, "", Extraction(
            "skipped", metadata=meta,
            reason=f"limit: file size {filetype.size} bytes exceeds "
                   f"TROVE_MAX_FILE_SIZE ({ctx.limits.max_file_size})")
    if filetype.size == 0:
        return filetype, "", Extraction("extracted", metadata=meta)
    cls = choose(filetype)
    if cls is None:
        return filetype, "", Extraction(
            "unsupported", metadata=meta,
            reason=f"no extractor for {filetype.mime} ({filetype.description[:120]})")
    ctx = replace(ctx, filetype=filetype)
    try:
        result = cls().extract(path, ctx)
    except EncryptedError as exc:
        result = Extraction("encrypted", reason=_reason(exc))
    except LimitExceeded as exc:
        result = Extraction("skipped", reason=f"limit: {_reason(exc)}")
    except UnsupportedFormat as exc:
        result = Extraction("unsupported", reason=_reason(exc))
    except ExtractionError as exc:
        result = Extraction("failed", reason=_reason(exc))
    except MemoryError:
        result = Extraction("failed", reason="out of memory")
    except RecursionError:
        result = Extraction("failed", reason="structure nested too deeply to parse")
    except Exception as exc:  # a bug or a hostile file in a third-party parser
        log.debug("extractor %s failed", cls.name, exc_info=True)
        result = Extraction("failed", reason=_reason(exc))
    merged = {**meta, **dict(result.metadata)}
    return filetype, cls.name, replace(result, metadata=merged)
