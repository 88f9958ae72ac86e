"""Trove: a self-hosted workbench for investigating leaked document caches.

The package is laid out as the pipeline a cache travels through:

    ingest/   walk a cache, keep every original, schedule and record the work
    extract/  one small extractor per format: bytes in, text, metadata and children out
    analyse/  what is learnt from extracted text (language, ...)
    store/    the metadata store and the evidence store, each behind an interface
    sample/   the sample-leak generator used by the demo, the tests and the benchmarks
    cli       the `trove` command, a thin layer over the Python API
"""

__version__ = "0.1.0"
