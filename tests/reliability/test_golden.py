"""A refactor changes no number: the short synthetic run's metrics.json is pinned.

``tests/golden/short_synthetic_metrics.json`` holds the metrics.json of
``tests.helpers.write_short_run`` (package versions and the config hash left
out). Every number must match to 1e-12 relative (the file is byte-identical
run to run on one machine; the tolerance only absorbs a different CPU's last
bit) and every string, key and null exactly. A change that is meant to move a
metric regenerates the file with ``python tests/golden/regenerate.py`` and
says so in its commit.
"""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import pytest

GOLDEN_DIR = Path(__file__).resolve().parents[1] / "golden"


def _regenerate():
    spec = importlib.util.spec_from_file_location("golden_regenerate", GOLDEN_DIR / "regenerate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def differences(expected, actual, path="") -> list[str]:
    """Paths where ``actual`` differs from ``expected`` (numbers to 1e-12 relative)."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        out = [
            f"{path}.{k}: only in the golden file" for k in sorted(expected.keys() - actual.keys())
        ]
        out += [
            f"{path}.{k}: not in the golden file" for k in sorted(actual.keys() - expected.keys())
        ]
        for key in sorted(expected.keys() & actual.keys()):
            out += differences(expected[key], actual[key], f"{path}.{key}")
        return out
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return [f"{path}: {len(actual)} items, golden {len(expected)}"]
        return [
            d
            for i, (e, a) in enumerate(zip(expected, actual, strict=True))
            for d in differences(e, a, f"{path}[{i}]")
        ]
    numbers = (int, float)
    if (
        isinstance(expected, numbers)
        and isinstance(actual, numbers)
        and not isinstance(expected, bool)
        and not isinstance(actual, bool)
    ):
        if math.isclose(expected, actual, rel_tol=1e-12, abs_tol=1e-15):
            return []
        return [f"{path}: {actual!r}, golden {expected!r}"]
    return [] if expected == actual else [f"{path}: {actual!r}, golden {expected!r}"]


def test_differences_sees_a_moved_number_a_new_key_and_a_changed_string():
    golden = {"a": {"b": 1.0, "c": "x"}, "d": [1, 2]}
    assert differences(golden, json.loads(json.dumps(golden))) == []
    assert differences(golden, {"a": {"b": 1.0 + 1e-9, "c": "x"}, "d": [1, 2]}) == [
        ".a.b: 1.000000001, golden 1.0"
    ]
    assert differences(golden, {"a": {"b": 1.0, "c": "y", "e": 0}, "d": [1]}) == [
        ".a.e: not in the golden file",
        ".a.c: 'y', golden 'x'",
        ".d: 1 items, golden 2",
    ]


@pytest.mark.slow
def test_the_short_synthetic_run_matches_the_golden_metrics():
    regenerate = _regenerate()
    golden = json.loads(regenerate.GOLDEN.read_text(encoding="utf-8"))
    found = differences(golden, regenerate.pinned(regenerate.short_run_metrics()))
    assert not found, (
        f"{len(found)} value(s) moved; if that is meant, run `python "
        f"tests/golden/regenerate.py` and say why in the commit:\n" + "\n".join(found[:30])
    )
