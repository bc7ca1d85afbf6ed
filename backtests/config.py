"""Run configuration: TOML files loaded into the validated, frozen schema.

The schema (one dataclass per table, each validating itself) is
:mod:`backtests.config_schema`; this module loads it, in one place:

1. read the file with :mod:`tomllib` and resolve ``extends = "base.toml"``
   (a path relative to the file; tables merge recursively, the child wins);
   paths in ``[data]`` and ``[series.<ID>] path`` resolve against the file
   that sets them;
2. apply ``--set key.path=value`` overrides (values parse as TOML literals,
   falling back to plain strings; paths resolve against the current
   directory);
3. check every key and type against the schema, then every value with the
   owning package's rules;
4. freeze into :class:`RunConfig`.

Every error is a :class:`ConfigError` that starts with where the bad value
came from (the config file, or the ``--set`` flag that set it), then names
the key path, the bad value and what is allowed, with a "did you mean".

The resolved config is what runs: :func:`dump_config` writes it back as
TOML (secrets redacted), and its SHA-256 identifies the run.
"""

from __future__ import annotations

import dataclasses
import hashlib
import tomllib
import types
import typing
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import tomli_w

from backtests.config_schema import (
    AnalysisConfig,
    ConfigError,
    CostsConfig,
    DataConfig,
    ExecutionConfig,
    FeaturesConfig,
    RebalanceConfig,
    RegimesConfig,
    ReportConfig,
    RunConfig,
    SweepConfig,
    UniverseConfig,
    WalkForwardConfig,
)
from data.hints import did_you_mean

__all__ = [
    "DEFAULT_CONFIG_PATH",
    "AnalysisConfig",
    "ConfigError",
    "CostsConfig",
    "DataConfig",
    "ExecutionConfig",
    "FeaturesConfig",
    "RebalanceConfig",
    "RegimesConfig",
    "ReportConfig",
    "RunConfig",
    "SweepConfig",
    "UniverseConfig",
    "WalkForwardConfig",
    "config_sha256",
    "data_sha256",
    "dump_config",
    "load_config",
]

#: The built-in default config: the synthetic world, fully offline.
DEFAULT_CONFIG_PATH = Path(__file__).with_name("default.toml")

#: ``[data]`` keys holding paths, resolved relative to the file that sets them.
PATH_KEYS: tuple[str, ...] = ("prices_dir", "fred_dir", "cache_dir")

#: Keys that moved, and where they live now.
MOVED: dict[str, str] = {
    "features.lags": "[series.<ID>] lag_days",
    "data.max_staleness_days": "[series.<ID>] max_staleness_days",
}


def _coerce(value: Any, annotation: Any, key: str) -> Any:
    """Check ``value`` against a field annotation, converting int -> float."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        errors = []
        for option in args:
            try:
                return _coerce(value, option, key)
            except ConfigError as error:
                errors.append(error)
        raise errors[0]
    if annotation is type(None):
        if value is not None:
            raise ConfigError(f"{key} must be empty.", key)
        return None
    if annotation is float:
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise ConfigError(f"{key} = {value!r} must be a number.", key)
        return float(value)
    if annotation is str and isinstance(value, date):
        return value.isoformat()  # TOML date literals (start = 2005-01-03)
    if annotation in (int, str, bool):
        ok = isinstance(value, annotation) and not (annotation is int and isinstance(value, bool))
        if not ok:
            raise ConfigError(f"{key} = {value!r} must be of type {annotation.__name__}.", key)
        return value
    if origin is list:
        if not isinstance(value, list):
            raise ConfigError(f"{key} = {value!r} must be a list.", key)
        return [_coerce(v, args[0], f"{key}[{i}]") for i, v in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{key} = {value!r} must be a table.", key)
        return {k: _coerce(v, args[1], f"{key}.{k}") for k, v in value.items()}
    if annotation is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{key} must be a table.", key)
        return value
    raise TypeError(f"unsupported annotation {annotation!r}")  # a bug in the schema


def _build(cls: type, table: Mapping, prefix: str) -> Any:
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls) if f.name != "source_path"]
    kwargs = {}
    for key, value in table.items():
        path = f"{prefix}{key}"
        if key not in names:
            if path in MOVED:
                raise ConfigError(
                    f"{path} has moved: use {MOVED[path]} (one table per series, "
                    "see data/series.py).",
                    path,
                )
            raise ConfigError(
                f"unknown key {path!r}.{did_you_mean(key, names)} Allowed here: "
                f"{', '.join(names)}.",
                path,
            )
        annotation = hints[key]
        if dataclasses.is_dataclass(annotation):
            if not isinstance(value, dict):
                raise ConfigError(f"[{path}] must be a table.", path)
            kwargs[key] = _build(typing.cast(type, annotation), value, f"{path}.")
        else:
            kwargs[key] = _coerce(value, annotation, path)
    return cls(**kwargs)


def _merge(base: dict, override: Mapping) -> dict:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merge(dict(merged[key]), value)
        else:
            merged[key] = value
    return merged


def _read_toml(path: Path, seen: tuple[Path, ...] = ()) -> dict:
    path = path.resolve()
    if path in seen:
        chain = " -> ".join(str(p) for p in (*seen, path))
        raise ConfigError(f"{path}: `extends` forms a cycle: {chain}.")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist.") from None
    except IsADirectoryError:
        raise ConfigError(f"config file {path} is a directory; give a .toml file.") from None
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise ConfigError(f"config file {path} cannot be read: {reason}.") from None
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}.") from None
    parent = table.pop("extends", None)
    if parent is None:
        return _resolve_paths(table, path.parent)
    if not isinstance(parent, str):
        raise ConfigError(f"{path}: extends must be a file path string.", "extends")
    base = _read_toml(path.parent / parent, (*seen, path))
    return _merge(base, _resolve_paths(table, path.parent))


def _resolve_paths(table: dict, folder: Path) -> dict:
    data = table.get("data")
    if isinstance(data, dict):
        for key in PATH_KEYS:
            if isinstance(data.get(key), str) and data[key]:
                data[key] = str((folder / data[key]).resolve())
    series = table.get("series")
    if isinstance(series, dict):
        for entry in series.values():
            if isinstance(entry, dict) and isinstance(entry.get("path"), str):
                entry["path"] = str((folder / entry["path"]).resolve())
    return table


def _parse_override(text: str) -> tuple[list[str], Any]:
    if "=" not in text:
        raise ConfigError(f"--set {text!r} must look like KEY=VALUE, e.g. --set data.seed=7.")
    key, raw = text.split("=", 1)
    key = key.strip()
    if not key:
        raise ConfigError(f"--set {text!r} has no key before '='.")
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw
    return key.split("."), value


def _apply_override(table: dict, parts: list[str], value: Any, text: str) -> None:
    node = table
    for part in parts[:-1]:
        child = node.get(part)
        if child is None:
            child = node[part] = {}
        if not isinstance(child, dict):
            raise ConfigError(
                f"--set {text}: {'.'.join(parts)} is not a key: {part!r} is a value, not a table."
            )
        node = child
    node[parts[-1]] = value


def _origin(key: str, overrides: Mapping[str, str], where: str) -> str:
    """Where the value of ``key`` came from: the ``--set`` flag that set it, or the file."""
    for path, text in reversed(list(overrides.items())):
        if key and (
            key == path or key.startswith((path + ".", path + "[")) or path.startswith(key + ".")
        ):
            return f"--set {text}"
    return where


def load_config(path: str | Path | None = None, overrides: Sequence[str] = ()) -> RunConfig:
    """Read, merge, override and validate a config file.

    Parameters
    ----------
    path : str or Path, optional
        A TOML file; None loads the built-in default (the synthetic world).
    overrides : sequence of str
        ``"dotted.key=value"`` strings, applied after ``extends`` and before
        validation.

    Returns
    -------
    RunConfig

    Raises
    ------
    ConfigError
        Starting with the file or the ``--set`` flag, then the key path, the
        bad value and the allowed values.

    Examples
    --------
    >>> config = load_config(overrides=["data.seed=7"])
    >>> config.data.seed
    7
    """
    file = Path(path) if path is not None else DEFAULT_CONFIG_PATH
    table = _read_toml(file)
    where = str(path) if path is not None else "<built-in default config>"
    applied: dict[str, str] = {}
    for text in overrides:
        parts, value = _parse_override(text)
        if parts[0] == "data" and parts[-1] in PATH_KEYS and isinstance(value, str) and value:
            value = str(Path(value).resolve())
        if parts[0] == "series" and parts[-1] == "path" and isinstance(value, str):
            value = str(Path(value).resolve())
        _apply_override(table, parts, value, text)
        applied[".".join(parts)] = text
    try:
        config = _build(RunConfig, table, "")
        config = dataclasses.replace(config, source_path=where)
        config.validate()
    except ConfigError as error:
        if str(error).startswith(("--set", "config file", str(file.resolve()))):
            raise
        origin = _origin(error.key, applied, where)
        raise ConfigError(f"{origin}: {error}", error.key) from None
    return config


def dump_config(config: RunConfig) -> str:
    """The resolved config as TOML text (what ``config.toml`` holds; secrets redacted)."""
    return tomli_w.dumps(config.to_dict())


def config_sha256(config: RunConfig) -> str:
    """SHA-256 of :func:`dump_config`: the identity of a run's settings."""
    return hashlib.sha256(dump_config(config).encode("utf-8")).hexdigest()


def data_sha256(config: RunConfig) -> str:
    """SHA-256 of the resolved ``[data]``, ``[universe]`` and ``[series]`` tables.

    Two runs with the same ``data_sha256`` saw the same inputs, whatever their
    strategy, cost or classifier settings (``regime-bt check`` relies on it).
    Folder and file paths are machine-specific, so they are left out:
    ``cache_dir`` does not change the data, and the ``csv`` folders and user
    CSV series are represented by a digest of their files' names and bytes
    instead of their location. Secrets are redacted.
    """
    resolved = config.to_dict()
    tables = {
        "data": dict(resolved["data"]),
        "universe": resolved["universe"],
        "series": {k: dict(v) for k, v in resolved["series"].items()},
    }
    for key in PATH_KEYS:
        folder = tables["data"].pop(key, "")
        if key != "cache_dir" and folder and config.data.source == "csv":
            tables["data"][key] = _folder_digest(Path(folder))
    for entry in tables["series"].values():
        if isinstance(entry.get("path"), str):
            entry["path"] = _file_digest(Path(entry["path"]))
    text = tomli_w.dumps(tables)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _file_digest(file: Path) -> str:
    if not file.is_file():
        return "missing"
    return hashlib.sha256(file.read_bytes().replace(b"\r\n", b"\n")).hexdigest()


def _folder_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    files = sorted(folder.glob("*.csv")) if folder.is_dir() else []
    for file in files:
        digest.update(file.name.encode("utf-8") + b"\0")
        digest.update(file.read_bytes().replace(b"\r\n", b"\n") + b"\0")
    return digest.hexdigest()
