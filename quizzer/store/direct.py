"""Statements run for every card shown and answered: compiled once, run on the driver.

SQLAlchemy's execution path (the ORM session and its transaction, connection events,
the compiled-statement cache, result objects) costs 50–70 µs a statement on these
machines, several times what SQLite takes to run one of the study loop's statements,
and opening a session costs as much again. Next card + answer ran seven or eight
statements in two sessions, so that bookkeeping cost more than everything else an
answer does, its durable commit included (docs/performance.md, "answer").

A :class:`Prepared` statement is an ordinary Core statement, compiled by SQLAlchemy's
own compiler once per dialect. Its parameters and rows go through the type processors
SQLAlchemy applies (the same stored values, the same UTC-aware datetimes and JSON);
only the per-execution bookkeeping is skipped. :meth:`quizzer.store.db.Store.direct`
gives the unit of work to run them in, with the begin (``BEGIN IMMEDIATE`` on SQLite), commit
and error translation of :meth:`~quizzer.store.db.Store.write`. Statements and commits
go through the dialect's ``do_execute`` and ``do_commit``, as SQLAlchemy's own do.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Iterable
from operator import itemgetter
from typing import Any

__all__ = ["Direct", "Prepared", "fixed_in", "run_many"]


class _Plan:
    """A statement compiled for one dialect: its SQL, parameter order and processors."""

    __slots__ = (
        "binds",
        "columns",
        "defaults",
        "positional",
        "required",
        "results",
        "row",
        "sql",
        "writes",
    )

    def __init__(self, prepared: Prepared, dialect: Any):
        statement = prepared.statement
        compiled = statement.compile(dialect=dialect, column_keys=prepared.column_keys)
        sql = compiled.string
        if "POSTCOMPILE" in sql:
            # An IN over a Python list is rendered per execution; give each value its
            # own bound parameter (``literal``) or run it through a session instead.
            raise ValueError(f"a prepared statement cannot hold an expanding IN: {sql}")
        self.sql = sql
        self.writes = bool(compiled.isinsert or compiled.isupdate or compiled.isdelete)
        self.defaults: dict[str, Any] = compiled.construct_params(_check=False)
        prefetch = [(c, c.default) for c in compiled.insert_prefetch]
        prefetch += [(c, c.onupdate) for c in compiled.update_prefetch]
        for column, default in prefetch:
            if default is None or not default.is_scalar:
                raise ValueError(f"{column.key} needs a value: it has no constant default")
            self.defaults[column.key] = default.arg
        self.required = frozenset(
            name for name, bind in compiled.binds.items() if bind.required and name in self.defaults
        )
        names = compiled.positiontup if compiled.positiontup is not None else list(self.defaults)
        self.positional = compiled.positiontup is not None
        self.binds = tuple(
            (name, compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect))
            for name in names
        )
        columns = list(statement.exported_columns)  # a select's, or what RETURNING gives
        self.columns = tuple(columns)
        keys = [c.key for c in columns]
        self.row: Any = namedtuple("Row", keys, rename=True) if columns else None
        # Result processors may depend on the driver's type codes (psycopg's numeric
        # types do), so they are made from the first result's description.
        self.results: tuple[Any, ...] | None = None

    def arguments(self, params: dict[str, Any] | None) -> Any:
        values = self.defaults
        if params:
            missing = self.required.difference(params)
            if missing:
                raise KeyError(f"no value for {', '.join(sorted(missing))}")
            values = {**values, **params}
            if len(values) != len(self.defaults):
                # A column the statement was not compiled to set would be dropped.
                unknown = sorted(set(params).difference(self.defaults))
                raise KeyError(f"the statement takes no {', '.join(unknown)}")
        elif self.required:
            raise KeyError(f"no value for {', '.join(sorted(self.required))}")
        if self.positional:
            return tuple(
                values[name] if process is None else process(values[name])
                for name, process in self.binds
            )
        return {
            name: values[name] if process is None else process(values[name])
            for name, process in self.binds
        }

    def many(self, rows: list[dict[str, Any]], shared: dict[str, Any]) -> list[Any]:
        """The driver's arguments for ``rows`` that all give the same columns."""
        given = rows[0].keys()
        unknown = sorted((given | shared.keys()) - self.defaults.keys())
        if unknown:
            raise KeyError(f"the statement takes no {', '.join(unknown)}")
        missing = sorted(self.required - given - shared.keys())
        if missing:
            raise KeyError(f"no value for {', '.join(missing)}")
        fixed = {}
        processed = []
        for index, (name, process) in enumerate(self.binds):
            if name not in given:
                value = shared.get(name, self.defaults[name])
                fixed[name] = value if process is None else process(value)
            elif process is not None:
                processed.append((index if self.positional else name, process))
        order = None
        if self.positional:
            names = [name for name, _ in self.binds]
            # itemgetter of one name gives the value, not a tuple of it
            order = itemgetter(*names) if len(names) > 1 else lambda row: (row[names[0]],)
        out = []
        for row in rows:
            if row.keys() != given:
                raise KeyError(f"every row must give the same columns: {sorted(row)}")
            values: Any = {**fixed, **row}
            if order is not None:
                values = order(values)
                if processed:
                    values = list(values)
            for at, process in processed:
                values[at] = process(values[at])
            out.append(tuple(values) if processed and order is not None else values)
        return out

    def rows(self, cursor: Any, dialect: Any) -> list[Any]:
        raw = cursor.fetchall()
        if self.row is None:
            return list(raw)
        results = self.results
        if results is None:
            results = self.results = tuple(
                column.type.dialect_impl(dialect).result_processor(dialect, described[1])
                for column, described in zip(self.columns, cursor.description, strict=True)
            )
        make = self.row._make
        if not any(results):
            return [make(values) for values in raw]
        return [
            make([v if p is None else p(v) for p, v in zip(results, values, strict=True)])
            for values in raw
        ]


class Prepared:
    """A Core statement (a select, or an insert or update, with ``column_keys``, the
    columns it sets) run by :class:`Direct`, compiled on first use per dialect.

    Bound parameters are named (``bindparam("card_id")``); constants in the statement
    are bound as usual. An IN over a list must give each value as ``literal(value)``.
    """

    __slots__ = ("_plans", "column_keys", "statement")

    def __init__(self, statement: Any, column_keys: Iterable[str] | None = None):
        self.statement = statement
        self.column_keys = list(column_keys) if column_keys is not None else None
        self._plans: dict[tuple[str, str], _Plan] = {}

    def plan(self, dialect: Any) -> _Plan:
        """The statement compiled for ``dialect``."""
        key = (dialect.name, dialect.driver)
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = _Plan(self, dialect)
        return plan


class Direct:
    """One open transaction on a pooled driver connection (from ``Store.direct``)."""

    __slots__ = ("_cursor", "_dialect", "_write", "backend")

    def __init__(self, cursor: Any, dialect: Any, write: bool):
        self._cursor = cursor
        self._dialect = dialect
        self._write = write
        #: ``sqlite`` or ``postgresql``.
        self.backend: str = dialect.name

    def _run(self, prepared: Prepared, params: dict[str, Any] | None) -> tuple[_Plan, Any]:
        plan = prepared.plan(self._dialect)
        if plan.writes and not self._write:
            # A read runs each statement on its own: a change would commit at once.
            raise RuntimeError("a change in a read (use Store.direct(write=True))")
        self._dialect.do_execute(self._cursor, plan.sql, plan.arguments(params), None)
        return plan, self._cursor

    def _begin_immediate(self) -> None:
        """SQLite: take the write lock now (``Store.direct`` calls it)."""
        self._dialect.do_execute(self._cursor, "BEGIN IMMEDIATE", (), None)

    def rows(self, prepared: Prepared, params: dict[str, Any] | None = None) -> list[Any]:
        """Every row, as named tuples keyed like the statement's columns."""
        plan, cursor = self._run(prepared, params)
        return plan.rows(cursor, self._dialect)

    def first(self, prepared: Prepared, params: dict[str, Any] | None = None) -> Any | None:
        """The first row, or None."""
        rows = self.rows(prepared, params)
        return rows[0] if rows else None

    def scalar(self, prepared: Prepared, params: dict[str, Any] | None = None) -> Any:
        """The first column of the first row, or None."""
        row = self.first(prepared, params)
        return None if row is None else row[0]

    def run(self, prepared: Prepared, params: dict[str, Any] | None = None) -> int:
        """Run a statement without rows; returns how many rows it changed."""
        _plan, cursor = self._run(prepared, params)
        return int(cursor.rowcount)


def run_many(
    connection: Any,
    prepared: Prepared,
    rows: list[dict[str, Any]],
    shared: dict[str, Any] | None = None,
) -> None:
    """Run an insert or update once per row of ``rows`` in one ``executemany``, on a
    SQLAlchemy ``connection`` (an ORM session's, inside its transaction).

    Every row gives the same columns; ``shared`` gives the values that are the same
    for all rows (a timestamp, a deck id), converted once. Values are converted by
    the statement's type processors, as :class:`Direct` does, and the batch goes to
    the driver through ``exec_driver_sql``, so errors and events are SQLAlchemy's as
    usual. What it skips is the per-row work of ``session.execute(insert(table),
    rows)`` (parameter construction and processing through the compiled statement),
    which was two thirds of writing a 10,000-card deck (docs/performance.md, "import").
    """
    if rows:
        plan = prepared.plan(connection.dialect)
        connection.exec_driver_sql(plan.sql, plan.many(rows, shared or {}))


def fixed_in(column: Any, values: Iterable[Any]) -> Any:
    """``column IN (values)`` with one bound parameter per value, for a
    :class:`Prepared` statement (an IN over a plain list is rendered per execution)."""
    from sqlalchemy import false, literal

    bound = [literal(value, column.type) for value in values]
    return column.in_(bound) if bound else false()
