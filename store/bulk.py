"""Bulk inserts of many rows: the driver's executemany, with SQLAlchemy's SQL and types.

A Core `insert()` executed with a list of dicts costs about 20 µs a row in SQLAlchemy before
the driver sees it (a dict per row, parameters built per row, a bind processor called per
value): for a 100,000-person snapshot that is most of the write. Here the statement is
compiled once for the connection's dialect, each column's bind processor (SQLite stores
dates as text, for one) runs once per distinct value, and the rows go to the driver's
executemany as plain tuples in chunks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from itertools import islice
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncConnection

CHUNK = 10_000
_MEMO_LIMIT = 1 << 16


class _Processed(dict[Any, Any]):
    """value -> bound value, memoised (columns that need processing hold few distinct
    values: dates, flags); bounded so a column of unique values cannot grow it unchecked."""

    __slots__ = ("process",)

    def __init__(self, process: Callable[[Any], Any]) -> None:
        super().__init__()
        self.process = process

    def __missing__(self, value: Any) -> Any:
        bound = self.process(value)
        if len(self) < _MEMO_LIMIT:
            self[value] = bound
        return bound


async def insert_many(
    connection: AsyncConnection,
    table: Table,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    chunk: int = CHUNK,
) -> None:
    """Insert `rows` (values in `columns` order) into `table`, `chunk` rows per executemany."""
    dialect = connection.dialect
    compiled = insert(table).compile(dialect=dialect, column_keys=list(columns))
    order = compiled.positiontup
    if order is None:  # a named paramstyle: let SQLAlchemy bind by name
        for part in _chunks(rows, chunk):
            named = [dict(zip(columns, row, strict=True)) for row in part]
            await connection.execute(insert(table), named)
        return
    positions = [columns.index(name) for name in order]
    memos: list[_Processed | None] = []
    for name in order:
        process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        memos.append(None if process is None else _Processed(process))
    for part in _chunks(rows, chunk):
        # Column-wise (transposed with zip, in C): one map per processed column.
        by_column = list(zip(*part, strict=True))
        bound = [
            by_column[position]
            if memo is None
            else list(map(memo.__getitem__, by_column[position]))
            for position, memo in zip(positions, memos, strict=True)
        ]
        await connection.exec_driver_sql(compiled.string, list(zip(*bound, strict=True)))


def _chunks(rows: Iterable[Sequence[Any]], size: int) -> Iterable[list[Sequence[Any]]]:
    iterator = iter(rows)
    while part := list(islice(iterator, size)):
        yield part
