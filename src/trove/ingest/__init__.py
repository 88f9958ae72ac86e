"""Ingest: walk a cache, keep every original, extract in parallel, record everything."""

from trove.ingest.pipeline import IngestOptions, IngestReport, ingest

__all__ = ["IngestOptions", "IngestReport", "ingest"]
