"""Shared pytest fixtures: real files, real stores, the real CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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


BIN = Path(sys.executable).parent


@dataclass
class Cli:
    """The real `trove` command, run in a subprocess with its own data home."""

    home: Path
    workers: int = 2

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TROVE_")}
        env.update({"TROVE_HOME": str(self.home), "TROVE_WORKERS": str(self.workers)})
        env.update(extra)
        return env

    def run(self, *args: str | Path, check: bool = True, timeout: float = 600,
            **extra_env: str) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run([str(BIN / "trove"), *map(str, args)], capture_output=True,
                              text=True, env=self.env(**extra_env), timeout=timeout)
        if check and proc.returncode != 0:
            raise AssertionError(f"trove {' '.join(map(str, args))} exited "
                                 f"{proc.returncode}\nstdout:\n{proc.stdout[-3000:]}\n"
                                 f"stderr:\n{proc.stderr[-3000:]}")
        assert "Traceback" not in proc.stderr, proc.stderr
        return proc

    def json(self, *args: str | Path, **extra_env: str) -> Any:
        return json.loads(self.run(*args, "--json", **extra_env).stdout)


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "home")


@pytest.fixture(scope="session")
def sample_leak(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """The base sample leak, generated once per test session, and its manifest."""
    out = tmp_path_factory.mktemp("sample") / "leak"
    cli = Cli(tmp_path_factory.mktemp("sample-home"))
    cli.run("sample", out)
    manifest = json.loads(out.with_name("leak.manifest.json").read_text("utf-8"))
    return out, manifest


@pytest.fixture(scope="session")
def ingested_sample(tmp_path_factory: pytest.TempPathFactory,
                    sample_leak: tuple[Path, dict[str, Any]]) -> tuple[Cli, Path, dict[str, Any]]:
    """The base sample leak ingested once into collection `leak` (do not modify it)."""
    leak, manifest = sample_leak
    cli = Cli(tmp_path_factory.mktemp("ingested-home"))
    cli.run("ingest", leak, "--collection", "leak", "--quiet")
    return cli, leak, manifest
