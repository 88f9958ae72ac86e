"""The extractor base class and the metadata conventions every extractor follows.

An extractor declares, as data, what it reads: MIME types, file-name extensions and a
score. The dispatcher holds an auction: every extractor bids `match(filetype)` and the
highest non-zero bid reads the file. The identified content type decides; an extension
only breaks ties among generic types (plain text that is really CSV, say).

Metadata keys (all optional; dates are ISO 8601 strings, with offset where known):

    title, subject, keywords, description, language
    author, last_modified_by, company, manager, category
    creator (authoring application), producer, application, app_version, template
    created, modified, printed, revision, page_count, word_count
    encrypted (bool), pdf_version, xmp (dict), fonts (list), attachments (int)
    sheets (list of names), hidden_sheets (list), slides (int)
    from, to, cc, bcc (lists of "Name <addr>"), date, message_id, in_reply_to,
    references (list), received (list of header values), headers (dict of lists)
    camera_make, camera_model, taken, gps ({lat, lon, alt}), exif (dict), width, height
    encoding, encoding_confidence, replaced_characters, line_count (of a text file)
    delimiter, row_count (of CSV/TSV), ocr_engine
    tracked_insertions, tracked_deletions, links, hidden_slides (of Office documents)
    extension_mismatch (set by the dispatcher when the name claims another format)
    archive_mtime (of a member, on the Child)
"""

from __future__ import annotations

import abc
from pathlib import Path
from typing import ClassVar

from trove.extract.identify import FileType
from trove.extract.records import Context, Extraction


class Extractor(abc.ABC):
    """Reads one family of formats. Subclasses live in `trove.extract.formats`."""

    name: ClassVar[str] = ""
    mime_types: ClassVar[frozenset[str]] = frozenset()
    extensions: ClassVar[frozenset[str]] = frozenset()  # lower-case, with the dot
    magic: ClassVar[tuple[bytes, ...]] = ()  # prefixes at offset 0
    score: ClassVar[int] = 10

    @classmethod
    def match(cls, filetype: FileType) -> int:
        """This extractor's bid for a file: 0 means it cannot read it."""
        if filetype.mime in cls.mime_types:
            return cls.score
        if cls.magic and any(filetype.head.startswith(m) for m in cls.magic):
            return cls.score
        if filetype.generic and filetype.extension in cls.extensions:
            return max(1, cls.score // 2)
        return 0

    @abc.abstractmethod
    def extract(self, path: Path, ctx: Context) -> Extraction:
        """Read the file at `path`. Raise an `ExtractionError` subclass for known failures."""
