"""Settings: one documented table, read from the environment with the prefix TROVE_.

Every setting has a name, a default and a help text. `Settings.from_env()` builds an
immutable snapshot; nothing in Trove reads os.environ anywhere else. The table is
rendered into README.md and a test checks the two agree.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import platformdirs

from trove.errors import ConfigError

PREFIX = "TROVE_"
GiB = 1024**3
MiB = 1024**2


def _default_home() -> str:
    return platformdirs.user_data_dir("trove", appauthor=False)


def _parse_bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"expected on/off, got {text!r}")


def _parse_size(text: str) -> int:
    """Parse '4GiB', '500MB', '1024' into bytes."""
    units = {"": 1, "b": 1, "k": 1024, "kb": 1000, "kib": 1024, "m": MiB, "mb": 1000**2,
             "mib": MiB, "g": GiB, "gb": 1000**3, "gib": GiB, "t": 1024**4, "tb": 1000**4,
             "tib": 1024**4}
    cleaned = text.strip().lower().replace(" ", "")
    number = cleaned.rstrip("abcdefghijklmnopqrstuvwxyz")
    unit = cleaned[len(number):]
    if unit not in units or not number:
        raise ValueError(f"expected a size such as 512MiB, got {text!r}")
    return int(float(number) * units[unit])


def _parse_list(text: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in text.split(",") if item.strip())


@dataclass(frozen=True)
class Setting:
    """One row of the settings table."""

    name: str  # attribute name; the variable is TROVE_<NAME upper-cased>
    default: Callable[[], str] | str
    help: str
    parse: Callable[[str], Any] = str

    @property
    def env(self) -> str:
        return PREFIX + self.name.upper()

    def default_text(self) -> str:
        return self.default() if callable(self.default) else self.default


SETTINGS: tuple[Setting, ...] = (
    Setting("home", _default_home, "Data home: the metadata database, the evidence store and "
            "scratch space live here unless set separately.", Path),
    Setting("database_url", "", "Metadata store. Empty means a SQLite file `trove.db` in the "
            "data home; `sqlite:///PATH` names another file."),
    Setting("evidence_dir", "", "Evidence store directory for originals, content-addressed by "
            "SHA-256. Empty means `evidence/` in the data home."),
    Setting("workers", lambda: str(os.cpu_count() or 1), "Extraction worker processes "
            "(default: the number of cores).", int),
    Setting("ocr", "on", "Run OCR on images and on PDF pages without a text layer.", _parse_bool),
    Setting("ocr_languages", "chi_sim,chi_tra,uig,eng", "OCR languages (Tesseract names) tried "
            "on each page image.", _parse_list),
    Setting("ocr_dpi", "200", "Resolution at which PDF pages without text are rendered for "
            "OCR.", int),
    Setting("ocr_max_pages", "2000", "Pages of one document that are OCRed at most; the rest "
            "are recorded as skipped by this limit.", int),
    Setting("file_timeout", "900", "Seconds one file's extraction may take before its worker "
            "is killed and the file is marked `failed: timeout`.", float),
    Setting("max_file_size", "8GiB", "Files larger than this are stored but not extracted "
            "(state `skipped`).", _parse_size),
    Setting("max_archive_total", "16GiB", "Total bytes one archive may expand to.", _parse_size),
    Setting("max_archive_ratio", "200", "Largest expansion ratio (expanded / compressed bytes) "
            "allowed for an archive member.", float),
    Setting("max_archive_members", "200000", "Members read from one archive at most.", int),
    Setting("max_depth", "16", "Containers nested deeper than this are stored but not "
            "opened.", int),
    Setting("worker_max_tasks", "400", "A worker process is replaced after this many files, "
            "which bounds the memory a long run can accumulate.", int),
)


def _settings_fields() -> dict[str, Setting]:
    return {s.name: s for s in SETTINGS}


@dataclass(frozen=True)
class Settings:
    """An immutable snapshot of every setting."""

    home: Path
    database_url: str
    evidence_dir: str
    workers: int
    ocr: bool
    ocr_languages: tuple[str, ...]
    ocr_dpi: int
    ocr_max_pages: int
    file_timeout: float
    max_file_size: int
    max_archive_total: int
    max_archive_ratio: float
    max_archive_members: int
    max_depth: int
    worker_max_tasks: int
    overrides: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for setting in SETTINGS:
            if setting.name in overrides and overrides[setting.name] is not None:
                values[setting.name] = overrides[setting.name]
                continue
            raw = env.get(setting.env)
            text = raw if raw not in (None, "") else setting.default_text()
            try:
                values[setting.name] = setting.parse(text) if text != "" else text
            except ValueError as exc:
                raise ConfigError(f"{setting.env}={raw!r} is not valid: {exc}") from None
        settings = cls(**values)
        settings.validate()
        return settings

    def validate(self) -> None:
        if self.workers < 1:
            raise ConfigError("TROVE_WORKERS must be at least 1")
        if self.file_timeout <= 0:
            raise ConfigError("TROVE_FILE_TIMEOUT must be positive")
        if self.max_depth < 1:
            raise ConfigError("TROVE_MAX_DEPTH must be at least 1")

    @property
    def database_path(self) -> Path:
        if not self.database_url:
            return Path(self.home) / "trove.db"
        if self.database_url.startswith("sqlite:///"):
            return Path(self.database_url[len("sqlite:///"):])
        raise ConfigError(
            f"TROVE_DATABASE_URL={self.database_url!r}: only sqlite:///PATH is supported")

    @property
    def evidence_path(self) -> Path:
        return Path(self.evidence_dir) if self.evidence_dir else Path(self.home) / "evidence"

    @property
    def scratch_path(self) -> Path:
        return Path(self.home) / "scratch"


def settings_table_markdown() -> str:
    """The settings table as Markdown, as it appears in README.md."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for setting in SETTINGS:
        default = "platform user data dir" if setting.name == "home" else setting.default_text()
        if setting.name == "workers":
            default = "number of cores"
        rows.append(f"| `{setting.env}` | `{default}` | {setting.help} |")
    return "\n".join(rows)


assert {f.name for f in fields(Settings)} - {"overrides"} == set(_settings_fields())
