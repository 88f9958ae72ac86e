"""Shared pytest fixtures: real files, real stores, the real CLI."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from trove.extract import Context, Extraction, FileType, extract_file

REPO = Path(__file__).resolve().parent.parent
CORPORA = Path(os.environ.get("TROVE_TEST_CORPORA", REPO.parent / "shared" / "corpora"))


@pytest.fixture
def corpora() -> Path:
    """The shared real-world corpora; tests using it skip when it is absent."""
    if not CORPORA.is_dir():
        pytest.skip("../shared/corpora is not present")
    return CORPORA


@pytest.fixture
def extract(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Run the real dispatcher on one file: extract(path, name=..., passwords=...)."""
    counter = iter(range(1_000_000))

    def run(path: Path, name: str = "", passwords: tuple[str, ...] = (),
            **ctx_fields: object) -> tuple[FileType, str, Extraction]:
        workdir = tmp_path / f"work-{next(counter)}"
        workdir.mkdir()
        ctx = Context(workdir=workdir, name=name or path.name, passwords=passwords,
                      **ctx_fields)  # type: ignore[arg-type]
        return extract_file(path, ctx)

    return run
