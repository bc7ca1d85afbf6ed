"""Package versions for provenance records (run metadata, cache entries)."""

from __future__ import annotations

from collections.abc import Iterable
from importlib import metadata

__all__ = ["package_versions"]


def package_versions(packages: Iterable[str]) -> dict[str, str]:
    """Installed version of each distribution, or ``"not installed"``.

    Examples
    --------
    >>> package_versions(["numpy"])["numpy"] != "not installed"
    True
    """
    versions = {}
    for package in packages:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return versions
