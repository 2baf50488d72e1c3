"""pandas and Polars frames: the dtypes an analyst gets, and the joins they allow."""

from __future__ import annotations

import pandas as pd
import polars as pl
import pytest

import callsift


def is_utc(dtype) -> bool:
    return isinstance(dtype, pd.DatetimeTZDtype) and str(dtype.tz) == "UTC"


def test_pandas_store_numbers_are_e164_text(inquiry: callsift.Case) -> None:
    calls = inquiry.to_pandas("store/calls")
    assert calls["called"].dtype == pd.StringDtype()
    assert calls["calling"].dtype == pd.StringDtype()
    assert calls["called"].str.match(r"^\+[1-9][0-9]{7,14}$").all()
    # A blocked caller ID is NA, not NaN in a float column.
    blocked = calls["calling_status"] != "ok"
    assert blocked.any()
    assert calls.loc[blocked, "calling"].isna().all()
    assert calls.loc[~blocked, "calling"].str.startswith("+").all()
    assert is_utc(calls["start"].dtype)
    assert calls["duration_ms"].dtype == pd.Int64Dtype()
    assert calls["source_row"].dtype == pd.UInt64Dtype()


def test_pandas_results_types(inquiry: callsift.Case) -> None:
    numbers = inquiry.to_pandas("numbers")
    assert numbers["number"].dtype == pd.StringDtype()
    assert numbers["rank"].dtype == pd.UInt64Dtype()
    # A null rank stays an integer column with NA.
    assert numbers["rank_unexplained"].dtype == pd.UInt64Dtype()
    assert numbers["rank_unexplained"].isna().any()
    assert numbers["explained"].dtype == pd.BooleanDtype()
    assert is_utc(numbers["first_seen"].dtype)
    local = numbers["first_seen_local"].dtype
    assert isinstance(local, pd.DatetimeTZDtype) and str(local.tz) == inquiry.zone
    assert (numbers["first_seen_local"] == numbers["first_seen"]).all()
    assert numbers["ln_p"].dtype == "float64"


def test_pandas_merges_the_store_with_the_results(inquiry: callsift.Case) -> None:
    calls = inquiry.to_pandas("store/calls")
    numbers = inquiry.to_pandas("numbers")
    merged = calls.merge(numbers[["number", "rank"]], left_on="calling", right_on="number")
    # Every ranked number is a caller ID of the store: the join finds each of them.
    assert set(merged["number"]) == set(numbers["number"])
    # And `calls` counts the received calls among them (inside the orders window, to a
    # complainant in the orders), so a number's calls in the store are at least that many.
    per = merged.groupby("number").size()
    for n, c in zip(numbers["number"], numbers["calls"]):
        assert per[n] >= c


def test_pandas_leads_keep_their_plus(inquiry: callsift.Case) -> None:
    leads = inquiry.to_pandas("leads")
    assert len(leads) == inquiry.figures["leads"]
    assert leads["number"].dtype == pd.StringDtype()
    assert leads["number"].str.startswith("+").all()


def test_polars_types(inquiry: callsift.Case) -> None:
    calls = inquiry.to_polars("store/calls")
    assert calls.schema["called"] == pl.String
    assert calls.schema["calling"] == pl.String
    assert calls.schema["start"] == pl.Datetime("us", "UTC")
    numbers = inquiry.to_polars("numbers")
    assert numbers.schema["number"] == pl.String
    assert numbers.schema["first_seen_local"] == pl.Datetime("us", inquiry.zone)
    assert numbers.schema["rank_unexplained"] == pl.UInt64
    assert numbers["rank_unexplained"].null_count() > 0
    assert numbers.schema["districts"] == pl.List(pl.String)


def test_polars_joins_the_store_with_the_results(inquiry: callsift.Case) -> None:
    calls = inquiry.to_polars("store/calls")
    numbers = inquiry.to_polars("numbers")
    joined = calls.join(numbers.select("number", "rank"), left_on="calling", right_on="number")
    assert set(joined["calling"].unique()) == set(numbers["number"])


@pytest.mark.parametrize("name", ["attribution", "campaigns", "dossier", "derivations"])
def test_every_local_column_is_a_timestamp_in_the_zone(inquiry: callsift.Case, name: str) -> None:
    frame = inquiry.to_pandas(name)
    local = [c for c in frame.columns if c.endswith("_local")]
    assert local, name
    for c in local:
        dtype = frame[c].dtype
        assert isinstance(dtype, pd.DatetimeTZDtype) and str(dtype.tz) == inquiry.zone, c
