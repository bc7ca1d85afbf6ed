"""Significance: golden numbers from the worked examples of the original papers.

Each case quotes its source beside it and compares at the precision the source
prints (4 decimals -> ``abs=5e-5``). Our functions take per-period Sharpe
ratios and Pearson (non-excess) kurtosis; where a paper states annualised
inputs, they are turned into per-period values exactly as the paper does, and
annualised outputs of ours are turned back into per-period values explicitly.

DSR source: Bailey, D. H. & Lopez de Prado, M. (2014), "The Deflated Sharpe
Ratio: Correcting for Selection Bias, Backtest Overfitting and
Non-Normality", Journal of Portfolio Management 40(5), 94-107; SSRN 2460551,
version of July 31, 2014, numerical example on pp. 9-10
(https://www.davidhbailey.com/dhbpapers/deflated-sharpe.pdf). The paper
states: "N = 100, V[{SR_n}] = 1/2, T = 1250, skew = -3 and kurtosis = 10",
an annualised SR of 2.5 "over a daily sample of 5 years", and prints

    SR_0 = sqrt(1/(2*250)) ((1-g) Z^-1[1 - 1/100] + g Z^-1[1 - 1/(100 e)])
         ~ 0.1132, non-annualized (with 250 observations per year),
    DSR  ~ Z[((2.5/sqrt(250) - 0.1132) sqrt(1249))
             / sqrt(1 - (-3) 2.5/sqrt(250) + (10-1)/4 (2.5/sqrt(250))^2)]
         ~ 0.9004 < 0.95,

then: "Should the strategist have made his discovery after running only N=46
independent trials, ... DSR would have been 0.9505" and "If the strategy had
exhibited Normal returns (skew = 0, kurtosis = 3), DSR = 0.9505 after N=88
independent trials."

So, with the paper's 250 observations per year:
per-period SR = 2.5 / sqrt(250); per-period V[{SR_n}] = (1/2) / 250.

PBO: Bailey, Borwein, Lopez de Prado & Zhu (2017), "The Probability of
Backtest Overfitting", Journal of Computational Finance 20(4), 39-70 (SSRN
2326253). Its experiments are Monte Carlo draws, and the examples of the R
``pbo`` package draw with R's RNG, so neither is reproducible here; the case
below is built small enough (4 blocks, 3 trials, 6 splits) to enumerate by
hand, and the test enumerates it again independently of our implementation.
"""

import itertools

import numpy as np
import pytest
from scipy import stats

from backtests.significance import (
    deflated_sharpe_ratio,
    expected_max_sharpe,
    probabilistic_sharpe_ratio,
    probability_of_backtest_overfitting,
)
from data.base import PERIODS_PER_YEAR

# --- Bailey & Lopez de Prado (2014), numerical example, pp. 9-10 -------------
PAPER_DAYS_PER_YEAR = 250  # "non-annualized (with 250 observations per year)"
PAPER_T = 1250  # "T = 1250" (5 years of daily returns)
PAPER_SHARPE = 2.5 / np.sqrt(PAPER_DAYS_PER_YEAR)  # "2.5/sqrt(250)", per period
PAPER_TRIAL_VARIANCE = 0.5 / PAPER_DAYS_PER_YEAR  # "sqrt(1/(2*250))" is its root
PAPER_SKEW, PAPER_KURT = -3.0, 10.0  # kurtosis is Pearson: Normal has 3
PRINTED = 5e-5  # the paper prints 4 decimals


def _paper_dsr(n_trials, skewness, kurtosis):
    """DSR of the paper's equation 2: the PSR against SR_0 of N trials."""
    threshold = expected_max_sharpe(n_trials, PAPER_TRIAL_VARIANCE)
    return probabilistic_sharpe_ratio(PAPER_SHARPE, threshold, PAPER_T, skewness, kurtosis)


def test_expected_max_sharpe_reproduces_the_paper():
    # "SR_0 = sqrt(1/(2*250)) ((1-g) Z^-1[1-1/100] + g Z^-1[1-1/(100 e)]) ~ 0.1132,
    # non-annualized". Our value: 0.113172. With the two weights swapped it would
    # be 0.110728.
    assert expected_max_sharpe(100, PAPER_TRIAL_VARIANCE) == pytest.approx(0.1132, abs=PRINTED)


@pytest.mark.parametrize(
    ("n_trials", "skewness", "kurtosis", "printed"),
    [
        # "DSR ~ ... ~ 0.9004 < 0.95" (N=100, skew -3, kurtosis 10). Ours: 0.900397.
        (100, PAPER_SKEW, PAPER_KURT, 0.9004),
        # "after running only N=46 independent trials, ... DSR would have been
        # 0.9505". Ours: 0.950502.
        (46, PAPER_SKEW, PAPER_KURT, 0.9505),
        # "If the strategy had exhibited Normal returns (skew = 0, kurtosis = 3),
        # DSR = 0.9505 after N=88 independent trials." Ours: 0.950491.
        (88, 0.0, 3.0, 0.9505),
    ],
    ids=["N100-nonnormal", "N46-nonnormal", "N88-normal"],
)
def test_dsr_reproduces_the_paper(n_trials, skewness, kurtosis, printed):
    # Under an excess-kurtosis (Fisher) denominator these become 0.901779,
    # 0.951536, 0.952056; with the Euler weights swapped 0.912073, 0.957887,
    # 0.958784: all outside the printed precision.
    assert _paper_dsr(n_trials, skewness, kurtosis) == pytest.approx(printed, abs=PRINTED)


def _two_point_returns(n_days, n_losing_days, sharpe, volatility):
    """Daily returns taking two values, with the given per-period Sharpe and volatility.

    The paper's moments sit on the bound kurtosis >= skewness**2 + 1
    (10 = (-3)**2 + 1), which only two-point distributions attain: a share
    p of losing days with (1 - 2p) / sqrt(p (1 - p)) = 3, i.e.
    p = (13 - sqrt(117)) / 26 = 0.083975, or 104.97 of 1250 days. A sample
    can only have a whole number of them; 105 losing days give skewness
    -2.99941 and kurtosis 9.99646, which move the DSR by under 1e-5, below
    the paper's printed precision.
    """
    gains = np.ones(n_days)
    gains[np.linspace(0, n_days - 1, n_losing_days).round().astype(int)] = 0.0
    standard = (gains - gains.mean()) / gains.std(ddof=1)
    return volatility * (standard + sharpe)


def _trial_sharpes(n_trials, variance):
    """Per-period trial Sharpe ratios of mean 0 and sample variance (ddof=1) ``variance``."""
    spread = stats.norm.ppf((np.arange(n_trials) + 0.5) / n_trials)
    return (spread - spread.mean()) / spread.std(ddof=1) * np.sqrt(variance)


def test_deflated_sharpe_ratio_end_to_end_reproduces_the_paper():
    # The same example through deflated_sharpe_ratio(returns, trial_sharpes), so
    # that the skewness and kurtosis estimated from the returns are checked too.
    returns = _two_point_returns(PAPER_T, 105, PAPER_SHARPE, volatility=0.01)
    # the function uses only the count and the sample variance of the trials
    trials = _trial_sharpes(100, PAPER_TRIAL_VARIANCE)
    assert stats.skew(returns) == pytest.approx(PAPER_SKEW, abs=1e-3)
    assert stats.kurtosis(returns, fisher=False) == pytest.approx(PAPER_KURT, abs=5e-3)
    assert trials.var(ddof=1) == pytest.approx(PAPER_TRIAL_VARIANCE, rel=1e-12)
    returns_before, trials_before = returns.copy(), trials.copy()

    result = deflated_sharpe_ratio(returns, trials)

    np.testing.assert_array_equal(returns, returns_before)
    np.testing.assert_array_equal(trials, trials_before)
    assert result["n_trials"] == 100
    # ours annualises with sqrt(PERIODS_PER_YEAR); the paper's annualised SR uses 250
    per_period_sharpe = result["sharpe"] / np.sqrt(PERIODS_PER_YEAR)
    assert per_period_sharpe * np.sqrt(PAPER_DAYS_PER_YEAR) == pytest.approx(2.5, abs=1e-12)
    # "~ 0.1132, non-annualized": undo our annualisation. Ours: 0.113172.
    per_period_threshold = result["expected_max_sharpe"] / np.sqrt(PERIODS_PER_YEAR)
    assert per_period_threshold == pytest.approx(0.1132, abs=PRINTED)
    # "DSR ~ 0.9004". Ours: 0.900405 (0.901787 with a Fisher kurtosis estimate).
    assert result["dsr"] == pytest.approx(0.9004, abs=PRINTED)


# --- CSCV / PBO: a case small enough to enumerate by hand ---------------------
# 4 blocks of 3 days; within every block each trial's returns are its block mean
# plus (-1, 0, +1), so over two blocks of means a and b (6 days) a trial has
#   mean (a + b) / 2,  sample variance (2*2 + 1.5 (a - b)**2) / 5  (ddof=1).
BLOCK_MEANS = np.array(
    [
        [3.0, 3.0, -1.0, -1.0],  # trial 0: lucky in the first half
        [-1.0, 0.0, 3.0, 2.0],  # trial 1: lucky in the second half
        [1.0, 1.0, 1.0, 1.0],  # trial 2: steady
    ]
)
# Sharpe ratios over two blocks (from the formula above), trial 2 always 1/sqrt(0.8) = 1.118:
#   trial 0: {0,1} 3/sqrt(0.8) = 3.354, {2,3} -1.118, mixed 1/sqrt(5.6) = 0.423
#   trial 1: {0,1} -0.5/sqrt(1.1) = -0.477, {0,2} 0.423, {0,3} 0.5/sqrt(3.5) = 0.267,
#            {1,2} 1.5/sqrt(3.5) = 0.802, {1,3} 1/sqrt(2) = 0.707, {2,3} 2.5/sqrt(1.1) = 2.384
# In-sample -> winner -> its out-of-sample rank among 3 -> w = rank / (N + 1) -> logit:
#   {0,1}: trial 0 (3.354) -> OOS {2,3}: -1.118, worst -> 1 -> 1/4 -> ln(1/3)
#   {0,2}: trial 2 (1.118) -> OOS {1,3}: 1.118 > 0.707 > 0.423 -> 3 -> 3/4 -> ln 3
#   {0,3}: trial 2 -> OOS {1,2}: 1.118 > 0.802, 0.423 -> 3 -> ln 3
#   {1,2}: trial 2 (1.118 > 0.802) -> OOS {0,3} -> 3 -> ln 3
#   {1,3}: trial 2 (1.118 > 0.707) -> OOS {0,2} -> 3 -> ln 3
#   {2,3}: trial 1 (2.384) -> OOS {0,1}: -0.477, worst -> 1 -> ln(1/3)
# PBO = share of logits <= 0 = 2/6; median logit = ln 3.
HAND_WINNERS = {(0, 1): 0, (0, 2): 2, (0, 3): 2, (1, 2): 2, (1, 3): 2, (2, 3): 1}
HAND_RANKS = {(0, 1): 1, (0, 2): 3, (0, 3): 3, (1, 2): 3, (1, 3): 3, (2, 3): 1}


def _cscv_returns():
    """Returns of shape (12 days, 3 trials), block after block."""
    within_block = np.array([-1.0, 0.0, 1.0])
    return np.concatenate([BLOCK_MEANS[:, [block]].T + within_block[:, None] for block in range(4)])


def test_pbo_matches_a_hand_enumerated_cscv():
    returns = _cscv_returns()
    returns_before = returns.copy()
    blocks = np.split(np.arange(len(returns)), 4)
    n_trials = returns.shape[1]

    def sharpe(rows):
        return rows.mean(axis=0) / rows.std(axis=0, ddof=1)

    # independent enumeration of the 6 splits (paper: w = rank / (N + 1), logit)
    logits = []
    for in_blocks in itertools.combinations(range(4), 2):
        out_blocks = [block for block in range(4) if block not in in_blocks]
        in_sharpe = sharpe(returns[np.concatenate([blocks[b] for b in in_blocks])])
        out_sharpe = sharpe(returns[np.concatenate([blocks[b] for b in out_blocks])])
        winner = int(np.argmax(in_sharpe))
        rank = int(np.sum(out_sharpe < out_sharpe[winner])) + 1
        assert (winner, rank) == (HAND_WINNERS[in_blocks], HAND_RANKS[in_blocks])
        omega = rank / (n_trials + 1.0)
        logits.append(np.log(omega / (1.0 - omega)))
    assert np.mean(np.array(logits) <= 0.0) == pytest.approx(2.0 / 6.0, abs=1e-15)

    result = probability_of_backtest_overfitting(returns, n_splits=4)

    np.testing.assert_array_equal(returns, returns_before)
    assert result["n_combinations"] == 6
    assert result["n_trials"] == 3
    assert result["pbo"] == pytest.approx(2.0 / 6.0, abs=1e-12)
    assert result["logit_median"] == pytest.approx(np.log(3.0), abs=1e-12)
