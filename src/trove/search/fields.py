"""What of a document is searchable, derived from its extraction: the text fields and the
filter values (type family, language, extension, date, sender...).

Pure functions over a document's metadata; the ingest workers call them so the index
writer only stores what they return.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from pathlib import PurePosixPath
from typing import Any

# MIME type → the family a reporter filters on (`type:pdf`, `type:email`).
TYPE_FAMILIES: tuple[tuple[str, str], ...] = (
    ("application/pdf", "pdf"),
    ("application/msword", "word"),
    ("application/vnd.openxmlformats-officedocument.wordprocessingml", "word"),
    ("application/vnd.oasis.opendocument.text", "word"),
    ("text/rtf", "word"),
    ("application/rtf", "word"),
    ("application/vnd.ms-excel", "spreadsheet"),
    ("application/vnd.openxmlformats-officedocument.spreadsheetml", "spreadsheet"),
    ("application/vnd.oasis.opendocument.spreadsheet", "spreadsheet"),
    ("text/csv", "spreadsheet"),
    ("application/vnd.ms-powerpoint", "presentation"),
    ("application/vnd.openxmlformats-officedocument.presentationml", "presentation"),
    ("application/vnd.oasis.opendocument.presentation", "presentation"),
    ("message/rfc822", "email"),
    ("application/vnd.ms-outlook", "email"),
    ("application/mbox", "mailbox"),
    ("application/vnd.ms-outlook-pst", "mailbox"),
    ("image/", "image"),
    ("text/html", "html"),
    ("application/xhtml+xml", "html"),
    ("application/epub+zip", "ebook"),
    ("text/xml", "xml"),
    ("application/xml", "xml"),
    ("application/zip", "archive"),
    ("application/x-7z-compressed", "archive"),
    ("application/x-rar", "archive"),
    ("application/vnd.rar", "archive"),
    ("application/x-tar", "archive"),
    ("application/gzip", "archive"),
    ("application/x-bzip2", "archive"),
    ("application/x-xz", "archive"),
    ("application/json", "text"),
    ("text/", "text"),
    ("audio/", "audio"),
    ("video/", "video"),
)
DATE_KEYS = ("date", "created", "taken", "modified")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def type_family(mime: str | None) -> str:
    if not mime:
        return "other"
    for prefix, family in TYPE_FAMILIES:
        if mime.startswith(prefix):
            return family
    return "other"


def document_date(metadata: Mapping[str, Any]) -> date | None:
    """The date a reporter would sort by: sent, else created, else taken, else modified."""
    for key in DATE_KEYS:
        value = metadata.get(key)
        if isinstance(value, str):
            match = _ISO_DATE.search(value)
            if match:
                try:
                    found = date(int(match[1]), int(match[2]), int(match[3]))
                except ValueError:
                    continue
                if 1900 <= found.year <= datetime.now().year + 1:
                    return found
    return None


def _joined(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list | tuple):
        return "\n".join(str(v) for v in value if v)
    return ""


def text_fields(metadata: Mapping[str, Any], names: Iterable[str]) -> dict[str, str]:
    """The searchable fields besides the body text."""
    return {
        "title": _joined(metadata.get("title")),
        "author": "\n".join(filter(None, (_joined(metadata.get("author")),
                                          _joined(metadata.get("last_modified_by"))))),
        "from": _joined(metadata.get("from")),
        "to": "\n".join(filter(None, (_joined(metadata.get(k)) for k in ("to", "cc", "bcc")))),
        "subject": _joined(metadata.get("subject")),
        "name": "\n".join(sorted(set(names))),
    }


def extension(name: str) -> str:
    return PurePosixPath(name).suffix.lower().lstrip(".")
