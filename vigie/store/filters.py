"""The SQL conditions of an EventQuery's filters, and the statistics counted over them, written once for both backends
(each says how it compares and searches, and its parameter placeholder)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from typing import Any

from vigie.records import EventQuery, EventStats

#: A backend's way to run one query: (SQL, values) -> rows.
RunQuery = Callable[[str, list[Any]], Sequence[Sequence[Any]]]

#: EventStats field → the expression events are grouped by (fixed SQL over the stats CTE, never input); case folded
#: as the filters fold it.
STATS_GROUPS = {"by_type": "upper(type)", "by_day": "day", "by_country": "upper(country)", "by_lang": "lower(lang)"}


#: Conditions and orders on the event's date and id, read from its actor row instead (which holds both).
_ON_ACTOR_ROW = re.compile(r"\be\.(?:date|id)\b")
_ACTOR_COLUMN = {"e.date": "a.date", "e.id": "a.event_id"}


def _on_actor_row(sql: str) -> str:
    return _ON_ACTOR_ROW.sub(lambda match: _ACTOR_COLUMN[match.group(0)], sql)


class FilterSQL:
    """Builds the conditions on `events e` for every filter of a query but the cursor and limit.

    Flags, actors, words (and, where a spatial index has them, the events in a box) are sets of events. The one
    named by `drive` is written as `e.id IN (set)` (or the backend's equivalent), so the plan starts from its events
    and sorts them; the others are probes of each row, so the plan may walk an index in the listing's order and stop
    at the end of the page.
    """

    #: The parameter placeholder of the database driver: "?" (sqlite3) or "%s" (psycopg).
    placeholder = "?"
    #: The join that reads its left table first (SQLite's planner keeps the order of a CROSS JOIN).
    ordered_join = "JOIN"
    #: What keeps a correlated subquery a lookup per row rather than a set built in full first (PostgreSQL hashes
    #: the whole subquery when it expects many outer rows, though a page needs only a few).
    per_row = ""

    def equals(self, expression: str) -> str:
        """`expression` equal to a parameter, case folded as the database folds the column."""
        return f"{expression} = {self.placeholder}"

    def text(self, query: EventQuery, drive: str | None) -> tuple[list[str], list[Any]]:
        """The conditions and values of the full-text filter (query.text holds at least one word)."""
        raise NotImplementedError

    def box(self, query: EventQuery) -> tuple[list[str], list[Any]]:
        """The conditions and values that start a listing from a spatial index of the events in query.bbox (and its
        dates); only called for a backend that offers the "bbox" drive."""
        raise NotImplementedError

    def build(self, query: EventQuery, drive: str | None = None) -> tuple[list[str], list[Any]]:
        p = self.placeholder
        where: list[str] = []
        params: list[Any] = []
        folded = {"type": query.type, "country": query.country, "lang": query.lang}
        for column, value in folded.items():
            if value is not None:
                where.append(self.equals(f"e.{column}"))  # column names come from the dict above, never from input
                params.append(value)
        if query.doc_id is not None:
            where.append(f"e.doc_id = {p}")
            params.append(query.doc_id)
        if query.since is not None:
            where.append(f"e.date >= {p}")
            params.append(query.since.isoformat())
        if query.until is not None:
            # Strictly before the next day, so "2022-01-06T21:00" still counts as the 6th.
            where.append(f"e.date < {p}")
            params.append((query.until + dt.timedelta(days=1)).isoformat())
        if query.min_confidence is not None:
            where.append(f"e.confidence >= {p}")
            params.append(query.min_confidence)
        if query.flag is not None:
            if drive == "flag":
                where.append(f"e.id IN (SELECT f.event_id FROM event_flags f WHERE f.flag = {p})")
            else:
                where.append(f"EXISTS (SELECT 1 FROM event_flags f WHERE f.event_id = e.id AND f.flag = {p})")
            params.append(query.flag)
        if query.actor is not None:
            if drive == "actor":
                where.append(f"e.id IN (SELECT a.event_id FROM event_actors a WHERE {self.equals('a.name')})")
            else:
                where.append(
                    f"EXISTS (SELECT 1 FROM event_actors a WHERE {self.equals('a.name')} AND a.event_id = e.id)"
                )
            params.append(query.actor.strip())
        if has_text(query):
            conditions, values = self.text(query, drive)
            where.extend(conditions)
            params.extend(values)
        if query.bbox is not None:
            west, south, east, north = query.bbox
            if drive == "bbox":
                conditions, values = self.box(query)
                where.extend(conditions)
                params.extend(values)
            where.append(f"e.lat BETWEEN {p} AND {p}")
            params.extend([south, north])
            # A west edge east of the east edge is a box across the antimeridian.
            where.append(f"(e.lon BETWEEN {p} AND {p})" if west <= east else f"(e.lon >= {p} OR e.lon <= {p})")
            params.extend([west, east])
        return where, params

    def page(self, query: EventQuery, part: str | None, where: list[str], params: list[Any]) -> str:
        """Add the conditions of a listing's part ("dated", "undated" or both) and of its keyset cursor to
        `where`/`params`; return the ORDER BY that goes with them (dated rows by (date, id), then undated by id)."""
        p = self.placeholder
        if part == "dated":
            where.append("e.date IS NOT NULL")
            order = " ORDER BY e.date, e.id"
        elif part == "undated":
            where.append("e.date IS NULL")
            order = " ORDER BY e.id"
        else:
            dated = query.since is not None or query.until is not None
            # With a date bound no row has a NULL date: the plain order lets the (date, id) index give rows in order.
            order = " ORDER BY e.date, e.id" if dated else " ORDER BY e.date IS NULL, e.date, e.id"
        after = query.after
        if after is not None:
            # Keyset: rows sorting after (date, id) in the order above; NULL dates come last.
            if after.date is None:
                where.append(f"(e.date IS NULL AND e.id > {p})")
                params.append(after.id)
            elif part != "undated":  # every undated row sorts after a dated one
                where.append(f"(e.date IS NULL OR e.date > {p} OR (e.date = {p} AND e.id > {p}))")
                params.extend([after.date, after.date, after.id])
        return order

    def actor_walk(self, query: EventQuery, part: str | None, select: str) -> tuple[str, list[Any], str]:
        """A listing read from its actor's `event_actors` rows: a range of (name, date, event_id) in the listing's
        order, so a page stops at its limit; each event once (its source row, else its target row).

        Returns the SELECT of `select` (over `a` and `e`, no LIMIT), its values, and the listing's ORDER BY on `e`.
        """
        assert query.actor is not None
        where, params = self.build(query.model_copy(update={"actor": None}))
        if part is None and query.since is None and query.until is None:
            part = "undated"  # no date bound and no part: only undated rows are left (see events_json)
        order = self.page(query, part, where, params)
        conditions = "".join(f" AND {_on_actor_row(condition)}" for condition in where)
        sql = (
            f"SELECT {select} FROM event_actors a {self.ordered_join} events e ON e.id = a.event_id"
            f" WHERE {self.equals('a.name')} AND (a.role = 'source' OR NOT EXISTS (SELECT 1 FROM event_actors s"
            f" WHERE {self.equals('s.name')} AND s.event_id = a.event_id AND s.role = 'source'{self.per_row}))"
            f"{conditions}{_on_actor_row(order)}"
        )
        name = query.actor.strip()
        return sql, [name, name, *params], order

    def counted_stats(self, run: RunQuery, where: list[str], params: list[Any]) -> EventStats:
        """stats() counted over the events matching `where`/`params` (from build())."""
        condition = " WHERE " + " AND ".join(where) if where else ""
        matching = f"SELECT e.id, e.type, substr(e.date, 1, 10) AS day, e.country, e.lang FROM events e{condition}"
        groups: dict[str, dict[str, int]] = {}
        for key, expression in STATS_GROUPS.items():
            rows = run(
                f"WITH m AS ({matching}) SELECT {expression}, count(*) FROM m WHERE {expression} IS NOT NULL"
                " GROUP BY 1 ORDER BY 1",
                params,
            )
            groups[key] = {str(row[0]): int(row[1]) for row in rows}
        rows = run(
            f"WITH m AS ({matching}) SELECT f.flag, count(*) FROM m JOIN event_flags f ON f.event_id = m.id"
            " GROUP BY 1 ORDER BY 1",
            params,
        )
        groups["by_flag"] = {str(row[0]): int(row[1]) for row in rows}
        total = run(f"SELECT count(*) FROM events e{condition}", params)[0][0]
        return EventStats(total=int(total), **groups)

    def tallied_stats(self, run: RunQuery, kind: str) -> EventStats:
        """stats() from `event_tallies` for the events of type `kind` (the backend's key for every type, or an
        upper-cased type), for a query with no filter but the type."""
        groups: dict[str, dict[str, int]] = {"total": {}, **{key: {} for key in (*STATS_GROUPS, "by_flag")}}
        rows = run(
            "SELECT facet, value, n FROM event_tallies"
            f" WHERE type = {self.placeholder} AND n > 0 ORDER BY facet, value",
            [kind],
        )
        for facet, value, n in rows:
            groups["total" if facet == "total" else f"by_{facet}"][str(value)] = int(n)
        total = groups.pop("total").get("", 0)
        return EventStats(total=total, **groups)


def has_text(query: EventQuery) -> bool:
    """True when the query has words to search for."""
    return query.text is not None and bool(query.text.strip())
