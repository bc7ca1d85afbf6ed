"""quantstats tearsheets: HTML out, quiet stderr, no network, benchmark as a Series."""

from __future__ import annotations

import socket
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from reports.tearsheets import annualised_cash_rate, benchmark_returns, write_tearsheets


def test_benchmark_returns_and_cash_rate_from_prices():
    index = pd.bdate_range("2022-01-03", periods=253)
    prices = pd.DataFrame({"MKT": np.linspace(100, 110, 253),
                           "TBIL": 100 * 1.03 ** (np.arange(253) / 252)}, index=index)
    prices.iloc[:3, 0] = np.nan
    before = prices.copy()
    bench = benchmark_returns(prices, "MKT")
    assert bench.name == "MKT" and bench.index.equals(index)
    assert bench.iloc[:4].eq(0.0).all() and bench.iloc[4] > 0
    assert annualised_cash_rate(prices, "TBIL") == pytest.approx(0.03, rel=1e-9)
    pd.testing.assert_frame_equal(prices, before)
    with pytest.raises(KeyError, match="SPY"):
        benchmark_returns(prices, "SPY")


def test_unknown_strategy_is_a_clear_error(run_dir: Path):
    with pytest.raises(KeyError, match="nope"):
        write_tearsheets(run_dir, ["nope"])


def _check_tearsheet(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.lstrip().lower().startswith(("<!doctype html", "<!--"))
    assert "<svg" in text and "</html>" in text
    assert "https://qtpylib.io" not in text and 'onload="save()"' not in text


@pytest.mark.slow
def test_one_tearsheet_in_process_without_network(run_dir: Path, capfd, monkeypatch):
    attempts: list[object] = []

    def refuse(self, address):
        attempts.append(address)
        raise OSError(f"network access attempted: {address!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection",
                        lambda *a, **k: refuse(None, a[0] if a else None))
    import matplotlib

    before = dict(matplotlib.rcParams)
    paths = write_tearsheets(run_dir, ["regime_rotation"], processes=0)
    assert paths == [run_dir / "tearsheets" / "regime_rotation.html"]
    _check_tearsheet(paths[0])
    assert not attempts
    assert dict(matplotlib.rcParams) == before, "quantstats' rcParams leaked"
    _out, err = capfd.readouterr()
    assert err == "", err
    assert not [p for p in paths[0].parent.iterdir() if p.name.startswith(".")]


@pytest.mark.slow
def test_tearsheets_in_worker_processes_are_quiet(run_dir: Path, capfd):
    paths = write_tearsheets(run_dir, ["regime_rotation", "random_rotation"], processes=2)
    assert [p.name for p in paths] == ["regime_rotation.html", "random_rotation.html"]
    for path in paths:
        _check_tearsheet(path)
    _out, err = capfd.readouterr()
    assert err == "", err


def test_worker_processes_refuse_network_connections():
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    from reports.tearsheets import NetworkAccessError, _worker_init

    with ProcessPoolExecutor(1, mp_context=get_context("spawn"),
                             initializer=_worker_init) as pool:
        future = pool.submit(socket.create_connection, ("127.0.0.1", 9), 0.1)
        with pytest.raises(NetworkAccessError, match="must not use the network"):
            future.result(timeout=60)
