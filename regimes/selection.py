"""Jump-penalty selection by time-series cross-validation (Shu, Yu & Mulvey 2024, §3.4.3).

At every refit, :class:`CrossValidatedJumpRegime` chooses the jump penalty
from a grid on past data only, the way the paper does:

1. The last ``validation_days`` training rows are the validation window.
2. For every candidate penalty, a jump model is refitted every
   ``refit_days`` rows over that window, each fit on the ``train_days`` rows
   before its refit date, and applied online (forward pass, no row after
   ``t`` for the label of ``t``) to the rows up to the next refit:
   :func:`nested_online_codes`. This is the paper's "online inferred regime
   sequence over the validation window", with its six-monthly refits.
3. Each candidate's labels drive the 0/1 timing strategy (the asset while
   the label is abundant, cash otherwise) with the configured delay and
   one-way cost, on ``y``, the asset's daily excess return over cash:
   :func:`timing_excess_returns`.
4. The candidate with the highest validation Sharpe ratio wins
   (:func:`select_penalty`; ties go to the larger penalty, the more
   persistent model). A jump model with that penalty is fitted on the last
   ``train_days`` training rows and predicts online, like
   :class:`regimes.JumpModelRegime`.

Accounting of the validation strategy (the engine's, with ``lag_days =
delay``): the label of the close of ``t`` sets the weight held over day
``t + delay + 1``, ``w_{t+delay+1} = 1 - s_t``, and day ``t``'s excess return
is ``w_t * y_t - cost * |w_t - w_{t-1}|``: a full switch costs one one-way
fee, as a switch from the asset into a cash fund traded free of fees does.
The first ``delay + 1`` validation rows have no weight yet and are left out;
a missing ``y`` counts as 0 (a day with no excess return). An all-cash
strategy has a zero excess-return series, and its Sharpe ratio is defined
as 0, not NaN, so that cash can win a validation window in which every
timing loses.

Causality: ``fit`` sees only the rows the walk-forward gives it (rows before
the refit date), and within it every validation label of row ``t`` comes
from a model fitted on rows before ``t``'s block, filtered over rows up to
``t``. The tests truncate and perturb the future.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from numbers import Integral, Real
from typing import cast

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_consistent_length, check_is_fitted, column_or_1d

from data import PERIODS_PER_YEAR
from regimes.base import RegimeMixin, clone
from regimes.derived import _cash_returns
from regimes.jump import JumpModelRegime
from regimes.labels import training_rows

__all__ = [
    "CrossValidatedJumpRegime",
    "annualised_sharpe",
    "excess_return_target",
    "nested_online_codes",
    "select_penalty",
    "timing_excess_returns",
]

#: The candidate penalties the replication uses (Table 3's positive values
#: plus the paper's "typical" 50 and 100); the paper does not state its grid.
DEFAULT_PENALTIES: tuple[float, ...] = (5.0, 15.0, 35.0, 50.0, 70.0, 100.0, 150.0)


# -- the target -------------------------------------------------------------------


def excess_return_target(
    prices: pd.DataFrame, macro: pd.DataFrame, asset: str, cash: Sequence[str]
) -> pd.Series:
    """``y`` for :meth:`CrossValidatedJumpRegime.fit`: the asset's daily excess return.

    The same excess return as the ``ew_*`` features (:mod:`regimes.derived`):
    the asset's daily simple return minus the first cash source available
    that day (``price:<X>``: a cash fund's daily return; a series id: an
    annual rate in percent, ``/ 100 / 252``).

    Parameters
    ----------
    prices : DataFrame of shape (n_dates, n_tickers)
        Aligned closes (the run's ``inputs.prices``).
    macro : DataFrame of shape (n_dates, n_series)
        Point-in-time macro panel on the same calendar (``inputs.macro``).
    asset : str
        The timed ticker.
    cash : sequence of str
        Cash sources, first available wins (``["price:BIL", "DFF"]``).

    Returns
    -------
    Series of shape (n_dates,)
        Named ``"excess_return"``; row ``t`` is known at the close of ``t``.

    Examples
    --------
    >>> index = pd.bdate_range("2024-01-01", periods=3)
    >>> prices = pd.DataFrame({"SPY": [100.0, 101.0, 99.99]}, index=index)
    >>> macro = pd.DataFrame({"DFF": [2.52, 2.52, 2.52]}, index=index)
    >>> excess_return_target(prices, macro, "SPY", ["DFF"]).round(4).tolist()
    [nan, 0.0099, -0.0101]
    """
    panel = {
        **{column: macro[column] for column in macro.columns},
        **{f"price:{column}": prices[column] for column in prices.columns},
    }
    missing = [source for source in (f"price:{asset}", *cash) if source not in panel]
    if missing:
        raise KeyError(f"excess_return_target: {', '.join(missing)} not in the panel.")
    excess = prices[asset].pct_change(fill_method=None) - _cash_returns(cash, panel, prices.index)
    return excess.rename("excess_return")


# -- pure array functions -------------------------------------------------------


def timing_excess_returns(
    scarce: np.ndarray, excess: np.ndarray, delay: int, cost: float
) -> np.ndarray:
    """Daily excess returns of the 0/1 timing strategy driven by labels.

    Parameters
    ----------
    scarce : ndarray of shape (n,)
        State code per row: 0 abundant (hold the asset), 1 scarce (cash),
        -1 unknown (cash).
    excess : ndarray of shape (n,)
        The asset's daily excess return over cash; NaN counts as 0.
    delay : int
        Trading days from the label's close to the fill's close (>= 1); the
        weight ``1 - scarce[t]`` is held over day ``t + delay + 1``.
    cost : float
        One-way cost as a fraction of traded value (10 bp = 0.001).

    Returns
    -------
    ndarray of shape (max(n - delay - 1, 0),)
        ``w_t * excess_t - cost * |w_t - w_{t-1}|`` for rows
        ``delay + 1 .. n - 1`` (no cost on the first of them).

    Examples
    --------
    >>> timing_excess_returns(np.array([0, 1, 1, 0]), np.array([.01, .02, .03, .04]),
    ...                       delay=1, cost=0.001).round(4).tolist()
    [0.03, -0.001]
    """
    scarce = np.asarray(scarce)
    excess = np.nan_to_num(np.asarray(excess, dtype=float), nan=0.0)
    start = int(delay) + 1
    if scarce.shape[0] <= start:
        return np.empty(0)
    weight = np.where(scarce == 0, 1.0, 0.0)[: scarce.shape[0] - start]
    trades = np.abs(np.diff(weight, prepend=weight[0]))
    return weight * excess[start:] - cost * trades


def annualised_sharpe(returns: np.ndarray) -> float:
    """``mean / std(ddof=1) * sqrt(252)``; 0 for a constant series or fewer than 2 rows.

    Examples
    --------
    >>> annualised_sharpe(np.zeros(10))
    0.0
    """
    returns = np.asarray(returns, dtype=float)
    if returns.shape[0] < 2:
        return 0.0
    std = returns.std(ddof=1)
    if not np.isfinite(std) or std <= 1e-15:
        return 0.0
    return float(returns.mean() / std * np.sqrt(PERIODS_PER_YEAR))


def select_penalty(penalties: np.ndarray, sharpes: np.ndarray) -> int:
    """Index of the winning candidate: the highest Sharpe, ties to the larger penalty.

    Examples
    --------
    >>> select_penalty(np.array([5.0, 50.0, 15.0]), np.array([0.4, 0.7, 0.7]))
    1
    """
    penalties = np.asarray(penalties, dtype=float)
    sharpes = np.asarray(sharpes, dtype=float)
    best = np.flatnonzero(sharpes >= np.max(sharpes) - 1e-12)
    return int(best[np.argmax(penalties[best])])


def nested_online_codes(
    model: JumpModelRegime,
    X: pd.DataFrame | np.ndarray,
    start: int,
    train_days: int,
    refit_days: int,
) -> np.ndarray:
    """Online state codes over rows ``start..n-1``, refitting as the walk-forward does.

    The rows from ``start`` are cut into blocks of ``refit_days`` rows. The
    block ``[b, b + refit_days)`` is labelled by a clone of ``model`` fitted on
    rows ``[max(0, b - train_days), b)`` and run forwards
    (:meth:`JumpModelRegime.running_cost_online`) from the first of those
    rows: row ``t``'s code uses no row after ``t``.

    Parameters
    ----------
    model : JumpModelRegime
        Unfitted template (its penalty and settings are used).
    X : DataFrame or ndarray of shape (n, n_features)
        Rows with a finite feature (DataFrame columns keep the state naming).
    start : int
        First labelled row, ``>= 2``.
    train_days, refit_days : int

    Returns
    -------
    ndarray of int, shape (n - start,)
        0 abundant, 1 scarce, -1 unknown.
    """
    n = X.shape[0]
    rows = X.iloc if isinstance(X, pd.DataFrame) else X
    codes = np.full(n - start, -1, dtype=np.int64)
    for block in range(start, n, refit_days):
        stop = min(block + refit_days, n)
        first = max(0, block - train_days)
        fitted = clone(model).fit(rows[first:block])
        cost = fitted.running_cost_online(rows[first:stop])[block - first :]
        known = ~np.isnan(cost[:, 0])
        codes[block - start : stop - start] = np.where(
            known, (cost[:, 1] < cost[:, 0]).astype(np.int64), -1
        )
    return codes


# -- the estimator --------------------------------------------------------------


class CrossValidatedJumpRegime(RegimeMixin, BaseEstimator):
    """Jump model whose penalty is chosen by time-series cross-validation at every fit.

    Parameters
    ----------
    penalties : list or tuple of float, default (5, 15, 35, 50, 70, 100, 150)
        Candidate jump penalties (> 0, at least one).
    validation_days : int, default 1260
        Rows at the end of the training data on which the candidates are
        compared (the paper: 8 years). Shortened to half of the training rows
        when there are fewer than ``2 * validation_days``.
    train_days : int, default 2000
        Rows each jump model is fitted on, inside the validation and for the
        final model (the paper: 3000).
    refit_days : int, default 126
        Rows between refits inside the validation window (the paper: six
        months).
    delay : int, default 1
        Trading delay of the validation strategy (``execution.lag_days`` of the
        run it selects for: 1, 5 or 10 in the paper).
    cost_bps : float, default 10.0
        One-way cost of the validation strategy, in basis points.
    n_init, max_iter, proba_temperature, scarce_direction, sign_constraint, random_state, \
feature_signs
        Passed to every :class:`regimes.JumpModelRegime`.

    Attributes
    ----------
    penalty_ : float
        The chosen penalty.
    validation_sharpe_ : ndarray of shape (n_penalties,)
        Validation Sharpe ratio of each candidate, in ``penalties`` order.
    validation_switches_ : ndarray of shape (n_penalties,)
        Label switches per year of each candidate over the validation window.
    n_validation_ : int
        Rows in the validation window.
    model_ : JumpModelRegime
        The jump model with ``penalty_``, fitted on the last ``train_days`` rows.
    centroids_ : ndarray of shape (2, n_features)
        ``model_.centroids_`` (row 0 abundant).
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only for DataFrame input.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> bear = (np.arange(600) // 100) % 2 == 1
    >>> y = np.where(bear, -0.002, 0.001) + rng.normal(0, 0.005, 600)
    >>> X = np.column_stack([np.where(bear, -1.0, 1.0) + rng.normal(0, 1.0, 600)])
    >>> model = CrossValidatedJumpRegime(penalties=[1.0, 20.0], validation_days=300,
    ...                                  train_days=300, refit_days=100, random_state=0)
    >>> model.fit(X, y).penalty_
    20.0
    >>> model.predict_online(X)[[50, 150]].tolist()
    ['abundant', 'scarce']
    """

    def __init__(
        self,
        penalties=DEFAULT_PENALTIES,
        validation_days: int = 1260,
        train_days: int = 2000,
        refit_days: int = 126,
        delay: int = 1,
        cost_bps: float = 10.0,
        n_init: int = 10,
        max_iter: int = 50,
        proba_temperature: float | None = None,
        scarce_direction: int = -1,
        sign_constraint: bool = True,
        random_state=None,
        feature_signs: Mapping[str, float] | None = None,
    ):
        self.penalties = penalties
        self.validation_days = validation_days
        self.train_days = train_days
        self.refit_days = refit_days
        self.delay = delay
        self.cost_bps = cost_bps
        self.n_init = n_init
        self.max_iter = max_iter
        self.proba_temperature = proba_temperature
        self.scarce_direction = scarce_direction
        self.sign_constraint = sign_constraint
        self.random_state = random_state
        self.feature_signs = feature_signs

    _parameter_constraints: dict = {
        "penalties": [list, tuple, np.ndarray],
        "validation_days": [Interval(Integral, 2, None, closed="left")],
        "train_days": [Interval(Integral, 2, None, closed="left")],
        "refit_days": [Interval(Integral, 1, None, closed="left")],
        "delay": [Interval(Integral, 1, None, closed="left")],
        "cost_bps": [Interval(Real, 0, 1000, closed="both")],
        "n_init": [Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "proba_temperature": [Interval(Real, 0, None, closed="neither"), None],
        "scarce_direction": [Interval(Integral, -1, 1, closed="both")],
        "sign_constraint": ["boolean"],
        "random_state": ["random_state"],
        "feature_signs": [Mapping, None],
    }

    def check_params(self) -> None:
        """Validate the parameters; raise ValueError naming the bad one."""
        self._validate_params()
        values = list(self.penalties)
        if not values:
            raise ValueError("penalties must list at least one candidate jump penalty; got [].")
        for value in values:
            # cast: numpy's stubs do not accept numbers.Real
            if (
                isinstance(value, bool)
                or not isinstance(value, Real)
                or not np.isfinite(cast(float, value))
                or not cast(float, value) > 0
            ):
                raise ValueError(
                    f"penalties must be finite numbers > 0; got {value!r} in {values!r}."
                )
        if self.scarce_direction not in (-1, 1):
            raise ValueError(f"scarce_direction must be -1 or +1, got {self.scarce_direction!r}.")

    def _template(self, penalty: float) -> JumpModelRegime:
        return JumpModelRegime(
            jump_penalty=float(penalty),
            n_init=self.n_init,
            max_iter=self.max_iter,
            proba_temperature=self.proba_temperature,
            scarce_direction=self.scarce_direction,
            sign_constraint=self.sign_constraint,
            random_state=self.random_state,
            feature_signs=self.feature_signs,
        )

    def fit(self, X, y=None):
        """Choose the penalty on the validation window, then fit the final jump model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Standardised features; NaN allowed (rows with no finite feature
            are dropped, with their ``y``).
        y : array-like of shape (n_samples,)
            The timed asset's daily simple excess return over cash on the same
            rows (row ``t`` known at the close of ``t``); NaN counts as 0.
            Required (scikit-learn tag ``target_tags.required``): the runner
            builds it with :func:`excess_return_target`.

        Returns
        -------
        self

        Raises
        ------
        ValueError
            ``y`` is None or of another length than ``X``, or a bad parameter.
        """
        self.check_params()
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target "
                "y is None: give the asset's daily excess returns."
            )
        array = self._validate(X, reset=True)
        target = column_or_1d(np.asarray(y, dtype=float), warn=False)
        check_consistent_length(array, target)
        observed = np.isfinite(array).any(axis=1)
        training_rows(array, 2)  # the same error as the jump model on too little data
        rows = cast(pd.DataFrame, X[observed]) if isinstance(X, pd.DataFrame) else array[observed]
        excess = target[observed]
        n = rows.shape[0]
        n_validation = int(min(self.validation_days, n // 2))
        start = n - n_validation
        penalties = np.asarray(self.penalties, dtype=float)
        sharpes = np.zeros(penalties.shape[0])
        switches = np.zeros(penalties.shape[0])
        for i, penalty in enumerate(penalties):
            codes = nested_online_codes(
                self._template(penalty), rows, start, int(self.train_days), int(self.refit_days)
            )
            sharpes[i] = annualised_sharpe(
                timing_excess_returns(
                    codes, excess[start:], int(self.delay), float(self.cost_bps) / 1e4
                )
            )
            switches[i] = np.count_nonzero(np.diff(codes)) * PERIODS_PER_YEAR / n_validation
        best = select_penalty(penalties, sharpes)
        train = (
            rows.iloc[-self.train_days :]
            if isinstance(rows, pd.DataFrame)
            else rows[-self.train_days :]
        )
        self.model_ = self._template(penalties[best]).fit(train)
        self.penalty_ = float(penalties[best])
        self.validation_sharpe_ = sharpes
        self.validation_switches_ = switches
        self.n_validation_ = n_validation
        self.centroids_ = self.model_.centroids_
        return self

    def _checked(self, X):
        check_is_fitted(self)
        self._validate(X, reset=False)
        return X

    def running_cost_online(self, X) -> np.ndarray:
        """The final model's relative forward cost; row ``t`` uses rows ``<= t``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, 2)
        """
        X = self._checked(X)
        return self.model_.running_cost_online(X)

    def predict_proba_online(self, X):
        """Online ``abundant``/``scarce`` probabilities of the final model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        DataFrame or ndarray of shape (n_samples, 2)
        """
        X = self._checked(X)
        return self.model_.predict_proba_online(X)

    def predict_online(self, X):
        """Online labels of the final model (forward pass; ties go to abundant).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        Series or ndarray of shape (n_samples,)
        """
        X = self._checked(X)
        return self.model_.predict_online(X)

    def predict_smoothed(self, X):
        """The final model's optimal path over the whole of ``X``: LOOKS AHEAD."""
        X = self._checked(X)
        return self.model_.predict_smoothed(X)

    def predict(self, X):
        """Alias of :meth:`predict_online` (the causal labels)."""
        return self.predict_online(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        return tags
