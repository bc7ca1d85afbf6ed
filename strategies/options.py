"""The one home of the rotation's options, and the rules for every strategy parameter.

:class:`RotationOptions` holds what every rotation-family strategy (the
rotation, the probability tilt, the trend filter, the placebos, the sweep)
shares: which basket to hold in each regime, how to weight inside it, and how
much cash to keep when capital is scarce. :func:`check_param` validates one
strategy parameter value by name, at config load, with the same rules the
functions apply when they run.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["WEIGHTINGS", "RotationOptions", "check_param"]

#: Allowed values of the ``weighting`` option.
WEIGHTINGS: tuple[str, ...] = ("equal", "inverse_vol")


@dataclass(frozen=True)
class RotationOptions:
    """Options of the regime rotation and its relatives.

    Attributes
    ----------
    abundant_basket : str, default "speculative"
        Basket held while the regime is ``"abundant"``.
    scarce_basket : str, default "cash_flow"
        Basket held while the regime is ``"scarce"``.
    weighting : {"equal", "inverse_vol"}, default "equal"
        Weights inside the active basket (see
        :func:`strategies.rotation.inverse_volatility`).
    vol_window : int, default 63
        Trailing window (trading days) of the inverse-volatility weights, >= 2.
    scarce_cash : float in [0, 1], default 0
        Fraction held in cash while the regime is ``"scarce"``.

    Examples
    --------
    >>> RotationOptions("growth", "value", scarce_cash=0.5).scarce_cash
    0.5
    >>> RotationOptions.from_params({"scarce_cash": 0.25, "trend_window": 50}).scarce_cash
    0.25
    """

    abundant_basket: str = "speculative"
    scarce_basket: str = "cash_flow"
    weighting: str = "equal"
    vol_window: int = 63
    scarce_cash: float = 0.0

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            check_param(field.name, getattr(self, field.name))

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """The option names, in order."""
        return tuple(f.name for f in dataclasses.fields(cls))

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> RotationOptions:
        """The options found in a strategy table (other keys are ignored)."""
        return cls(**{k: params[k] for k in cls.names() if k in params})

    def replace(self, **changes: Any) -> RotationOptions:
        """A copy with some options changed (validated)."""
        return dataclasses.replace(self, **changes)

    def swapped(self) -> RotationOptions:
        """The same options with the two baskets swapped (the inverse placebo)."""
        return self.replace(abundant_basket=self.scarce_basket, scarce_basket=self.abundant_basket)


def _whole(value: Any, low: int, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ValueError(f"{name} must be a whole number >= {low}, got {value!r}.")


def _fraction(value: Any, name: str, upper_open: bool = False) -> None:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if not ok or not (0.0 <= value <= 1.0) or (upper_open and value >= 1.0):
        top = "1)" if upper_open else "1]"
        raise ValueError(f"{name} must be a number in [0, {top}, got {value!r}.")


def check_param(name: str, value: Any) -> None:
    """Validate one strategy parameter value; raise ValueError naming it.

    Parameters known here: the :class:`RotationOptions` fields, ``trend_window``,
    ``n_paths``, ``seed``, ``path``, ``weights``, ``ticker``, ``basket``,
    ``blend``, ``no_trade_band`` and the timing strategy's ``asset``,
    ``favourable``. Cross-references (a basket that exists, a path below
    ``n_paths``) are checked by the config, which sees the whole table.

    Examples
    --------
    >>> check_param("scarce_cash", 2)
    Traceback (most recent call last):
    ...
    ValueError: scarce_cash must be a number in [0, 1], got 2.
    """
    if name in ("scarce_cash",):
        _fraction(value, name)
    elif name == "no_trade_band":
        _fraction(value, name, upper_open=True)
    elif name == "weighting":
        if value not in WEIGHTINGS:
            raise ValueError(f"weighting must be one of {', '.join(WEIGHTINGS)}, got {value!r}.")
    elif name in ("vol_window", "trend_window"):
        _whole(value, 2, name)
    elif name == "n_paths":
        _whole(value, 1, name)
    elif name in ("seed", "path"):
        _whole(value, 0, name)
    elif name == "weights":
        if not isinstance(value, Mapping) or not value:
            raise ValueError(
                f"weights must be a non-empty table of ticker = weight, got {value!r}."
            )
        for ticker, weight in value.items():
            if isinstance(weight, bool) or not isinstance(weight, int | float) or weight < 0:
                raise ValueError(f"weights.{ticker} must be a number >= 0, got {weight!r}.")
    elif name == "blend":
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            raise ValueError(f"blend must be a non-empty list of basket names, got {value!r}.")
    elif name == "favourable":
        if value not in ("abundant", "scarce"):
            raise ValueError(f"favourable must be 'abundant' or 'scarce', got {value!r}.")
    elif name in ("abundant_basket", "scarce_basket", "ticker", "basket", "asset"):  # noqa: SIM102
        # (nested on purpose: a valid name must not fall through to the branches below)
        if not isinstance(value, str) or not value:
            raise ValueError(f"{name} must be a non-empty string, got {value!r}.")
