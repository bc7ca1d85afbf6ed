"""The ``--grid`` axes of a study: parsing them and resolving them in a config.

``--grid KEY=V1,V2,...`` becomes a :class:`GridAxis` (:func:`parse_grid`,
which splits the values with :func:`split_values` at the commas outside
brackets, braces and quotes). The private helpers read a grid key back from a
resolved config and reword a config error as the ``--grid`` value that caused
it. :func:`backtests.study.plan_study` crosses the axes; :mod:`backtests.study`
re-exports the public names.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from backtests.config import ConfigError, RunConfig

__all__ = ["GridAxis", "parse_grid", "split_values"]


@dataclasses.dataclass(frozen=True)
class GridAxis:
    """One ``--grid KEY=V1,V2,...``: the dotted key and each value as typed."""

    key: str
    texts: tuple[str, ...]


def split_values(text: str) -> list[str]:
    """Split ``V1,V2,...`` at the commas outside brackets, braces and quotes.

    Examples
    --------
    >>> split_values('0, 10,25')
    ['0', '10', '25']
    >>> split_values('["vix", "hy_spread"],["vix"],"a,b"')
    ['["vix", "hy_spread"]', '["vix"]', '"a,b"']
    """
    parts, current, depth, quote, escaped = [], [], 0, "", False
    for char in text:
        if quote:
            if escaped:
                escaped = False
            elif char == "\\" and quote == '"':
                escaped = True
            elif char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth = max(depth - 1, 0)
        elif char == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
            continue
        current.append(char)
    parts.append("".join(current).strip())
    return parts


def parse_grid(items: Sequence[str]) -> tuple[GridAxis, ...]:
    """``--grid`` arguments as axes, in the order given.

    Raises
    ------
    ConfigError
        No ``--grid``, no ``=``, no key, a key given twice, no values or an
        empty value; the message names the key and the fix.
    """
    if not items:
        raise ConfigError(
            "a study needs at least one --grid KEY=V1,V2,... (e.g. --grid costs.fee_bps=0,10,25).",
            "--grid",
        )
    axes: dict[str, GridAxis] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ConfigError(
                f"--grid {item!r} must look like KEY=V1,V2,... (e.g. --grid "
                "costs.fee_bps=0,10,25).",
                "--grid",
            )
        if key in axes:
            raise ConfigError(
                f"--grid {key} is given twice; list all its values in one --grid {key}=V1,V2,...",
                key,
            )
        texts = split_values(raw)
        if texts == [""]:
            raise ConfigError(
                f"--grid {key} has no values: give them after '=', separated by "
                f"commas (--grid {key}=V1,V2).",
                key,
            )
        if "" in texts:
            raise ConfigError(
                f"--grid {key}={raw}: value {texts.index('') + 1} is empty; remove "
                "the extra comma.",
                key,
            )
        axes[key] = GridAxis(key, tuple(texts))
    return tuple(axes.values())


def _resolved(config: RunConfig, key: str, fallback: Any) -> Any:
    node: Any = config.to_dict()
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return fallback
        node = node[part]
    return node


def _grid_error(error: ConfigError, overrides: Sequence[str], values: dict) -> ConfigError:
    message = str(error)
    for text in overrides:
        if message.startswith(f"--set {text}:"):
            key, _, value = text.partition("=")
            rest = message[len(f"--set {text}:") :]
            return ConfigError(f"--grid {key} (value {value}):{rest}", error.key or key)
    point = ", ".join(f"{k}={v!r}" for k, v in values.items())
    return ConfigError(f"study point ({point}): {message}", error.key)
