"""Quarterly fundamentals from SEC EDGAR as point-in-time vintage frames.

Source: the XBRL ``companyfacts`` API, one JSON per company,
``https://data.sec.gov/api/xbrl/companyfacts/CIK##########.json`` (CIK
zero-padded to 10 digits)::

    {"cik": 1018724, "entityName": "AMAZON.COM, INC.",
     "facts": {"us-gaap": {"PaymentsToAcquireProductiveAssets": {
        "label": "...", "description": "...",
        "units": {"USD": [
            {"start": "2023-01-01", "end": "2023-06-30", "val": 25043000000,
             "accn": "0001018724-23-000012", "fy": 2023, "fp": "Q2",
             "form": "10-Q", "filed": "2023-08-04", "frame": "CY2023Q2"?}, ...]}}}}}

Every fact a filing reported is listed with that filing's accession number
(``accn``), form and ``filed`` date, so the JSON holds the whole revision
history. ``fy``/``fp`` describe the *filing*, not the fact's period, and are
not used; periods are identified by their ``start``/``end`` dates.

Why not edgartools
------------------
edgartools (``edgar.Company(...).get_facts()``) parses the same JSON, and was
considered on three criteria. *Point in time*: its fact selection keeps the
most recently filed value of a period (restatements are back-filled), which
is look-ahead in a backtest; the replay below would have to be written
anyway. *Weight*: about twenty runtime dependencies (httpx, an exactly
pinned ``hishel``, ``httpxthrottlecache``, rich, lxml, pydantic, rapidfuzz,
...) for one JSON file per company. *Testability*: it fetches through its own
global httpx client, identity (``EDGAR_IDENTITY``), cache and retry loop,
not through an injected :class:`data.http.HttpSession`, so tests would patch
its internals and the project would have a second retry loop. So this module
reads ``companyfacts`` directly: one request per company through the
project's session, and pure functions for the rest.

Metrics and concepts (:data:`METRIC_CONCEPTS`, in priority order)
-----------------------------------------------------------------
``capex``
    ``PaymentsToAcquirePropertyPlantAndEquipment`` (MSFT, GOOGL, META, ORCL,
    AAPL); ``PaymentsToAcquireProductiveAssets`` (Amazon's "Purchases of
    property and equipment"; a slightly wider element); then
    ``PaymentsToAcquireOtherPropertyPlantAndEquipment``. The fallbacks are
    used only for quarters the first concept lacks: some companies tag
    acquisitions with ``PaymentsToAcquireProductiveAssets`` next to their
    PP&E capex (McDonald's), and those must never replace it.
``revenue``
    ``Revenues`` (the total line where a company has one: GOOGL, META,
    ORCL); ``RevenueFromContractWithCustomerExcludingAssessedTax`` (ASC 606,
    fiscal years from 2018: MSFT, AMZN, AAPL; GOOGL for 2022); then the
    pre-2018 ``SalesRevenueNet`` and
    ``RevenueFromContractWithCustomerIncludingAssessedTax``.
``operating_cash_flow``
    ``NetCashProvidedByUsedInOperatingActivities``, then
    ``NetCashProvidedByUsedInOperatingActivitiesContinuingOperations``.

Only USD facts with a ``start`` (durations) from periodic reports
(:data:`PERIODIC_FORMS`: 10-Q, 10-K, their amendments and transition
reports) are used. Pass ``concepts=`` to :class:`SecProvider` for other
metrics or companies that tag differently (``"ifrs-full:Revenue"`` works).

From year-to-date facts to quarters
-----------------------------------
A fact spans ``n`` quarters when its length is within 15 days of ``n``
quarters (91.3 days each), ``n`` in 1..4; other lengths are ignored. Facts of
one concept that share a ``start`` are the year-to-date facts of one fiscal
year, whatever month it ends (Microsoft: July to June). Quarter ``k`` ends on
the end date of the ``k``-quarter fact: Q1 is the 3-month fact, Q2 = H1 - Q1,
Q3 = 9M - H1, Q4 = FY - 9M. A directly reported 3-month fact for a quarter
is used when there is one. A quarter is always derived from facts of **one**
concept, so two concepts are never subtracted from each other; across
concepts, each quarter takes the first concept (in priority order) that has
a value for it.

Point in time
-------------
Filings are replayed in ``filed`` order (same day: by accession number). At
each filing date the latest filed value of every (concept, start, end) is
known; each quarter's value is recomputed, and a vintage row is emitted when
a quarter's value appears or changes. So a quarter is **published** on the
filed date of its fact, a derived quarter on the filed date of the later of
its inputs, and an amendment (10-Q/A, 10-K/A) or a later filing that
restates a period is a later vintage: the value visible before its filed
date is the original, and no earlier row changes. Repeating a fact with the
same value in a later filing (comparative columns) adds nothing. A derived
quarter uses the latest known value of each input: when a later 10-K
restates only a fiscal year (a reclassification), the whole change lands in
that year's Q4 from the 10-K's filed date, which is what a reader of the
filings could have computed then.

``filed`` is a date: a filing accepted after the close is only tradable the
next session; the alignment's lag is where that belongs.

SEC access policy
-----------------
A User-Agent with a contact e-mail address is required: ``user_agent=``
(config ``data.sec_user_agent``) or ``$SEC_USER_AGENT``; at most 10 requests
per second (a :class:`data.http.RateLimiter` on the session); retries and
backoff through the session. The User-Agent is a secret like an API key: it
is sent only as a header and never appears in messages, logs or the cache.
Tickers map to CIKs through :data:`KNOWN_CIKS` (no request for the common
names) or ``https://www.sec.gov/files/company_tickers.json``.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import Any

import pandas as pd

from data.base import DataError
from data.cache import ParquetCache, check_vintage_frame
from data.http import HttpError, HttpSession, RateLimiter

__all__ = [
    "COMPANYFACTS_URL",
    "COMPANY_TICKERS_URL",
    "KNOWN_CIKS",
    "METRIC_CONCEPTS",
    "PERIODIC_FORMS",
    "SEC_MAX_REQUESTS_PER_SECOND",
    "SEC_USER_AGENT_ENV",
    "Fact",
    "SecProvider",
    "companyfacts_vintages",
    "parse_company_tickers",
    "parse_companyfacts",
    "quarterly_vintages",
    "sec_user_agent",
]

COMPANYFACTS_URL = "https://data.sec.gov/api/xbrl/companyfacts/CIK{cik:010d}.json"
COMPANY_TICKERS_URL = "https://www.sec.gov/files/company_tickers.json"
#: The environment variable read for the SEC contact User-Agent.
SEC_USER_AGENT_ENV = "SEC_USER_AGENT"
#: SEC EDGAR's fair-access limit.
SEC_MAX_REQUESTS_PER_SECOND = 10

#: Ticker -> CIK for the common names: no lookup request needed.
KNOWN_CIKS: dict[str, int] = {
    "AAPL": 320193,
    "AMZN": 1018724,
    "GOOGL": 1652044,
    "META": 1326801,
    "MSFT": 789019,
    "ORCL": 1341439,
}

#: Metric -> us-gaap concepts in priority order (see the module docstring).
METRIC_CONCEPTS: dict[str, tuple[str, ...]] = {
    "capex": (
        "PaymentsToAcquirePropertyPlantAndEquipment",
        "PaymentsToAcquireProductiveAssets",
        "PaymentsToAcquireOtherPropertyPlantAndEquipment",
    ),
    "revenue": (
        "Revenues",
        "RevenueFromContractWithCustomerExcludingAssessedTax",
        "SalesRevenueNet",
        "RevenueFromContractWithCustomerIncludingAssessedTax",
    ),
    "operating_cash_flow": (
        "NetCashProvidedByUsedInOperatingActivities",
        "NetCashProvidedByUsedInOperatingActivitiesContinuingOperations",
    ),
}

#: Forms whose facts are used: the periodic reports and their amendments.
PERIODIC_FORMS: frozenset[str] = frozenset(
    {"10-Q", "10-Q/A", "10-K", "10-K/A", "10-KT", "10-KT/A", "10-QT", "10-QT/A"}
)

_QUARTER_DAYS = 365.25 / 4
_TOLERANCE_DAYS = 15
_PROVENANCE = ("period_start", "concept", "form", "accn", "derivation")
_CONTACT = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


# -- configuration ------------------------------------------------------------------------


def sec_user_agent(user_agent: str | None = None) -> str:
    """The SEC User-Agent: ``user_agent`` when given, else ``$SEC_USER_AGENT``.

    Raises
    ------
    DataError
        When none is set or it has no contact e-mail address; the message
        says how to set it and never repeats the value.
    """
    value = user_agent if user_agent is not None else os.environ.get(SEC_USER_AGENT_ENV, "")
    value = value.strip()
    how = (
        "SEC EDGAR requires a User-Agent that names you and a contact e-mail address, e.g. "
        "'Jane Doe jane.doe@example.com'. Set `data.sec_user_agent` in the config or the "
        f"environment variable {SEC_USER_AGENT_ENV} "
        f'(`export {SEC_USER_AGENT_ENV}="Your Name you@example.com"`).'
    )
    if not value:
        raise DataError(f"no SEC User-Agent is set. {how}")
    if not _CONTACT.search(value):
        raise DataError(f"the SEC User-Agent that is set has no contact e-mail address. {how}")
    return value


def parse_company_tickers(payload: Any) -> dict[str, int]:
    """Ticker -> CIK from ``company_tickers.json`` (pure).

    Parameters
    ----------
    payload : mapping
        ``{"0": {"cik_str": 320193, "ticker": "AAPL", "title": "Apple Inc."}, ...}``.

    Returns
    -------
    dict of str to int
        Upper-case tickers (SEC spelling, ``BRK-B``).

    Examples
    --------
    >>> parse_company_tickers({"0": {"cik_str": 320193, "ticker": "AAPL", "title": "Apple Inc."}})
    {'AAPL': 320193}
    """
    if not isinstance(payload, Mapping):
        raise DataError(f"{COMPANY_TICKERS_URL}: malformed ticker list (expected a JSON object).")
    tickers: dict[str, int] = {}
    for entry in payload.values():
        try:
            tickers[str(entry["ticker"]).strip().upper()] = int(entry["cik_str"])
        except (KeyError, TypeError, ValueError):
            raise DataError(
                f"{COMPANY_TICKERS_URL}: malformed entry {str(entry)[:80]!r}; expected "
                "`cik_str` and `ticker`."
            ) from None
    return tickers


# -- parsing ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fact:
    """One duration fact of ``companyfacts`` as filed.

    Attributes
    ----------
    concept : str
        As named in :data:`METRIC_CONCEPTS` (``"Revenues"``, ``"ifrs-full:Revenue"``).
    start, end : Timestamp
        The period, both days included.
    value : float
    accn, form : str
        The filing that reported it.
    filed : Timestamp
        The filing date.
    quarters : int
        How many quarters the period spans (1..4).
    """

    concept: str
    start: pd.Timestamp
    end: pd.Timestamp
    value: float
    accn: str
    form: str
    filed: pd.Timestamp
    quarters: int


def _quarters_spanned(start: pd.Timestamp, end: pd.Timestamp) -> int | None:
    days = (end - start).days + 1
    count = round(days / _QUARTER_DAYS)
    if 1 <= count <= 4 and abs(days - count * _QUARTER_DAYS) <= _TOLERANCE_DAYS:
        return int(count)
    return None


def _concept_node(facts: Mapping, concept: str) -> Mapping | None:
    taxonomy, _, name = concept.rpartition(":")
    node = facts.get(taxonomy or "us-gaap", {})
    return node.get(name) if isinstance(node, Mapping) else None


def _date(entry: Mapping, key: str, where: str) -> pd.Timestamp:
    text = str(entry.get(key, ""))
    if not _DATE.fullmatch(text):
        raise DataError(f"{where}: a fact has an unparsable `{key}` {text!r} ({str(entry)[:120]}).")
    return pd.Timestamp(text)


def parse_companyfacts(
    payload: Any, concepts: Iterable[str], where: str = "companyfacts"
) -> list[Fact]:
    """The USD duration facts of ``concepts`` from periodic reports (pure).

    Parameters
    ----------
    payload : mapping
        A ``companyfacts`` JSON document.
    concepts : iterable of str
        Concept names; ``"taxonomy:Name"`` for another taxonomy than us-gaap.
    where : str
        The company, for messages.

    Returns
    -------
    list of Fact
        In payload order; concepts absent from the payload contribute none.

    Raises
    ------
    DataError
        When the payload has no ``facts`` object, or a used fact lacks
        ``end``/``filed``/``val``/``accn`` or has an unparsable date or value.
    """
    if not isinstance(payload, Mapping) or not isinstance(payload.get("facts"), Mapping):
        raise DataError(
            f"{where}: malformed companyfacts payload: expected a JSON object with a `facts` "
            "object (https://data.sec.gov/api/xbrl/companyfacts/CIK##########.json)."
        )
    facts: list[Fact] = []
    for concept in dict.fromkeys(concepts):
        node = _concept_node(payload["facts"], concept)
        if not isinstance(node, Mapping):
            continue
        entries = (node.get("units") or {}).get("USD", [])
        for entry in entries if isinstance(entries, list) else []:
            if not isinstance(entry, Mapping):
                raise DataError(f"{where}: malformed fact {str(entry)[:80]!r} in {concept}.")
            if entry.get("form") not in PERIODIC_FORMS or "start" not in entry:
                continue
            label = f"{where} {concept}"
            start, end = _date(entry, "start", label), _date(entry, "end", label)
            filed = _date(entry, "filed", label)
            quarters = _quarters_spanned(start, end)
            if quarters is None:
                continue
            try:
                value = float(entry["val"])
                accn = str(entry["accn"])
            except (KeyError, TypeError, ValueError):
                raise DataError(
                    f"{label}: a fact has no numeric `val` or no `accn` ({str(entry)[:120]})."
                ) from None
            facts.append(
                Fact(concept, start, end, value, accn, str(entry["form"]), filed, quarters)
            )
    return facts


# -- the replay ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Quarter:
    value: float
    start: pd.Timestamp
    concept: str
    source: Fact  # the latest filed input
    derivation: str


def _concept_quarters(known: Iterable[Fact]) -> dict[pd.Timestamp, _Quarter]:
    """Quarter end -> value from one concept's known facts (direct 3-month first)."""
    direct: dict[pd.Timestamp, Fact] = {}
    by_start: dict[pd.Timestamp, list[Fact]] = {}
    for fact in known:
        by_start.setdefault(fact.start, []).append(fact)
        if fact.quarters == 1:
            held = direct.get(fact.end)
            if held is None or (fact.filed, fact.accn) > (held.filed, held.accn):
                direct[fact.end] = fact
    quarters = {
        end: _Quarter(f.value, f.start, f.concept, f, "reported") for end, f in direct.items()
    }
    derived: dict[pd.Timestamp, _Quarter] = {}
    for group in by_start.values():
        for fact in group:
            if fact.quarters == 1:
                continue
            shorter = [p for p in group if p.quarters == fact.quarters - 1 and p.end < fact.end]
            if not shorter:
                continue
            prior = max(shorter, key=lambda p: p.end)
            if not 75 <= (fact.end - prior.end).days <= 105:
                continue
            source = max((fact, prior), key=lambda f: (f.filed, f.accn))
            candidate = _Quarter(
                fact.value - prior.value,
                prior.end + pd.Timedelta(days=1),
                fact.concept,
                source,
                "ytd_difference",
            )
            held_quarter = derived.get(fact.end)
            if held_quarter is None or (source.filed, source.accn) > (
                held_quarter.source.filed,
                held_quarter.source.accn,
            ):
                derived[fact.end] = candidate
    return {**derived, **quarters}  # a reported 3-month fact wins


def quarterly_vintages(facts: Iterable[Fact], concepts: Sequence[str]) -> pd.DataFrame:
    """Replay filings in filed order into a vintage frame of quarterly values (pure).

    Parameters
    ----------
    facts : iterable of Fact
        As :func:`parse_companyfacts` returns them.
    concepts : sequence of str
        Priority order: each quarter takes the first concept with a value.

    Returns
    -------
    DataFrame of shape (n_vintages, 8)
        A vintage frame: ``observed`` (quarter end), ``published`` (filed
        date at which this value became the quarter's value), ``value``;
        provenance ``period_start`` (quarter start), ``concept``, ``form``
        and ``accn`` (the latest filed input), ``derivation`` (``"reported"``
        for a 3-month fact, ``"ytd_difference"`` for a difference of
        year-to-date facts). A row only where a quarter's value appears or
        changes.

    Examples
    --------
    >>> def fact(start, end, value, filed, quarters):
    ...     return Fact("C", pd.Timestamp(start), pd.Timestamp(end), value, filed, "10-Q",
    ...                 pd.Timestamp(filed), quarters)
    >>> facts = [fact("2024-01-01", "2024-03-31", 10.0, "2024-05-01", 1),
    ...          fact("2024-01-01", "2024-06-30", 25.0, "2024-08-01", 2)]
    >>> quarters = quarterly_vintages(facts, ["C"])
    >>> quarters["observed"].dt.strftime("%Y-%m-%d").tolist()
    ['2024-03-31', '2024-06-30']
    >>> quarters[["value", "derivation"]].values.tolist()
    [[10.0, 'reported'], [15.0, 'ytd_difference']]
    """
    rank = {concept: number for number, concept in enumerate(dict.fromkeys(concepts))}
    ordered = sorted((f for f in facts if f.concept in rank), key=lambda f: (f.filed, f.accn))
    known: dict[str, dict[tuple[pd.Timestamp, pd.Timestamp], Fact]] = {c: {} for c in rank}
    emitted: dict[pd.Timestamp, float] = {}
    rows: list[dict] = []
    for filed, batch in groupby(ordered, key=lambda f: f.filed):
        for fact in batch:  # same day: the later accession number wins
            known[fact.concept][(fact.start, fact.end)] = fact
        best: dict[pd.Timestamp, _Quarter] = {}
        for concept in sorted(rank, key=rank.__getitem__, reverse=True):  # first concept wins
            best.update(_concept_quarters(known[concept].values()))
        for end in sorted(best):
            quarter = best[end]
            if emitted.get(end) == quarter.value:
                continue
            emitted[end] = quarter.value
            rows.append(
                {
                    "observed": end,
                    "published": filed,
                    "value": quarter.value,
                    "period_start": quarter.start,
                    "concept": quarter.concept,
                    "form": quarter.source.form,
                    "accn": quarter.source.accn,
                    "derivation": quarter.derivation,
                }
            )
    frame = pd.DataFrame(rows, columns=["observed", "published", "value", *_PROVENANCE])
    frame["period_start"] = pd.to_datetime(frame["period_start"]).astype("datetime64[ns]")
    for column in ("concept", "form", "accn", "derivation"):
        frame[column] = frame[column].astype(str)
    return check_vintage_frame(frame, where="SEC quarterly vintages")


def companyfacts_vintages(
    payload: Any, concepts: Sequence[str], where: str = "companyfacts"
) -> pd.DataFrame:
    """Quarterly vintage frame of ``concepts`` from one ``companyfacts`` payload (pure).

    Parameters
    ----------
    payload : mapping
    concepts : sequence of str
        Priority order.
    where : str
        The company and metric, for messages.

    Returns
    -------
    DataFrame of shape (n_vintages, 8)
        As :func:`quarterly_vintages`.

    Raises
    ------
    DataError
        When no fact of any concept is found, or no quarter can be derived.
    """
    facts = parse_companyfacts(payload, concepts, where)
    if not facts:
        raise DataError(
            f"{where}: the company reports none of {', '.join(concepts)} in its 10-Q/10-K "
            "filings (USD durations). It may tag this metric with another concept: pass "
            "`concepts=` to SecProvider, or drop the ticker."
        )
    frame = quarterly_vintages(facts, concepts)
    if frame.empty:
        raise DataError(
            f"{where}: no quarter can be derived from {len(facts)} facts of "
            f"{', '.join(concepts)} (no 3-month facts and no consecutive year-to-date facts)."
        )
    return frame


# -- the provider ---------------------------------------------------------------------------


class SecProvider:
    """Quarterly fundamentals from SEC EDGAR as vintage frames.

    Parameters
    ----------
    user_agent : str, optional
        Contact User-Agent (``"Jane Doe jane@example.com"``); default
        ``$SEC_USER_AGENT``. Checked on the first request. Never printed.
    session : HttpSession, optional
        Default: a session limited to :data:`SEC_MAX_REQUESTS_PER_SECOND`.
        An injected session without a rate limiter is copied with one (same
        transport, policy and sleep).
    cache : ParquetCache, optional
        When given, vintage frames are cached under ``<cache>/sec/``.
    concepts : mapping of str to sequence of str, optional
        Extra or replacement metrics (``{"capex": ("MyConcept", ...)}``).

    Examples
    --------
    >>> provider = SecProvider(user_agent="Jane Doe jane@example.com")  # doctest: +SKIP
    >>> capex = provider.fetch_vintages("AMZN", "capex", "2015-01-01",
    ...                                 "2024-12-31")  # doctest: +SKIP
    """

    name = "sec"

    def __init__(
        self,
        user_agent: str | None = None,
        session: HttpSession | None = None,
        cache: ParquetCache | None = None,
        concepts: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        if session is None:
            session = HttpSession(rate_limiter=RateLimiter(SEC_MAX_REQUESTS_PER_SECOND))
        elif session.rate_limiter is None:
            session = dataclasses.replace(
                session, rate_limiter=RateLimiter(SEC_MAX_REQUESTS_PER_SECOND, sleep=session.sleep)
            )
        self.session = session
        self.cache = cache
        self.concepts = {**METRIC_CONCEPTS, **{k: tuple(v) for k, v in (concepts or {}).items()}}
        self._user_agent = user_agent
        self._tickers: dict[str, int] | None = None
        self._facts: dict[int, Any] = {}

    def __repr__(self) -> str:  # never show the User-Agent
        return f"SecProvider(cache={self.cache!r}, metrics={sorted(self.concepts)})"

    def _get_json(self, url: str, what: str) -> Any:
        headers = {"User-Agent": sec_user_agent(self._user_agent), "Accept": "application/json"}
        try:
            return self.session.get_json(url, what=what, headers=headers)
        except HttpError as error:
            if error.status == 403:
                raise DataError(
                    f"SEC EDGAR refused {what} (HTTP 403). It blocks requests without a "
                    "descriptive User-Agent ('Name email@domain') and clients above 10 requests "
                    "per second: check `data.sec_user_agent` / SEC_USER_AGENT, wait a few "
                    "minutes and try again."
                ) from None
            raise

    def cik(self, ticker: str) -> int:
        """The CIK of ``ticker``: :data:`KNOWN_CIKS`, else SEC's ticker list (one request)."""
        symbol = ticker.strip().upper()
        if symbol in KNOWN_CIKS:
            return KNOWN_CIKS[symbol]
        if self._tickers is None:
            self._tickers = parse_company_tickers(
                self._get_json(COMPANY_TICKERS_URL, "the SEC ticker list")
            )
        for spelling in (symbol, symbol.replace(".", "-")):
            if spelling in self._tickers:
                return self._tickers[spelling]
        raise DataError(
            f"SEC EDGAR has no ticker {ticker!r} in {COMPANY_TICKERS_URL}: it is not a current "
            "SEC filer's ticker (foreign, delisted or renamed?). Fix the ticker."
        )

    def company_facts(self, ticker: str) -> Any:
        """The ``companyfacts`` JSON of ``ticker`` (one request per company and provider)."""
        cik = self.cik(ticker)
        if cik not in self._facts:
            what = f"SEC company facts of {ticker.strip().upper()} (CIK {cik:010d})"
            try:
                self._facts[cik] = self._get_json(COMPANYFACTS_URL.format(cik=cik), what)
            except HttpError as error:
                if error.status == 404:
                    raise DataError(
                        f"SEC EDGAR has no XBRL company facts for {what}: the company files no "
                        "XBRL financial statements. Drop the ticker."
                    ) from None
                raise
        return self._facts[cik]

    def _vintages(self, ticker: str, metric: str) -> pd.DataFrame:
        where = f"SEC {ticker.strip().upper()} {metric}"
        return companyfacts_vintages(self.company_facts(ticker), self.concepts[metric], where)

    def fetch_vintages(self, ticker: str, metric: str, start: str, end: str) -> pd.DataFrame:
        """Quarterly vintages of ``metric`` for ``ticker``, observed in ``[start, end]``.

        Parameters
        ----------
        ticker : str
            ``"AMZN"``, or any ticker in SEC's list.
        metric : str
            A key of :data:`METRIC_CONCEPTS` (or of ``concepts=``).
        start, end : str
            Inclusive ISO dates on the quarter ends; every vintage of those
            quarters is returned, whatever its published date.

        Returns
        -------
        DataFrame of shape (n_vintages, 8)
            As :func:`quarterly_vintages`.

        Raises
        ------
        DataError
            Unknown metric or ticker, no User-Agent, a refused request, a
            company that does not report the metric, exhausted retries.
        """
        if metric not in self.concepts:
            raise DataError(
                f"unknown SEC metric {metric!r}; allowed: {', '.join(sorted(self.concepts))}."
            )
        symbol = f"{ticker.strip().upper()}.{metric}"
        if self.cache is not None:
            frames = self.cache.get_vintages(
                self.name,
                [symbol],
                start,
                end,
                lambda missing: {s: self._vintages(ticker, metric) for s in missing},
            )
            return frames[symbol]
        frame = self._vintages(ticker, metric)
        inside = (frame["observed"] >= pd.Timestamp(start)) & (
            frame["observed"] <= pd.Timestamp(end)
        )
        return frame.loc[inside].reset_index(drop=True)
