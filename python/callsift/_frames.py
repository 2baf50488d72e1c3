"""From the engine's Arrow tables to analysts' frames, without the usual traps.

The case store keeps a phone number as its E.164 digits in an unsigned 64-bit integer; the
results write it as E.164 text (``+16135550101``). Read as they are, the two do not join
(pandas refuses to merge ``uint64`` with text), a caller-ID column with nulls becomes
``float64`` in pandas, and a CSV reader turns ``+16135550101`` into a number without its ``+``.
Here:

- every phone-number column becomes E.164 text, null where there is no number;
- every time is a time-zone-aware timestamp: the UTC instants stay in UTC, and the results'
  ``*_local`` columns (text with an offset, ``2011-05-02T10:02:46-04:00``) become the same
  instant as a timestamp in the case's zone (``[case] time_zone``);
- in pandas, integers and flags with nulls keep their type (``UInt64``, ``boolean``, null as
  ``pd.NA``), text is ``string``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc

if TYPE_CHECKING:  # pragma: no cover
    import pandas
    import polars

#: The suffix of the results' local-time text columns; the UTC column is the name without it.
LOCAL = "_local"


def e164(column: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray | pa.Array:
    """E.164 digits (``uint64``) as E.164 text: ``16135550101`` -> ``"+16135550101"``; null
    stays null."""
    digits = pc.cast(column, pa.string())
    return pc.binary_join_element_wise(pa.scalar("+"), digits, pa.scalar(""))


def prepare(table: pa.Table, phones: list[str], zone: str) -> pa.Table:
    """``table`` with its phone-number columns (``phones``, E.164 digits) as E.164 text and each
    ``X_local`` text column beside a UTC timestamp column ``X`` as ``X`` in ``zone``."""
    names = table.column_names
    for i, name in enumerate(names):
        column = table.column(i)
        if name in phones and pa.types.is_integer(column.type):
            table = table.set_column(i, pa.field(name, pa.string()), e164(column))
        elif name.endswith(LOCAL) and pa.types.is_string(column.type):
            utc = name[: -len(LOCAL)]
            if utc in names and pa.types.is_timestamp(table.schema.field(utc).type):
                local = pa.timestamp("us", tz=zone)
                table = table.set_column(
                    i, pa.field(name, local), pc.cast(table.column(utc), local)
                )
    return table


def to_pandas(table: pa.Table) -> "pandas.DataFrame":
    """A prepared table as pandas, with nullable integer, flag and text types."""
    import pandas as pd

    mapping = {
        pa.string(): pd.StringDtype(),
        pa.large_string(): pd.StringDtype(),
        pa.bool_(): pd.BooleanDtype(),
        pa.uint64(): pd.UInt64Dtype(),
        pa.uint32(): pd.UInt32Dtype(),
        pa.uint16(): pd.UInt16Dtype(),
        pa.uint8(): pd.UInt8Dtype(),
        pa.int64(): pd.Int64Dtype(),
        pa.int32(): pd.Int32Dtype(),
        pa.int16(): pd.Int16Dtype(),
        pa.int8(): pd.Int8Dtype(),
    }
    return table.to_pandas(types_mapper=mapping.get)


def to_polars(table: pa.Table) -> "polars.DataFrame":
    """A prepared table as Polars (its Arrow buffers taken as they are where Polars can)."""
    import polars as pl

    return pl.from_arrow(table)
