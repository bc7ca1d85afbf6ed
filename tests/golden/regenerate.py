"""Rewrite ``short_synthetic_metrics.json``: the pinned metrics.json of the short synthetic run.

Run it only when a change is *meant* to move a metric, and say which in the
commit message::

    python tests/golden/regenerate.py

``tests/reliability/test_golden.py`` compares a fresh short run with this file
(package versions and the config hash left out: they change without any
number changing).
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).with_name("short_synthetic_metrics.json")
#: ``run`` keys that change without a number changing.
VOLATILE = ("versions", "config_sha256")


def pinned(metrics: dict) -> dict:
    """``metrics`` without the :data:`VOLATILE` ``run`` keys."""
    run = {k: v for k, v in metrics["run"].items() if k not in VOLATILE}
    return {**metrics, "run": run}


def short_run_metrics() -> dict:
    """metrics.json of ``tests.helpers.write_short_run`` in a temporary directory."""
    sys.path.insert(0, str(ROOT))
    from tests.helpers import write_short_run

    with tempfile.TemporaryDirectory() as folder:
        run = write_short_run(Path(folder) / "run")
        return json.loads((run / "metrics.json").read_text(encoding="utf-8"))


def main() -> int:
    from data.atomic import atomic_write_text

    text = json.dumps(pinned(short_run_metrics()), indent=1, sort_keys=True) + "\n"
    atomic_write_text(GOLDEN, text)
    print(f"wrote {GOLDEN} ({len(text):,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
