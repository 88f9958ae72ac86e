from __future__ import annotations

from pathlib import Path

import pytest

from trove.config import Settings
from trove.errors import ConfigError


def test_settings_come_from_the_environment(tmp_path: Path) -> None:
    settings = Settings.from_env({"TROVE_HOME": str(tmp_path), "TROVE_WORKERS": "3",
                                  "TROVE_MAX_FILE_SIZE": "2GiB", "TROVE_OCR": "off",
                                  "TROVE_OCR_LANGUAGES": "chi_sim, uig"})
    assert settings.home == tmp_path
    assert settings.workers == 3
    assert settings.max_file_size == 2 * 1024**3
    assert settings.ocr is False
    assert settings.ocr_languages == ("chi_sim", "uig")
    assert settings.database_path == tmp_path / "trove.db"
    assert settings.evidence_path == tmp_path / "evidence"


@pytest.mark.parametrize(("name", "value"), [("TROVE_WORKERS", "many"),
                                             ("TROVE_WORKERS", "0"),
                                             ("TROVE_MAX_FILE_SIZE", "big"),
                                             ("TROVE_OCR", "maybe"),
                                             ("TROVE_DATABASE_URL", "mysql://x")])
def test_bad_values_are_named_in_the_error(name: str, value: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="TROVE_"):
        settings = Settings.from_env({"TROVE_HOME": str(tmp_path), name: value})
        _ = settings.database_path
