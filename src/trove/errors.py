"""The one exception tree of Trove.

    TroveError                      anything Trove reports to a user as a clear message
    ├── ConfigError                 a setting has a value Trove cannot use
    ├── QuerySyntaxError            a search query that cannot be parsed (search.query)
    ├── StoreError                  the metadata or evidence store cannot be used
    │   └── NotFound                a document, collection or blob that does not exist
    │       └── AmbiguousPrefix     a SHA-256 prefix that names more than one document
    └── ExtractionError             a per-document failure; recorded on the document,
        ├── EncryptedError          never fatal to a run
        ├── LimitExceeded           a limit against hostile input was reached
        └── UnsupportedFormat       no extractor can read this content

Per-document errors never escape the ingest pipeline: they become the document's
state and reason. Everything else reaches the CLI, which prints the message only.
"""

from __future__ import annotations


class TroveError(Exception):
    """Base of every error Trove raises on purpose."""


class ConfigError(TroveError):
    """A setting has a value Trove cannot use."""


class StoreError(TroveError):
    """The metadata store or the evidence store cannot be used."""


class NotFound(StoreError):
    """A document, collection or blob that does not exist."""


class AmbiguousPrefix(NotFound):
    """A SHA-256 prefix that matches more than one document."""


class ExtractionError(TroveError):
    """A failure reading one document; recorded as its state, never fatal to a run."""


class EncryptedError(ExtractionError):
    """The content is encrypted and no supplied password opens it."""


class LimitExceeded(ExtractionError):
    """A limit against hostile input (size, ratio, depth, count, time) was reached."""


class UnsupportedFormat(ExtractionError):
    """No extractor can read this content."""
