"""The answer key of a generated sample leak: what Trove should find in every file.

The manifest is written beside the leak directory (`<out_dir>.manifest.json`), never
inside it, because everything inside the directory is evidence and gets ingested.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

FINAL_STATES = ("extracted", "partial", "encrypted", "failed", "unsupported", "skipped")


@dataclass
class Entry:
    """One generated file, or one member, attachment or message inside another.

    `path` is relative to the leak directory for top-level files and the member name (as
    text) for nested ones. `contains` are short phrases Trove must find in the text or
    metadata; when `ocr` is true they come from a scan and should be compared by character
    accuracy, not exact match. `alt_states` lists other final states that are also right
    (a truncated file may reasonably end "partial" or "failed").
    """

    path: str
    format: str
    mime: str
    state: str = "extracted"
    reason: str | None = None
    language: str | None = None
    contains: list[str] = field(default_factory=list)
    ocr: bool = False
    password: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    duplicates: list[str] = field(default_factory=list)
    alt_states: list[str] = field(default_factory=list)
    mislabelled: bool = False  # the extension names another format than the content
    children: list[Entry] = field(default_factory=list)

    def walk(self) -> Iterator[Entry]:
        yield self
        for child in self.children:
            yield from child.walk()

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Entry:
        children = [cls.from_dict(c) for c in data.get("children", [])]
        return cls(**{**data, "children": children})


@dataclass
class Manifest:
    root: str  # the leak directory's name
    seed: int
    files: int  # top-level files generated
    entries: list[Entry] = field(default_factory=list)
    # formats the base set could not produce here, e.g. {"doc": "LibreOffice not found"}
    skipped_formats: dict[str, str] = field(default_factory=dict)
    generator_version: int = 1

    def walk(self) -> Iterator[Entry]:
        for entry in self.entries:
            yield from entry.walk()

    def by_path(self) -> dict[str, Entry]:
        return {e.path: e for e in self.entries}

    def formats(self) -> set[str]:
        return {e.format for e in self.walk()}

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=1, sort_keys=True) + "\n"

    def write(self, path: Path) -> None:
        path.write_text(self.to_json(), encoding="utf-8")

    @classmethod
    def read(cls, path: Path) -> Manifest:
        data = json.loads(path.read_text(encoding="utf-8"))
        entries = [Entry.from_dict(e) for e in data.pop("entries")]
        return cls(entries=entries, **data)


def manifest_path(out_dir: Path) -> Path:
    """Where the manifest of the leak in `out_dir` lives: beside it, not inside it."""
    return out_dir.parent / f"{out_dir.name}.manifest.json"
