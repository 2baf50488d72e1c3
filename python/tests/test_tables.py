"""Tables through the Arrow C data interface, and the frames made of them: phone numbers as
E.164 text, times tz-aware, nulls that keep their type."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

import callsift

RESULTS_PARQUET = [t for t in callsift.TABLES if "/" not in t and t != "leads"]


def test_the_run_holds_every_always_written_table(inquiry: callsift.Case) -> None:
    held = inquiry.tables()
    # population_coverage is written only with [analysis] restrict_to_population.
    assert set(callsift.TABLES) - set(held) == {"population_coverage"}


@pytest.mark.parametrize("name", [t for t in RESULTS_PARQUET if t != "population_coverage"])
def test_a_results_table_is_its_parquet_file(inquiry: callsift.Case, name: str) -> None:
    ours = inquiry.table(name)
    theirs = pq.read_table(inquiry.path / "results" / f"{name}.parquet")
    assert ours.schema.names == theirs.schema.names
    assert ours.num_rows == theirs.num_rows
    assert ours.equals(theirs.cast(ours.schema))


def test_a_store_table_is_its_parts_in_case_order(inquiry: callsift.Case) -> None:
    calls = inquiry.table("store/calls")
    parts = pq.read_table(inquiry.path / "store" / "calls")
    assert calls.num_rows == parts.num_rows == sum(
        i["accepted"] for i in inquiry.manifest["inputs"] if i["kind"] == "calls"
    )
    assert calls.schema.field("called").type == pa.uint64()
    assert calls.schema.field("start").type == pa.timestamp("us", tz="UTC")
    # Case order: the files in the manifest's order, then their rows.
    order = {i["path"]: k for k, i in enumerate(inquiry.manifest["inputs"])}
    keys = [
        (order[f], r)
        for f, r in zip(calls["source_file"].to_pylist(), calls["source_row"].to_pylist())
    ]
    assert keys == sorted(keys)


def test_quarantine_and_duplicates_read(inquiry: callsift.Case) -> None:
    q = inquiry.table("store/quarantine")
    assert q.num_rows == sum(i["quarantined"] for i in inquiry.manifest["inputs"])
    d = inquiry.table("store/duplicates")
    assert d.num_rows == inquiry.figures["duplicates_removed"]


def test_leads_are_read_through_the_contract_from_their_csv(inquiry: callsift.Case) -> None:
    leads = inquiry.table("leads")
    assert leads.num_rows == inquiry.figures["leads"] > 0
    assert leads.schema.field("rank").type == pa.uint64()
    assert leads.schema.field("ln_p").type == pa.float64()
    assert leads.schema.field("spoofed_likely").type == pa.bool_()
    # The numbers as text, with their `+`, as in the CSV.
    text = pacsv.read_csv(
        inquiry.path / "results" / "leads.csv",
        convert_options=pacsv.ConvertOptions(column_types={"number": pa.string()}),
    )
    assert leads["number"].to_pylist() == text["number"].to_pylist()
    assert all(n.startswith("+") for n in leads["number"].to_pylist())
    # A lead is a row of `numbers`, with its rank.
    numbers = inquiry.table("numbers")
    rank = dict(zip(numbers["number"].to_pylist(), numbers["rank"].to_pylist()))
    for n, r in zip(leads["number"].to_pylist(), leads["rank"].to_pylist()):
        assert rank[n] == r


def test_an_unknown_table_is_a_value_error(inquiry: callsift.Case) -> None:
    with pytest.raises(ValueError, match='no table "nubmers"'):
        inquiry.table("nubmers")
    with pytest.raises(callsift.StoreError) as e:
        inquiry.table("population_coverage")
    assert e.value.file.endswith("population_coverage.parquet")


def test_arrow_turns_store_numbers_into_e164_text(inquiry: callsift.Case) -> None:
    raw = inquiry.table("store/calls")
    calls = inquiry.arrow("store/calls")
    assert calls.schema.field("called").type == pa.string()
    assert calls.schema.field("calling").type == pa.string()
    assert calls["called"].to_pylist() == ["+" + str(n) for n in raw["called"].to_pylist()]
    calling = raw["calling"].to_pylist()
    assert None in calling, "the fixture has blocked and invalid caller IDs"
    assert calls["calling"].to_pylist() == [None if n is None else f"+{n}" for n in calling]
    # The raw text of a caller ID is not a number column: kept as the carrier wrote it.
    assert calls["calling_raw"].equals(raw["calling_raw"])


def test_local_columns_are_the_utc_instant_in_the_cases_zone(inquiry: callsift.Case) -> None:
    assert inquiry.zone == inquiry.manifest["parameters"]["case"]["time_zone"]
    raw = inquiry.table("numbers")
    numbers = inquiry.arrow("numbers")
    local = numbers.schema.field("first_seen_local").type
    assert local == pa.timestamp("us", tz=inquiry.zone)
    # The same instants as the UTC column, and as the text the results hold.
    assert pc.cast(numbers["first_seen_local"], pa.timestamp("us", tz="UTC")).equals(
        raw["first_seen"]
    )
    parsed = pc.strptime(raw["first_seen_local"], format="%Y-%m-%dT%H:%M:%S%z", unit="us")
    assert pc.cast(parsed, pa.timestamp("us", tz="UTC")).equals(raw["first_seen"])


def test_tables_cross_without_a_copy(inquiry: callsift.Case) -> None:
    # pyarrow counts what its own memory pool allocates; buffers imported through the C data
    # interface stay the engine's and are not counted. A copy (or any serialisation) would be.
    before = pa.total_allocated_bytes()
    calls = inquiry.table("store/calls")
    grown = pa.total_allocated_bytes() - before
    assert calls.nbytes > 100_000
    assert grown < calls.nbytes // 100, (grown, calls.nbytes)
    # Converting does allocate (the E.164 text is new), which shows the count sees copies.
    before = pa.total_allocated_bytes()
    text = inquiry.arrow("store/calls")
    assert pa.total_allocated_bytes() - before >= text["called"].nbytes // 2
