"""What ``tests/README.md`` promises about the suite itself, checked on its source.

Every hypothesis test is reproducible: ``derandomize=True``, ``deadline=None``
and at most 25 examples (issue 17 found two that drew examples at random).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]


def _call_name(node: ast.expr) -> str:
    target = node.func if isinstance(node, ast.Call) else node
    if isinstance(target, ast.Attribute):
        return target.attr
    return target.id if isinstance(target, ast.Name) else ""


def _settings_keywords(node: ast.expr, named: dict[str, ast.Call]) -> dict | None:
    """The keywords of a ``@settings(...)`` decorator, or of a module-level settings object."""
    if isinstance(node, ast.Call) and _call_name(node) == "settings":
        call = node
    elif isinstance(node, ast.Name) and node.id in named:
        call = named[node.id]
    else:
        return None
    return {k.arg: ast.literal_eval(k.value) for k in call.keywords if k.arg}


def _hypothesis_tests(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    named = {
        target.id: node.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Call)
        and _call_name(node.value) == "settings"
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and any(
            _call_name(d) == "given" for d in node.decorator_list
        ):
            found = [_settings_keywords(d, named) for d in node.decorator_list]
            yield node.name, next((k for k in found if k is not None), None)


ALL = [
    (path, name, keywords)
    for path in sorted(TESTS.rglob("test_*.py"))
    for name, keywords in _hypothesis_tests(path)
]


def test_the_suite_has_hypothesis_tests():
    assert len(ALL) >= 8


@pytest.mark.parametrize(
    "path, name, keywords", ALL, ids=[f"{p.relative_to(TESTS)}::{n}" for p, n, _ in ALL]
)
def test_every_hypothesis_test_is_derandomized_and_bounded(path, name, keywords):
    assert keywords is not None, f"{path.name}::{name} has @given but no @settings"
    assert keywords.get("derandomize") is True, (path.name, name, keywords)
    assert "deadline" in keywords and keywords["deadline"] is None, (path.name, name, keywords)
    assert keywords.get("max_examples", 100) <= 25, (path.name, name, keywords)
