"""Statistics settings (issue 15): k of the tables and of the record-level export."""

from __future__ import annotations

import pytest

from casework.config import Settings, SettingsError


def _env(tmp_path, **extra: str) -> dict[str, str]:
    return {"SENIM_ENV": "development", "SENIM_INSTANCE_PATH": str(tmp_path), **extra}


def test_defaults_are_five_and_eleven(tmp_path) -> None:
    settings = Settings.from_env(_env(tmp_path))
    assert (settings.statistics_k, settings.statistics_export_k) == (5, 11)


@pytest.mark.parametrize(("name", "value", "accepted"), [
    ("SENIM_STATISTICS_K", "3", True), ("SENIM_STATISTICS_K", "2", False),
    ("SENIM_STATISTICS_EXPORT_K", "20", True), ("SENIM_STATISTICS_EXPORT_K", "5", True),
    ("SENIM_STATISTICS_EXPORT_K", "4", False), ("SENIM_STATISTICS_EXPORT_K", "x", False),
])
def test_too_small_or_bad_k_is_refused(tmp_path, name, value, accepted) -> None:
    if accepted:
        Settings.from_env(_env(tmp_path, **{name: value}))
    else:
        with pytest.raises(SettingsError):
            Settings.from_env(_env(tmp_path, **{name: value}))
