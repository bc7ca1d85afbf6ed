"""The config error and the small checks that raise it, shared by every config section.

:class:`ConfigError` names the dotted key path, the bad value and the fix. The
private helpers build or raise it: a failed condition, a name that cannot be
a file name, a value outside its allowed set, an unknown key (all with "did
you mean"), and the ISO-date test. :mod:`backtests.config_schema` (the
section dataclasses) uses them and re-exports :class:`ConfigError`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from data.hints import did_you_mean

__all__ = ["ConfigError"]


class ConfigError(ValueError):
    """An invalid config: names the key path, the value and the fix.

    Attributes
    ----------
    key : str
        The dotted key path the error is about (empty when not one key).
    """

    def __init__(self, message: str, key: str = "") -> None:
        super().__init__(message)
        self.key = key


def _check(condition: bool, key: str, message: str) -> None:
    if not condition:
        raise ConfigError(message, key)


def _check_file_name(key: str, value: str, used_as: str) -> None:
    """Refuse a name that, used as a file name, would leave its directory or hide."""
    bad = [c for c in ("/", "\\") if c in value] + (
        ["a control character"] if any(ord(c) < 32 or ord(c) == 127 for c in value) else []
    )
    if bad or value in (".", "..") or value.startswith("."):
        reason = ", ".join(repr(b) if len(b) == 1 else b for b in bad) or "a leading '.'"
        raise ConfigError(
            f"{key}: the name {value!r} is used as a file name ({used_as}), so "
            f"it may not contain {reason}. Rename it.",
            key,
        )


def _allowed(key: str, value: Any, allowed: Sequence[str] | Mapping) -> ConfigError:
    options = list(allowed)
    return ConfigError(
        f"{key} = {value!r} is not allowed.{did_you_mean(value, options)} "
        f"Allowed: {', '.join(map(str, options))}.",
        key,
    )


def _unknown_key(path: str, key: str, allowed: Sequence[str]) -> ConfigError:
    return ConfigError(
        f"unknown key {path!r}.{did_you_mean(key, allowed)} Allowed here: {', '.join(allowed)}.",
        path,
    )


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True
