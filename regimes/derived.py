"""Features declared in config: a small, documented set of causal transforms.

A config adds a feature from any series, price or other feature without
code::

    [features.define.baa_spread]
    transform = "level"
    inputs = ["BAA10Y"]
    sign = -1                      # a wide spread means scarce capital
    description = "Moody's Baa minus the 10-year Treasury"

    [features.define.capex_growth]
    transform = "yoy_growth"
    inputs = ["hyperscaler_capex"] # another defined feature

Inputs are macro series ids (built-in or ``[series.<ID>]``), ``price:<TICKER>``
for a ticker's aligned close, or other feature names (built-in or defined),
evaluated in dependency order. A declared feature obeys every rule of the
built-in ones: it is computed on the point-in-time panel (each input as known
on day ``t``), only from rows up to ``t``, then standardised like the others
and subject to the same staleness (its inputs expire).

Transforms (``weeks`` are 5 trading days each; ``halflife`` is in trading days)
-------------------------------------------------------------------------------
``level``               ``x``
``change``              ``x_t - x_{t-5w}``                        (``weeks``)
``log_change``          ``log x_t - log x_{t-5w}``                (``weeks``; x > 0)
``yoy_growth``          ``x_t / x_{t-252} - 1``
``ratio``               ``a / b``                                 (b = 0 gives NaN)
``difference``          ``a - b``
``sum``                 ``a + b + ...``                           (all inputs present)
``zscore``              ``(x_t - mean) / std`` over the trailing ``5w`` rows (``weeks``)
``ew_downside_deviation``  ``sqrt(EWM_h(min(e, 0)^2))`` of daily excess returns ``e``
``ew_sortino``          ``EWM_h(e) / sqrt(EWM_h(min(e, 0)^2))``
``ew_mean``             ``EWM_h(e)``

The three ``ew_*`` transforms (Shu, Yu & Mulvey 2024) take one ``price:<TICKER>``
input and a ``cash`` list: the excess return is the ticker's daily simple
return minus the first cash source available that day, where ``price:<X>`` is a
cash fund's daily return and a series id is an annual rate in percent
(``rate / 100 / 252`` per trading day). EWMs are pandas' ``ewm(halflife=h)``
(``adjust=True``), which uses rows up to ``t`` only, with ``h`` rows before
the first value.

Written by hand rather than with a feature-engineering library: the set is
small, each transform is one pandas expression, and the causality and error
rules (exit 2 naming the key) are the project's own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd

from data import PERIODS_PER_YEAR, DataError
from data.hints import did_you_mean

__all__ = [
    "TRANSFORMS",
    "FeatureDefinition",
    "TransformSpec",
    "evaluation_order",
    "parse_definitions",
]

WEEK_DAYS = 5


@dataclass(frozen=True)
class TransformSpec:
    """One transform: how many inputs it takes and which parameters it needs."""

    n_inputs: int | None  # None: two or more
    params: tuple[str, ...]
    description: str


TRANSFORMS: dict[str, TransformSpec] = {
    "level": TransformSpec(1, (), "the input itself"),
    "change": TransformSpec(1, ("weeks",), "change over N weeks"),
    "log_change": TransformSpec(1, ("weeks",), "log change over N weeks"),
    "yoy_growth": TransformSpec(1, (), "year-over-year growth (252 trading days)"),
    "ratio": TransformSpec(2, (), "ratio of two inputs"),
    "difference": TransformSpec(2, (), "difference of two inputs"),
    "sum": TransformSpec(None, (), "sum of two or more inputs"),
    "zscore": TransformSpec(1, ("weeks",), "trailing z-score over N weeks"),
    "ew_downside_deviation": TransformSpec(
        1, ("halflife", "cash"), "EWM downside deviation of excess returns"
    ),
    "ew_sortino": TransformSpec(1, ("halflife", "cash"), "EWM Sortino ratio of excess returns"),
    "ew_mean": TransformSpec(1, ("halflife", "cash"), "EWM mean of excess returns"),
}
_KEYS = ("transform", "inputs", "sign", "description", "weeks", "halflife", "cash")


@dataclass(frozen=True)
class FeatureDefinition:
    """A validated ``[features.define.<name>]`` table.

    Attributes
    ----------
    name : str
    transform : str
        A key of :data:`TRANSFORMS`.
    inputs : tuple of str
        Series ids, ``price:<TICKER>`` or feature names.
    sign : int
        +1 when a high value means abundant capital, -1 when it means scarce.
    description : str
    weeks : int or None
    halflife : float or None
    cash : tuple of str
        Cash sources of the ``ew_*`` transforms, first available wins.
    """

    name: str
    transform: str
    inputs: tuple[str, ...]
    sign: int
    description: str
    weeks: int | None = None
    halflife: float | None = None
    cash: tuple[str, ...] = ()

    @property
    def window(self) -> int:
        """Trading days of history one value needs beyond its inputs' own."""
        if self.weeks is not None:
            return WEEK_DAYS * self.weeks
        if self.transform == "yoy_growth":
            return PERIODS_PER_YEAR
        if self.halflife is not None:
            return int(np.ceil(self.halflife))
        return 0

    def compute(self, panel: pd.DataFrame | Mapping[str, pd.Series]) -> pd.Series:
        """Evaluate on the point-in-time panel (every input already on the calendar)."""
        values = [panel[name].astype(float) for name in self.inputs]
        kind = self.transform
        if kind == "level":
            out = values[0].copy()
        elif kind == "change":
            out = values[0] - values[0].shift(self.window)
        elif kind == "log_change":
            positive = values[0].where(values[0] > 0)
            out = cast(pd.Series, np.log(positive)) - np.log(positive.shift(self.window))
        elif kind == "yoy_growth":
            out = values[0] / values[0].shift(PERIODS_PER_YEAR) - 1.0
        elif kind == "ratio":
            out = values[0] / values[1].where(values[1] != 0)
        elif kind == "difference":
            out = values[0] - values[1]
        elif kind == "sum":
            out = pd.concat(values, axis=1).sum(axis=1, min_count=len(values))
        elif kind == "zscore":
            rolling = values[0].rolling(self.window, min_periods=self.window)
            std = rolling.std(ddof=0)
            out = (values[0] - rolling.mean()) / std.where(std > 0)
        else:
            out = _ew_transform(
                kind,
                values[0],
                _cash_returns(self.cash, panel, values[0].index),
                float(self.halflife or 1.0),
            )
        return out.replace([np.inf, -np.inf], np.nan).rename(self.name)


def _cash_returns(
    sources: Sequence[str], panel: pd.DataFrame | Mapping[str, pd.Series], index: pd.Index
) -> pd.Series:
    """Daily cash return: the first available source per day (see the module docstring).

    ``panel`` is a mapping or a DataFrame (what the feature builder passes):
    only ``panel[name]`` is used.
    """
    cash = pd.Series(np.nan, index=index)
    for source in sources:
        if source.startswith("price:"):
            daily = panel[source].pct_change(fill_method=None)
        else:
            daily = panel[source] / 100.0 / PERIODS_PER_YEAR
        cash = cash.fillna(daily)
    return cash


def _ew_transform(kind: str, close: pd.Series, cash: pd.Series, halflife: float) -> pd.Series:
    excess = close.pct_change(fill_method=None) - cash
    observed = excess.notna()
    # cast: numpy's stubs type a ufunc of a Series as an ndarray (pandas returns a Series)
    squares = cast(pd.Series, np.minimum(excess, 0.0)) ** 2
    downside = cast(
        pd.Series,
        np.sqrt(
            squares.ewm(
                halflife=halflife, min_periods=int(np.ceil(halflife)), ignore_na=True
            ).mean()
        ),
    )
    mean = excess.ewm(halflife=halflife, min_periods=int(np.ceil(halflife)), ignore_na=True).mean()
    if kind == "ew_downside_deviation":
        out = downside
    elif kind == "ew_sortino":
        out = mean / downside.where(downside > 0)
    else:
        out = mean
    return out.where(observed.cumsum() > 0)


def _fail(key: str, message: str) -> DataError:
    return DataError(f"features.define.{key}: {message}")


def parse_definitions(
    tables: Mapping[str, Mapping[str, Any]],
    known_inputs: Sequence[str],
    builtin_features: Sequence[str],
) -> dict[str, FeatureDefinition]:
    """Validate ``[features.define]`` tables into definitions (config-load time).

    Parameters
    ----------
    tables : mapping of str to mapping
        Feature name -> its table.
    known_inputs : sequence of str
        Series ids and ``price:<TICKER>`` names the run can load.
    builtin_features : sequence of str
        Names of the built-in features (inputs, and names a definition may not take).

    Returns
    -------
    dict of str to FeatureDefinition
        In an order where every definition comes after the ones it reads.

    Raises
    ------
    DataError
        An unknown transform or key, a wrong number of inputs, a missing
        input, a bad parameter, or a cycle; the message names the key.
    """
    definitions: dict[str, FeatureDefinition] = {}
    known = set(known_inputs) | set(builtin_features) | set(tables)
    for name, table in tables.items():
        if name in builtin_features:
            raise _fail(name, f"{name!r} is a built-in feature; choose another name.")
        if not isinstance(table, Mapping):
            raise _fail(name, "must be a table with transform, inputs and sign.")
        for key in table:
            if key not in _KEYS:
                raise _fail(
                    f"{name}.{key}",
                    f"unknown key.{did_you_mean(key, _KEYS)} Allowed: {', '.join(_KEYS)}.",
                )
        transform = table.get("transform")
        if transform not in TRANSFORMS:
            raise _fail(
                f"{name}.transform",
                f"{transform!r} is not a transform."
                f"{did_you_mean(transform, TRANSFORMS)} Allowed: {', '.join(TRANSFORMS)}.",
            )
        spec = TRANSFORMS[transform]
        inputs = table.get("inputs")
        if isinstance(inputs, str):
            inputs = [inputs]
        if not isinstance(inputs, list) or not all(isinstance(i, str) for i in inputs):
            raise _fail(
                f"{name}.inputs", "must be a list of series ids, price:<TICKER> or feature names."
            )
        wanted = spec.n_inputs
        if (wanted is not None and len(inputs) != wanted) or (wanted is None and len(inputs) < 2):
            count = "two or more" if wanted is None else str(wanted)
            raise _fail(
                f"{name}.inputs",
                f"transform {transform!r} takes {count} input(s), got {len(inputs)}.",
            )
        for item in inputs:
            if item not in known:
                raise _fail(
                    f"{name}.inputs",
                    f"unknown input {item!r}.{did_you_mean(item, known)}"
                    " Declare the series under [series.<ID>], add the ticker to the "
                    "universe, or define the feature.",
                )
        if transform.startswith("ew_") and not inputs[0].startswith("price:"):
            raise _fail(
                f"{name}.inputs", f"transform {transform!r} reads a price: give price:<TICKER>."
            )
        sign = table.get("sign")
        if sign not in (1, -1) or isinstance(sign, bool):
            raise _fail(
                f"{name}.sign",
                f"{sign!r} must be 1 (a high value means abundant capital) or -1 (scarce).",
            )
        params: dict[str, Any] = {}
        for param in ("weeks", "halflife", "cash"):
            if param in table and param not in spec.params:
                raise _fail(f"{name}.{param}", f"transform {transform!r} takes no {param}.")
        if "weeks" in spec.params:
            weeks = table.get("weeks")
            if isinstance(weeks, bool) or not isinstance(weeks, int) or weeks < 1:
                raise _fail(f"{name}.weeks", f"{weeks!r} must be a whole number of weeks >= 1.")
            params["weeks"] = weeks
        if "halflife" in spec.params:
            halflife = table.get("halflife")
            if (
                isinstance(halflife, bool)
                or not isinstance(halflife, int | float)
                or not halflife > 0
            ):
                raise _fail(
                    f"{name}.halflife", f"{halflife!r} must be a number of trading days > 0."
                )
            params["halflife"] = float(halflife)
            cash = table.get("cash", [])
            cash = [cash] if isinstance(cash, str) else cash
            if not isinstance(cash, list) or not cash:
                raise _fail(
                    f"{name}.cash",
                    'give the cash sources of the excess return, e.g. ["price:BIL", "DFF"].',
                )
            for item in cash:
                if item not in known_inputs:
                    raise _fail(
                        f"{name}.cash",
                        f"unknown cash source {item!r}.{did_you_mean(item, known_inputs)}",
                    )
            params["cash"] = tuple(cash)
        description = table.get("description") or (
            f"{transform}({', '.join(inputs)})"
            + "".join(f", {k}={v}" for k, v in params.items() if k != "cash")
        )
        if not isinstance(description, str):
            raise _fail(f"{name}.description", "must be a string.")
        definitions[name] = FeatureDefinition(
            name, transform, tuple(inputs), int(sign), description, **params
        )
    order = evaluation_order(definitions)
    return {name: definitions[name] for name in order}


def evaluation_order(definitions: Mapping[str, FeatureDefinition]) -> list[str]:
    """Definitions sorted so that each comes after the defined features it reads.

    Raises
    ------
    DataError
        On a cycle, naming it (``a -> b -> a``).
    """
    order: list[str] = []
    state: dict[str, int] = {}

    def visit(name: str, path: tuple[str, ...]) -> None:
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            cycle = " -> ".join((*path[path.index(name) :], name))
            raise _fail(name, f"the definitions form a cycle: {cycle}.")
        state[name] = 1
        for item in definitions[name].inputs:
            if item in definitions:
                visit(item, (*path, name))
        state[name] = 2
        order.append(name)

    for name in definitions:
        visit(name, ())
    return order


def input_history(
    definition: FeatureDefinition,
    panel: Mapping[str, pd.Series],
    definitions: Mapping[str, FeatureDefinition] | None = None,
) -> int | None:
    """Observations of the shortest input (for the "window longer than the history" check).

    Parameters
    ----------
    definition : FeatureDefinition
    panel : mapping of str to Series
        Series ids and ``price:<TICKER>`` columns on the calendar.
    definitions : mapping of str to FeatureDefinition, optional
        The other declared features: an input that is one of them has the
        history of its own shortest input less its window.

    Returns
    -------
    int or None
        None when an input is in neither (an optional series that could not
        be loaded: the feature is dropped, not checked).
    """
    definitions = definitions or {}
    counts = []
    for item in definition.inputs:
        if item in panel:
            counts.append(int(panel[item].notna().sum()))
        elif item in definitions:
            inner = input_history(definitions[item], panel, definitions)
            if inner is None:
                return None
            counts.append(max(inner - definitions[item].window, 0))
        else:
            return None
    return min(counts)


def check_windows(
    definitions: Mapping[str, FeatureDefinition], panel: Mapping[str, pd.Series]
) -> None:
    """Refuse a definition whose window is longer than its inputs' history (run time).

    Parameters
    ----------
    definitions : mapping of str to FeatureDefinition
        In dependency order (:func:`parse_definitions`).
    panel : mapping of str to Series
        The loaded series and ``price:<TICKER>`` columns on the calendar. A
        definition that reads a series missing from it (an unavailable
        optional input) is skipped: the run drops it and says so.

    Raises
    ------
    DataError
        Naming ``features.define.<name>.weeks`` (or ``halflife``), the window
        and the history available.
    """
    for definition in definitions.values():
        window = definition.window
        if window == 0:
            continue
        history = input_history(definition, panel, definitions)
        if history is None:
            continue
        if window >= history:
            key = (
                "weeks"
                if definition.weeks is not None
                else ("halflife" if definition.halflife is not None else "transform")
            )
            raise _fail(
                f"{definition.name}.{key}",
                f"the window is {window} trading days but its inputs have only "
                f"{history} day(s) of history in this run. Shorten the window or start "
                "the history earlier (features.history_start).",
            )


#: Signature of a built-in feature's compute function.
Compute = Callable[[pd.DataFrame, pd.DataFrame], pd.Series]
