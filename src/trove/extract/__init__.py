"""Extraction: one small extractor per format, chosen by the content's identified type.

Extractors are pure: a path and a `Context` in, an `Extraction` out (text, pages,
metadata, and children such as archive members or attachments written to the
context's scratch directory). They never touch a store; the ingest pipeline persists
what they return and recurses into the children.
"""

from trove.extract.base import Extractor
from trove.extract.dispatch import extract_file
from trove.extract.identify import FileType, identify
from trove.extract.records import (
    STATES,
    Child,
    Context,
    Extraction,
    Limits,
    OcrOptions,
    Page,
    State,
)

__all__ = [
    "STATES",
    "Child",
    "Context",
    "Extraction",
    "Extractor",
    "FileType",
    "Limits",
    "OcrOptions",
    "Page",
    "State",
    "extract_file",
    "identify",
]
