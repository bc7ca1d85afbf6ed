"""SEC EDGAR fundamentals: companyfacts payloads in their real JSON shape, an injected transport.

Every payload is built in companyfacts' format (``cik``, ``entityName``,
``facts`` -> taxonomy -> concept -> ``label``/``description``/``units`` ->
``USD`` -> facts with ``start``, ``end``, ``val``, ``accn``, ``fy``, ``fp``,
``form``, ``filed`` and sometimes ``frame``). Values are illustrative, in
millions of dollars; dates follow each company's real fiscal calendar.
"""

import json
import logging
import traceback

import pandas as pd
import pytest
import requests
from provider_fakes import FakeClock, FakeResponse, FakeTransport, RoutedTransport, SleepRecorder

from data import DataError
from data.cache import ParquetCache
from data.http import HttpError, HttpSession, RateLimiter, RetryPolicy
from data.sec import (
    COMPANY_TICKERS_URL,
    COMPANYFACTS_URL,
    KNOWN_CIKS,
    METRIC_CONCEPTS,
    SEC_USER_AGENT_ENV,
    SecProvider,
    companyfacts_vintages,
    parse_companyfacts,
    quarterly_vintages,
    sec_user_agent,
)

AGENT = "Quant Desk research.desk@example.com"
PPE = "PaymentsToAcquirePropertyPlantAndEquipment"
PRODUCTIVE = "PaymentsToAcquireProductiveAssets"
ASC606 = "RevenueFromContractWithCustomerExcludingAssessedTax"
M = 1_000_000


def usd(start, end, val, accn, filed, form="10-Q", fp="Q1", frame=None):
    """One fact as companyfacts lists it (``fy`` is the filing's fiscal year, not the period's)."""
    entry = {
        "start": start,
        "end": end,
        "val": int(val * M),
        "accn": accn,
        "fy": int(filed[:4]),
        "fp": fp,
        "form": form,
        "filed": filed,
    }
    if frame:
        entry["frame"] = frame
    return entry


def companyfacts(cik, name, concepts):
    return {
        "cik": cik,
        "entityName": name,
        "facts": {
            "dei": {
                "EntityCommonStockSharesOutstanding": {
                    "label": "Entity Common Stock, Shares Outstanding",
                    "description": "...",
                    "units": {
                        "shares": [
                            {
                                "end": "2024-04-19",
                                "val": 7431000000,
                                "accn": "0000000000-24-000001",
                                "fy": 2024,
                                "fp": "Q3",
                                "form": "10-Q",
                                "filed": "2024-04-25",
                            }
                        ]
                    },
                }
            },
            "us-gaap": {
                concept: {
                    "label": concept,
                    "description": f"The {concept} element.",
                    "units": {"USD": entries},
                }
                for concept, entries in concepts.items()
            },
        },
    }


def rows(frame, observed):
    """(published, value in millions, derivation) of every vintage of one quarter."""
    picked = frame.loc[frame["observed"] == pd.Timestamp(observed)]
    return [
        (p.strftime("%Y-%m-%d"), v / M, d)
        for p, v, d in zip(picked["published"], picked["value"], picked["derivation"], strict=True)
    ]


@pytest.fixture(autouse=True)
def no_network_and_no_agent(monkeypatch):
    import data.http

    def refuse():
        raise AssertionError("a test tried to open a real network session")

    monkeypatch.setattr(data.http, "_default_transport", refuse)
    monkeypatch.delenv(SEC_USER_AGENT_ENV, raising=False)


# -- fixtures in each company's real calendar --------------------------------------------

#: Meta-like calendar year, capex only year-to-date (cash-flow statement).
META_2023 = [
    usd("2023-01-01", "2023-03-31", 6842, "0001326801-23-000048", "2023-04-27", fp="Q1"),
    usd("2023-01-01", "2023-06-30", 13057, "0001326801-23-000067", "2023-07-27", fp="Q2"),
    usd("2023-01-01", "2023-09-30", 19612, "0001326801-23-000093", "2023-10-26", fp="Q3"),
    usd(
        "2023-01-01",
        "2023-12-31",
        27266,
        "0001326801-24-000012",
        "2024-02-02",
        "10-K",
        "FY",
        frame="CY2023",
    ),
]

#: Microsoft: fiscal year July-June; each 10-Q also carries the prior year's YTD.
MSFT_FY2024 = [
    usd("2023-07-01", "2023-09-30", 9917, "0000950170-23-054855", "2023-10-24"),
    usd("2022-07-01", "2022-09-30", 6283, "0000950170-23-054855", "2023-10-24"),
    usd("2023-07-01", "2023-12-31", 19652, "0000950170-24-008814", "2024-01-30", fp="Q2"),
    usd("2022-07-01", "2022-12-31", 13057, "0000950170-24-008814", "2024-01-30", fp="Q2"),
    usd("2023-07-01", "2024-03-31", 30604, "0000950170-24-048288", "2024-04-25", fp="Q3"),
    usd("2023-07-01", "2024-06-30", 44477, "0000950170-24-087843", "2024-07-30", "10-K", "FY"),
    usd("2022-07-01", "2023-06-30", 28107, "0000950170-24-087843", "2024-07-30", "10-K", "FY"),
]


def meta_provider(facts=META_2023, concept=PPE, **kwargs):
    payload = companyfacts(1326801, "Meta Platforms, Inc.", {concept: facts})
    transport = RoutedTransport(
        {COMPANYFACTS_URL.format(cik=1326801): FakeResponse(200, json.dumps(payload))}
    )
    session = HttpSession(
        transport=transport, policy=RetryPolicy(attempts=2), sleep=SleepRecorder()
    )
    kwargs.setdefault("user_agent", AGENT)
    return SecProvider(session=session, **kwargs), transport


# -- de-cumulation ---------------------------------------------------------------------------


def test_year_to_date_facts_become_quarters_published_when_filed():
    provider, transport = meta_provider()
    frame = provider.fetch_vintages("META", "capex", "2023-01-01", "2023-12-31")
    assert list(frame.columns) == [
        "observed",
        "published",
        "value",
        "period_start",
        "concept",
        "form",
        "accn",
        "derivation",
    ]
    assert rows(frame, "2023-03-31") == [("2023-04-27", 6842.0, "reported")]
    assert rows(frame, "2023-06-30") == [("2023-07-27", 13057 - 6842.0, "ytd_difference")]
    assert rows(frame, "2023-09-30") == [("2023-10-26", 19612 - 13057.0, "ytd_difference")]
    assert rows(frame, "2023-12-31") == [("2024-02-02", 27266 - 19612.0, "ytd_difference")]
    q4 = frame.iloc[-1]
    assert (q4["period_start"], q4["form"], q4["accn"], q4["concept"]) == (
        pd.Timestamp("2023-10-01"),
        "10-K",
        "0001326801-24-000012",
        PPE,
    )
    assert frame["value"].sum() == 27266 * M  # the quarters add up to the fiscal year
    call = transport.calls[0]
    assert call["url"] == "https://data.sec.gov/api/xbrl/companyfacts/CIK0001326801.json"


def test_a_june_fiscal_year_works_and_a_quarter_waits_for_its_later_input():
    payload = companyfacts(789019, "MICROSOFT CORPORATION", {PPE: MSFT_FY2024})
    frame = companyfacts_vintages(payload, METRIC_CONCEPTS["capex"], "MSFT capex")
    assert rows(frame, "2023-09-30") == [("2023-10-24", 9917.0, "reported")]
    assert rows(frame, "2023-12-31") == [("2024-01-30", 9735.0, "ytd_difference")]
    assert rows(frame, "2024-03-31") == [("2024-04-25", 10952.0, "ytd_difference")]
    assert rows(frame, "2024-06-30") == [("2024-07-30", 13873.0, "ytd_difference")]
    q4 = frame.loc[frame["observed"] == "2024-06-30"].iloc[0]
    assert q4["period_start"] == pd.Timestamp("2024-04-01")
    # FY2023's Q2 needs H1 (filed 2024-01-30) and Q1 (filed 2023-10-24): the later one.
    assert rows(frame, "2022-12-31") == [("2024-01-30", 13057 - 6283.0, "ytd_difference")]
    # FY2023's Q3 and Q4 need a 9M fact that no filing here has: absent, never guessed.
    assert pd.Timestamp("2023-03-31") not in set(frame["observed"])
    assert pd.Timestamp("2023-06-30") not in set(frame["observed"])


def test_a_directly_reported_three_month_fact_wins_over_the_difference():
    facts = [
        usd("2024-01-01", "2024-03-31", 140, "a1", "2024-05-01"),
        usd("2024-04-01", "2024-06-30", 151, "a2", "2024-08-01", fp="Q2"),  # three months
        usd("2024-01-01", "2024-06-30", 290, "a2", "2024-08-01", fp="Q2"),  # six months
    ]
    frame = companyfacts_vintages(companyfacts(1, "X", {ASC606: facts}), [ASC606])
    assert rows(frame, "2024-06-30") == [("2024-08-01", 151.0, "reported")]


def test_other_lengths_and_forms_are_ignored():
    facts = [
        *META_2023,
        usd("2023-01-01", "2023-01-31", 999, "x1", "2023-02-15"),  # one month
        usd("2023-01-01", "2023-02-28", 998, "x4", "2023-03-15"),  # two months: not a quarter
        usd("2023-01-01", "2023-08-31", 997, "x5", "2023-09-15"),  # eight months
        usd("2023-04-01", "2023-06-30", 888, "x2", "2023-05-02", form="8-K"),  # not periodic
        {
            "end": "2023-03-31",
            "val": 5,
            "accn": "x3",
            "fy": 2023,
            "fp": "Q1",
            "form": "10-Q",
            "filed": "2023-04-27",
        },  # an instant
    ]
    parsed = parse_companyfacts(companyfacts(1, "X", {PPE: facts}), [PPE])
    assert [f.accn for f in parsed] == [f["accn"] for f in META_2023]
    assert [f.quarters for f in parsed] == [1, 2, 3, 4]


# -- point in time ---------------------------------------------------------------------------

AMENDED_Q1 = usd(
    "2024-01-01", "2024-03-31", 110, "0000000001-24-000050", "2024-09-15", form="10-Q/A"
)
YEAR_2024 = [
    usd("2024-01-01", "2024-03-31", 100, "0000000001-24-000010", "2024-05-01"),
    usd("2024-01-01", "2024-06-30", 250, "0000000001-24-000030", "2024-08-01", fp="Q2"),
]


def test_an_amendment_is_a_later_vintage_and_changes_nothing_before_it():
    original = quarterly_vintages(
        parse_companyfacts(companyfacts(1, "X", {PPE: YEAR_2024}), [PPE]), [PPE]
    )
    amended = quarterly_vintages(
        parse_companyfacts(companyfacts(1, "X", {PPE: [*YEAR_2024, AMENDED_Q1]}), [PPE]), [PPE]
    )
    assert rows(amended, "2024-03-31") == [
        ("2024-05-01", 100.0, "reported"),
        ("2024-09-15", 110.0, "reported"),
    ]
    assert rows(amended, "2024-06-30") == [
        ("2024-08-01", 150.0, "ytd_difference"),
        ("2024-09-15", 140.0, "ytd_difference"),
    ]
    before = amended.loc[amended["published"] < "2024-09-15"].reset_index(drop=True)
    pd.testing.assert_frame_equal(before, original)
    late = amended.loc[amended["published"] == "2024-09-15"]
    assert set(late["form"]) == {"10-Q/A"} and set(late["accn"]) == {AMENDED_Q1["accn"]}


def test_duplicates_in_later_filings_add_no_vintage_but_a_restatement_does():
    repeats = [
        # Next year's Q1 10-Q and 10-K repeat 2023's numbers as comparatives ...
        usd("2023-01-01", "2023-03-31", 6842, "0001326801-24-000049", "2024-04-25"),
        usd("2023-01-01", "2023-12-31", 27266, "0001326801-25-000017", "2025-01-30", "10-K", "FY"),
        usd("2023-01-01", "2023-06-30", 13057, "0001326801-24-000069", "2024-07-31", fp="Q2"),
    ]
    frame = companyfacts_vintages(companyfacts(1, "X", {PPE: [*META_2023, *repeats]}), [PPE])
    assert frame.groupby("observed").size().tolist() == [1, 1, 1, 1]
    # ... and one that restates the first half changes Q2 and Q3 from its filed date only.
    restated = usd("2023-01-01", "2023-06-30", 13157, "0001326801-24-000070", "2024-07-31", fp="Q2")
    frame = companyfacts_vintages(companyfacts(1, "X", {PPE: [*META_2023, restated]}), [PPE])
    assert rows(frame, "2023-06-30")[-1] == ("2024-07-31", 13157 - 6842.0, "ytd_difference")
    assert rows(frame, "2023-09-30")[-1] == ("2024-07-31", 19612 - 13157.0, "ytd_difference")
    assert len(rows(frame, "2023-03-31")) == 1 and len(rows(frame, "2023-12-31")) == 1


def test_a_concept_switch_is_combined_per_quarter_in_priority_order():
    old = "SalesRevenueNet"
    facts_2017 = [
        usd("2017-01-01", "2017-03-31", 100, "r17-1", "2017-05-01"),
        usd("2017-04-01", "2017-06-30", 110, "r17-2", "2017-08-01", fp="Q2"),
        usd("2017-01-01", "2017-06-30", 210, "r17-2", "2017-08-01", fp="Q2"),
        usd("2017-01-01", "2017-12-31", 460, "r17-k", "2018-02-15", "10-K", "FY"),
        usd("2017-01-01", "2017-09-30", 330, "r17-3", "2017-11-01", fp="Q3"),
    ]
    facts_2018 = [  # ASC 606 from 2018, with 2017 comparatives re-tagged
        usd("2018-01-01", "2018-03-31", 140, "r18-1", "2018-05-01"),
        usd("2017-01-01", "2017-03-31", 100, "r18-1", "2018-05-01"),  # same value: no vintage
        usd("2018-04-01", "2018-06-30", 150, "r18-2", "2018-08-01", fp="Q2"),
        usd("2017-04-01", "2017-06-30", 112, "r18-2", "2018-08-01", fp="Q2"),  # restated
    ]
    payload = companyfacts(1, "X", {old: facts_2017, ASC606: facts_2018})
    frame = companyfacts_vintages(payload, METRIC_CONCEPTS["revenue"], "X revenue")
    assert rows(frame, "2017-03-31") == [("2017-05-01", 100.0, "reported")]
    assert rows(frame, "2017-06-30") == [
        ("2017-08-01", 110.0, "reported"),
        ("2018-08-01", 112.0, "reported"),
    ]
    assert rows(frame, "2017-12-31") == [("2018-02-15", 130.0, "ytd_difference")]
    concept = frame.set_index(["observed", "published"])["concept"]
    assert concept[(pd.Timestamp("2017-06-30"), pd.Timestamp("2017-08-01"))] == old
    assert concept[(pd.Timestamp("2017-06-30"), pd.Timestamp("2018-08-01"))] == ASC606
    assert concept[(pd.Timestamp("2018-06-30"), pd.Timestamp("2018-08-01"))] == ASC606
    # Never a difference across concepts: H1 (old) - Q1 (new) would be another number.
    assert set(frame["concept"]) == {old, ASC606}


def test_amazon_capex_falls_back_to_productive_assets():
    provider, _ = meta_provider(concept=PRODUCTIVE)
    frame = provider.fetch_vintages("META", "capex", "2023-01-01", "2023-12-31")
    assert set(frame["concept"]) == {PRODUCTIVE} and len(frame) == 4


def test_a_fallback_concept_only_fills_quarters_the_first_one_lacks():
    acquisitions = [
        usd(f["start"], f["end"], 1, f"acq-{i}", f["filed"], f["form"])
        for i, f in enumerate(META_2023)
    ]  # McDonald's tags acquisitions so
    payload = companyfacts(1, "X", {PPE: META_2023, PRODUCTIVE: acquisitions})
    frame = companyfacts_vintages(payload, METRIC_CONCEPTS["capex"])
    assert set(frame["concept"]) == {PPE} and len(frame) == 4
    payload = companyfacts(1, "X", {PPE: META_2023[1:], PRODUCTIVE: acquisitions})
    frame = companyfacts_vintages(payload, METRIC_CONCEPTS["capex"])
    by_quarter = frame.groupby("observed")["concept"].last()
    assert by_quarter.tolist() == [PRODUCTIVE, PRODUCTIVE, PPE, PPE]


def test_two_filings_on_one_day_publish_one_vintage_from_the_later_accession():
    facts = [
        usd("2024-01-01", "2024-03-31", 105, "0000000001-24-000011", "2024-05-01", form="10-Q/A"),
        usd("2024-01-01", "2024-03-31", 100, "0000000001-24-000010", "2024-05-01"),
    ]
    frame = companyfacts_vintages(companyfacts(1, "X", {PPE: facts}), [PPE])
    assert rows(frame, "2024-03-31") == [("2024-05-01", 105.0, "reported")]
    assert frame["accn"].tolist() == ["0000000001-24-000011"]


ALL_FACTS = [
    *MSFT_FY2024,
    *YEAR_2024,
    AMENDED_Q1,
    usd("2024-01-01", "2024-09-30", 420, "0000000001-24-000060", "2024-10-30", fp="Q3"),
    usd("2024-07-01", "2024-09-30", 171, "0000000001-24-000060", "2024-10-30", fp="Q3"),
]


def test_every_prefix_of_the_filings_gives_exactly_the_rows_published_by_then():
    """Causality: replaying the filings up to t equals the full replay cut at t, for every t."""
    parsed = parse_companyfacts(companyfacts(1, "X", {PPE: ALL_FACTS}), [PPE])
    full = quarterly_vintages(parsed, [PPE])
    for filed in sorted({f.filed for f in parsed}):
        prefix = quarterly_vintages([f for f in parsed if f.filed <= filed], [PPE])
        cut = full.loc[full["published"] <= filed].reset_index(drop=True)
        pd.testing.assert_frame_equal(prefix, cut)
    assert (full["published"] >= full["observed"]).all()  # never known before the quarter ends


def test_fact_order_in_the_payload_does_not_matter():
    parsed = parse_companyfacts(companyfacts(1, "X", {PPE: ALL_FACTS}), [PPE])
    pd.testing.assert_frame_equal(
        quarterly_vintages(parsed[::-1], [PPE]), quarterly_vintages(parsed, [PPE])
    )


# -- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "payload, fragment",
    [
        ([], "expected a JSON object with a `facts` object"),
        ({"cik": 1, "entityName": "X"}, "expected a JSON object with a `facts` object"),
        (companyfacts(1, "X", {PPE: [{**META_2023[0], "end": "2023-3-31"}]}), "unparsable `end`"),
        (companyfacts(1, "X", {PPE: [{**META_2023[0], "val": "n/a"}]}), "no numeric `val`"),
        (companyfacts(1, "X", {"Revenues": META_2023}), "reports none of"),
        (companyfacts(1, "X", {PPE: [META_2023[1]]}), "no quarter can be derived"),
    ],
)
def test_bad_payloads_are_clear_errors(payload, fragment):
    with pytest.raises(DataError, match="ACME capex") as error:
        companyfacts_vintages(payload, [PPE], "ACME capex")
    assert fragment in str(error.value)


def test_unknown_metric_lists_the_allowed_ones():
    provider, transport = meta_provider()
    with pytest.raises(DataError, match="allowed: capex, operating_cash_flow, revenue"):
        provider.fetch_vintages("META", "ebitda", "2023-01-01", "2023-12-31")
    assert transport.calls == []


def test_missing_or_contactless_user_agent_says_how_to_set_it_without_a_request():
    provider, transport = meta_provider(user_agent=None)
    with pytest.raises(DataError) as error:
        provider.fetch_vintages("META", "capex", "2023-01-01", "2023-12-31")
    message = str(error.value)
    assert "SEC_USER_AGENT" in message and "data.sec_user_agent" in message
    assert transport.calls == []
    with pytest.raises(DataError, match="no contact e-mail address") as error:
        sec_user_agent("SecretDeskName-42")
    assert "SecretDeskName-42" not in str(error.value)


def test_the_user_agent_comes_from_the_argument_or_the_environment(monkeypatch):
    monkeypatch.setenv(SEC_USER_AGENT_ENV, " Env Desk env.desk@example.org ")
    assert sec_user_agent() == "Env Desk env.desk@example.org"
    assert sec_user_agent(AGENT) == AGENT
    provider, transport = meta_provider(user_agent=None)
    provider.fetch_vintages("META", "capex", "2023-01-01", "2023-12-31")
    assert transport.calls[0]["headers"]["User-Agent"] == "Env Desk env.desk@example.org"


def test_every_request_carries_the_user_agent_header():
    provider, transport = meta_provider()
    provider.fetch_vintages("META", "capex", "2023-01-01", "2023-12-31")
    provider.fetch_vintages("META", "capex", "2023-01-01", "2023-06-30")  # facts reused
    assert len(transport.calls) == 1
    assert transport.calls[0]["headers"] == {"User-Agent": AGENT, "Accept": "application/json"}


@pytest.mark.parametrize(
    "status, fragment",
    [
        (403, "blocks requests without a descriptive User-Agent"),
        (404, "has no XBRL company facts"),
    ],
)
def test_refusals_are_clear_errors_without_the_user_agent(status, fragment):
    transport = RoutedTransport(
        {
            COMPANYFACTS_URL.format(cik=1326801): FakeResponse(
                status, f"<html>denied for {AGENT}</html>"
            )
        }
    )
    provider = SecProvider(user_agent=AGENT, session=HttpSession(transport=transport))
    with pytest.raises(DataError, match=fragment) as error:
        provider.fetch_vintages("META", "capex", "2023-01-01", "2023-12-31")
    assert AGENT not in str(error.value) and "META" in str(error.value)
    assert len(transport.calls) == 1


def test_the_user_agent_never_reaches_logs_or_errors(caplog):
    down = requests.ConnectionError(f"connection reset (User-Agent: {AGENT})")
    transport = RoutedTransport({COMPANYFACTS_URL.format(cik=1326801): down})
    session = HttpSession(
        transport=transport, policy=RetryPolicy(attempts=3), sleep=SleepRecorder()
    )
    provider = SecProvider(user_agent=AGENT, session=session)
    with caplog.at_level(logging.DEBUG), pytest.raises(HttpError) as error:
        provider.fetch_vintages("META", "capex", "2023-01-01", "2023-12-31")
    assert len(transport.calls) == 3 and "retrying" in caplog.text
    for text in (str(error.value), caplog.text, "".join(traceback.format_exception(error.value))):
        assert AGENT not in text and "research.desk" not in text
    assert AGENT not in repr(provider)


# -- tickers and CIKs ------------------------------------------------------------------------

TICKERS = {
    "0": {"cik_str": 789019, "ticker": "MSFT", "title": "MICROSOFT CORP"},
    "1": {"cik_str": 1067983, "ticker": "BRK-B", "title": "BERKSHIRE HATHAWAY INC"},
    "2": {"cik_str": 1045810, "ticker": "NVDA", "title": "NVIDIA CORP"},
}


def test_known_tickers_need_no_lookup_and_others_use_the_sec_list():
    nvda = companyfacts(1045810, "NVIDIA CORP", {PPE: META_2023})
    transport = RoutedTransport(
        {
            COMPANY_TICKERS_URL: FakeResponse(200, json.dumps(TICKERS)),
            COMPANYFACTS_URL.format(cik=1045810): FakeResponse(200, json.dumps(nvda)),
        }
    )
    provider = SecProvider(user_agent=AGENT, session=HttpSession(transport=transport))
    assert {t: provider.cik(t) for t in KNOWN_CIKS} == KNOWN_CIKS
    assert transport.calls == []
    assert len(provider.fetch_vintages("nvda", "capex", "2023-01-01", "2023-12-31")) == 4
    assert provider.cik("BRK.B") == 1067983
    assert [c["url"] for c in transport.calls] == [
        COMPANY_TICKERS_URL,
        "https://data.sec.gov/api/xbrl/companyfacts/CIK0001045810.json",
    ]
    with pytest.raises(DataError, match="SEC EDGAR has no ticker 'ZZZZ'"):
        provider.cik("ZZZZ")
    assert len(transport.calls) == 2  # the list is fetched once


# -- the rate limit --------------------------------------------------------------------------


def test_rate_limiter_allows_n_per_sliding_second():
    clock = FakeClock()
    limiter = RateLimiter(10, clock=clock, sleep=clock.sleep)
    assert [limiter.acquire() for _ in range(10)] == [0.0] * 10
    clock.now += 0.25
    assert limiter.acquire() == pytest.approx(0.75)  # until the first is a second old
    clock.now += 0.5
    assert limiter.acquire() == 0.0  # the nine others are over a second old by now
    assert clock.waits == [pytest.approx(0.75)]


def test_rate_limiter_rejects_nonsense():
    with pytest.raises(ValueError):
        RateLimiter(0)


def test_the_session_takes_the_limiter_before_every_attempt_retries_included():
    clock = FakeClock()
    limiter = RateLimiter(1, clock=clock, sleep=clock.sleep)
    transport = FakeTransport(FakeResponse(503, "busy"), FakeResponse(200, "{}"), clock=clock)
    session = HttpSession(
        transport=transport,
        policy=RetryPolicy(attempts=2, backoff=0.0),
        sleep=clock.sleep,
        rate_limiter=limiter,
    )
    assert session.get_json("https://example.org/x", what="x") == {}
    assert [c["time"] - 1000.0 for c in transport.calls] == [0.0, 1.0]


def test_the_provider_never_sends_more_than_ten_requests_in_any_second():
    clock = FakeClock()
    tickers = {
        str(i): {"cik_str": 5000 + i, "ticker": f"T{i}", "title": f"T{i}"} for i in range(25)
    }
    routes = {COMPANY_TICKERS_URL: FakeResponse(200, json.dumps(tickers))}
    for i in range(25):
        routes[COMPANYFACTS_URL.format(cik=5000 + i)] = FakeResponse(
            200, json.dumps(companyfacts(5000 + i, f"T{i}", {PPE: META_2023}))
        )
    transport = RoutedTransport(routes, clock=clock)
    limiter = RateLimiter(10, clock=clock, sleep=clock.sleep)
    session = HttpSession(transport=transport, sleep=clock.sleep, rate_limiter=limiter)
    provider = SecProvider(user_agent=AGENT, session=session)
    for i in range(25):
        provider.fetch_vintages(f"T{i}", "capex", "2023-01-01", "2023-12-31")
    times = sorted(c["time"] for c in transport.calls)
    assert len(times) == 26
    assert max(sum(t <= u < t + 1.0 for u in times) for t in times) == 10
    assert times[-1] - times[0] >= 2.0


def test_a_provider_session_always_has_the_sec_rate_limit():
    assert SecProvider(user_agent=AGENT).session.rate_limiter.max_requests == 10
    transport = FakeTransport(FakeResponse(200, "{}"))
    injected = HttpSession(transport=transport, sleep=SleepRecorder())
    provider = SecProvider(user_agent=AGENT, session=injected)
    assert injected.rate_limiter is None  # the caller's session is not changed
    assert provider.session.rate_limiter.max_requests == 10
    assert provider.session.transport is transport and provider.session.sleep is injected.sleep


# -- the cache -------------------------------------------------------------------------------


def test_vintages_are_cached_as_parquet_without_the_user_agent(tmp_path):
    cache = ParquetCache(tmp_path)
    provider, transport = meta_provider(cache=cache)
    first = provider.fetch_vintages("META", "capex", "2023-01-01", "2023-12-31")
    offline = SecProvider(
        user_agent=AGENT,
        session=HttpSession(transport=RoutedTransport({})),
        cache=ParquetCache(tmp_path, mode="offline"),
    )
    again = offline.fetch_vintages("META", "capex", "2023-04-01", "2023-12-31")
    pd.testing.assert_frame_equal(again, first.iloc[1:].reset_index(drop=True))
    path = cache.vintages_path("sec", "META.capex")
    assert path.name == "META.capex.vintages.parquet"
    assert AGENT.encode() not in path.read_bytes() and b"research.desk" not in path.read_bytes()
    entry = cache.read_vintages("sec", "META.capex")
    assert set(entry[1]) == {
        "source",
        "symbol",
        "requested_start",
        "requested_end",
        "fetched_at",
        "rows",
        "versions",
        "kind",
        "columns",
    }
    assert len(transport.calls) == 1
