"""Outputs are inert and keep secrets (issue 17).

Run directories are uploaded as CI artefacts and opened by reviewers, and
``check.md`` lands in a job summary: both come from whoever wrote the pull
request. One short synthetic ``regime-bt run`` (a real process), then
``regime-bt check --update`` and ``check --markdown``, with

* a config ``name``, a basket name and strategy names (table keys) holding
  ``<script>alert(...)``, ``|`` and backticks (``/`` and ``\\`` are refused in
  names used as file names; ``tests/reliability/test_f_cases.py``);
* ``FRED_API_KEY`` set to a fake key, ``SEC_USER_AGENT`` to a fake contact,
  and ``data.sec_user_agent`` in the config too;

and then every file of the run directory, ``check.md``, the cache directory,
stdout, stderr and any traceback log is scanned: the raw ``<script>`` never
appears in HTML or Markdown (only escaped), and the key and the contact
never appear at all. The page-level DOM checks (allowed elements only) are
``tests/reports/test_inert.py``; the Markdown grammar checks are
``tests/backtests/test_check.py::test_hostile_names_cannot_break_the_markdown``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.reliability.conftest import DEFAULT_TOML, FAST, ROOT, SHORT, run_cli, set_args

pytestmark = pytest.mark.slow

# No "/" in names used as file names (config name, strategies): they are refused at load.
RUN_NAME = "run <script>alert(1) | `tick` x"
BASKET = "spec <script>alert(2)</script> | `b`"
ROTATION = "rot <script>alert(3) | `s`"
HOLD = "hold|`<b>bold"
FAKE_KEY = "f4k3f4k3f4k3f4k3f4k3f4k3f4k3f4k3"  # FRED keys are 32 lower-case hex-like chars
FAKE_AGENT = "Fake Name fake@example.com"
SECRETS = (FAKE_KEY, FAKE_AGENT, "fake@example.com")
#: What a hostile name may never be in a page: an opening tag that runs.
RAW_MARKUP = re.compile(r"<script>alert|<b>bold", re.IGNORECASE)


def _toml_key(text: str) -> str:
    return json.dumps(text)  # a TOML basic string is a JSON string for these characters


def hostile_config(path: Path) -> Path:
    path.write_text(
        f'extends = "{DEFAULT_TOML.as_posix()}"\n'
        f"name = {_toml_key(RUN_NAME)}\n\n"
        f'[data]\nsec_user_agent = "{FAKE_AGENT}"\n\n'
        f'[universe.baskets]\n{_toml_key(BASKET)} = ["XBT-USD", "INNO", "SAASA", "SAASB"]\n\n'
        f"[strategies.{_toml_key(ROTATION)}]\n"
        f'kind = "regime_rotation"\nabundant_basket = {_toml_key(BASKET)}\n'
        f'scarce_basket = "cash_flow"\n\n'
        f'[strategies.{_toml_key(HOLD)}]\nkind = "basket"\nbasket = {_toml_key(BASKET)}\n',
        encoding="utf-8",
    )
    return path


@dataclass
class HostileRun:
    root: Path
    run_dir: Path
    markdown: Path
    cache: Path
    tmp: Path
    streams: dict[str, str]


def _cli(args, env, cwd) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "backtests", *map(str, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory) -> HostileRun:
    root = tmp_path_factory.mktemp("hostile")
    config = hostile_config(root / "hostile.toml")
    cache, tmp = root / "cache", root / "tmp"
    cache.mkdir()
    tmp.mkdir()
    env = {
        **os.environ,
        "FRED_API_KEY": FAKE_KEY,
        "SEC_USER_AGENT": FAKE_AGENT,
        "TMPDIR": str(tmp),
        "TEMP": str(tmp),
        "TMP": str(tmp),
    }
    run_dir, baseline, markdown = root / "run", root / "baseline.json", root / "check.md"
    overrides = set_args([*SHORT, *FAST, f"data.cache_dir={cache}"])
    streams = {}
    done = _cli(["run", config, "--no-tearsheets", "--out", run_dir, *overrides], env, ROOT)
    assert done.returncode == 0, done.stderr
    streams["run"] = done.stdout + done.stderr
    done = _cli(["check", run_dir, "--baseline", baseline, "--update"], env, ROOT)
    assert done.returncode == 0, done.stderr
    streams["update"] = done.stdout + done.stderr
    # Move the hostile strategies' baseline so they appear in the breach table too.
    document = json.loads(baseline.read_text())
    moved = [key for key in document["metrics"] if ROTATION in key or HOLD in key]
    assert moved, "the baseline should list the hostile strategies"
    for key in moved:
        if isinstance(document["metrics"][key], (int, float)):
            document["metrics"][key] = document["metrics"][key] + 1.0
    baseline.write_text(json.dumps(document))
    done = _cli(["check", run_dir, "--baseline", baseline, "--markdown", markdown], env, ROOT)
    assert done.returncode == 1, done.stderr  # breaches: the check fails, and says why
    streams["check"] = done.stdout + done.stderr
    return HostileRun(root, run_dir, markdown, cache, tmp, streams)


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def test_the_hostile_names_reached_the_outputs(hostile_run):
    """Sanity: the scan below looks at outputs that do carry the names."""
    metrics = json.loads((hostile_run.run_dir / "metrics.json").read_text())
    assert metrics["run"]["name"] == RUN_NAME
    assert {ROTATION, HOLD} <= set(metrics["strategies"])
    page = (hostile_run.run_dir / "index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1) " in page  # shown, escaped
    assert "&lt;script&gt;alert(3) " in page
    markdown = hostile_run.markdown.read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(3) " in markdown
    assert "&#124;" in markdown and "\\`s\\`" in markdown  # | and backticks escaped


def test_html_and_markdown_outputs_hold_no_raw_markup(hostile_run):
    pages = [p for p in _files(hostile_run.run_dir) if p.suffix in (".html", ".htm", ".svg")]
    assert pages, "no HTML page was written"
    for path in [*pages, hostile_run.markdown]:
        text = path.read_text(encoding="utf-8")
        assert not RAW_MARKUP.search(text), (path, RAW_MARKUP.search(text))
    markdown = hostile_run.markdown.read_text(encoding="utf-8")
    assert "<script" not in markdown.lower()
    assert "`tick`" not in markdown and "`s`" not in markdown.replace("\\`s\\`", "")


def test_no_secret_in_any_output_cache_log_or_stream(hostile_run):
    scanned = _files(hostile_run.root)  # run dir, check.md, baseline, cache, TMPDIR (logs)
    assert hostile_run.run_dir / "config.toml" in scanned and hostile_run.markdown in scanned
    for path in scanned:
        if path.name == "hostile.toml":
            continue  # the input itself
        data = path.read_bytes()
        for secret in SECRETS:
            assert secret.encode() not in data, (secret, path)
    for name, text in hostile_run.streams.items():
        for secret in SECRETS:
            assert secret not in text, (secret, name)
    assert list(hostile_run.tmp.glob("regime-bt-error-*.log")) == []  # nothing crashed
    config = (hostile_run.run_dir / "config.toml").read_text(encoding="utf-8")
    assert 'sec_user_agent = "<redacted>"' in config


def test_errors_that_touch_the_network_sources_keep_secrets(tmp_path, monkeypatch):
    """An offline fetch of the FRED/Yahoo config with a cold cache fails clearly, key unsaid."""
    monkeypatch.setenv("FRED_API_KEY", FAKE_KEY)
    monkeypatch.setenv("SEC_USER_AGENT", FAKE_AGENT)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    result = run_cli(
        [
            "fetch",
            ROOT / "configs" / "yahoo_fred.toml",
            "--offline",
            "--set",
            f"data.cache_dir={tmp_path / 'cache'}",
            "--set",
            f"data.sec_user_agent={FAKE_AGENT}",
        ]
    )
    assert result.code == 2, result.stderr
    for secret in SECRETS:
        assert secret not in result.stdout + result.stderr
        for path in _files(tmp_path):
            assert secret.encode() not in path.read_bytes(), (secret, path)


# -- names used as file names, and the tearsheet title ---------------------------


def test_tearsheets_hold_no_raw_markup(hostile_run, tmp_path):
    from reports.tearsheets import write_tearsheets

    run_dir = tmp_path / "run"
    shutil.copytree(hostile_run.run_dir, run_dir)
    (page,) = write_tearsheets(run_dir, strategies=["benchmark"], processes=1)
    text = page.read_text(encoding="utf-8")
    for secret in SECRETS:
        assert secret not in text
    assert not RAW_MARKUP.search(text), RAW_MARKUP.search(text)


def test_a_strategy_name_cannot_write_outside_the_run_directory(tmp_path):
    config = tmp_path / "escape.toml"
    config.write_text(
        f'extends = "{DEFAULT_TOML.as_posix()}"\nname = "escape"\n\n'
        '[strategies."../../escaped"]\nkind = "benchmark"\nticker = "MKT"\n'
    )
    out = tmp_path / "runs" / "out"
    result = run_cli(
        ["run", config, "--no-tearsheets", "--quiet", "--out", out, *set_args([*SHORT, *FAST])]
    )
    # The name is refused at load: exit 2, naming it, nothing written.
    assert result.code == 2, result.stderr
    assert "../../escaped" in result.stderr and "file name" in result.stderr
    outside = [
        p for p in tmp_path.rglob("*") if p.is_file() and out not in p.parents and p != config
    ]
    assert outside == []
