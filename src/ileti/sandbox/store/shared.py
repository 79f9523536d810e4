"""What workers sharing one store read from it before every request: the clock row, the fault rules, and the
version of the accounts that tells the account cache when another worker changed one.

The fault rules of a shared sandbox live in `meta` under `faults` (JSON, as `GET /_sandbox/faults` shows
them), so a rule set through one worker fires on all of them; a counted rule is used up atomically, in a
transaction that locks that row. `SharedReader` reads both in one precompiled statement (one round trip on
PostgreSQL), once for all the requests that arrive together (`read_soon`), with the store's statement
runner (`Database`); on PostgreSQL from a connection of its own off the event loop (`pg_lane`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import orjson
from sqlalchemy import select, update

from ileti.sandbox.store import tables as t
from ileti.sandbox.store.pg_lane import lane_of
from ileti.sandbox.store.sql import SqlStore
from ileti.sandbox.world.clock import ClockState

__all__ = ["FAULTS_META", "SharedReader", "save_faults", "take_fault"]

FAULTS_META = "faults"
ACCOUNTS_VERSION_META = "accounts_version"  # kept by the triggers of migration 0004


class SharedReader:
    """Reads (clock state, fault rules JSON or None) for one store, with a statement compiled once."""

    def __init__(self, store: SqlStore) -> None:
        c, m = t.clock, t.meta

        def clock(column: Any) -> Any:
            return select(column).where(c.c.id == 1).scalar_subquery()

        self._store = store
        self._waiting: list[asyncio.Future[tuple[ClockState, str | None]]] = []
        self._reading = False  # a read is scheduled or in flight; who asks now joins the next one
        self._lane = lane_of(store.db, "shared")
        self._task: asyncio.Task[None] | None = None  # the reads on the lane, while they run
        self._sql = store.db.compile(
            select(
                clock(c.c.mode),
                clock(c.c.offset),
                clock(c.c.frozen_at),
                select(m.c.value).where(m.c.name == FAULTS_META).scalar_subquery(),
                select(m.c.value).where(m.c.name == ACCOUNTS_VERSION_META).scalar_subquery(),
            )
        )

    async def read_soon(self) -> tuple[ClockState, str | None]:
        """`read`, shared by every request that asks in the same turn of the event loop: one statement (one
        round trip on PostgreSQL) for all of them, run after each has arrived, so each still sees every
        change committed before it arrived. On PostgreSQL the statement runs on a connection of its own off
        the event loop (`pg_lane`); the requests that arrive while one is in flight share the next."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[tuple[ClockState, str | None]] = loop.create_future()
        self._waiting.append(future)
        if not self._reading:
            self._reading = True
            if self._lane is None:
                loop.call_soon(self._read_waiting)
            else:
                self._task = loop.create_task(self._read_off_loop())
        return await future

    def _read_waiting(self) -> None:
        self._reading = False
        waiting, self._waiting = self._waiting, []
        try:
            state = self.read()
        except Exception as exc:  # noqa: BLE001 -- each request fails as its own read would have
            _fail(waiting, exc)
            return
        _resolve(waiting, state)

    async def _read_off_loop(self) -> None:
        assert self._lane is not None
        try:
            while self._waiting:
                waiting, self._waiting = self._waiting, []
                try:
                    state = self._adopt(await self._lane.run(self._fetch))
                except Exception as exc:  # noqa: BLE001 -- each request fails as its own read would have
                    _fail(waiting, exc)
                    continue
                except BaseException:  # cancelled (shutting down)
                    for future in waiting:
                        future.cancel()
                    raise
                _resolve(waiting, state)
        finally:
            self._reading = False

    def _fetch(self, connection: Any) -> Any:
        return connection.execute(self._sql.text, self._sql.defaults).fetchone()

    def read(self) -> tuple[ClockState, str | None]:
        """The clock state and the fault rules; the accounts version goes to the store's account cache."""
        return self._adopt(self._store.db.run(self._sql).fetchone())

    def _adopt(self, row: Any) -> tuple[ClockState, str | None]:
        mode, offset, frozen_at, faults, accounts_version = row
        self._store.accounts.seen(accounts_version)
        clock = ClockState() if mode is None else ClockState(mode, offset, frozen_at)
        return clock, faults


def _fail(waiting: list[asyncio.Future[tuple[ClockState, str | None]]], exc: Exception) -> None:
    for future in waiting:
        if not future.done():
            future.set_exception(exc)


def _resolve(
    waiting: list[asyncio.Future[tuple[ClockState, str | None]]], state: tuple[ClockState, str | None]
) -> None:
    for future in waiting:
        if not future.done():  # not cancelled (client gone)
            future.set_result(state)


def save_faults(store: SqlStore, rules: list[dict[str, Any]]) -> None:
    store.set_meta(FAULTS_META, orjson.dumps(rules).decode())


def take_fault(store: SqlStore, endpoint: str, roll: Callable[[], float]) -> dict[str, Any] | None:
    """Use one of the rule that fires for `endpoint` (the first matching one whose probability `roll` meets;
    a counted rule goes when used up), for every worker at once; the rule as it was, or None."""
    from ileti.sandbox.api.faults import choose, rule_from_dict  # faults imports nothing of the store

    m = t.meta
    with store.db.transaction():
        row = store.db.execute(select(m.c.value).where(m.c.name == FAULTS_META).with_for_update()).fetchone()
        rules: list[dict[str, Any]] = orjson.loads(row[0]) if row is not None else []
        index = choose([rule_from_dict(rule) for rule in rules], endpoint, roll)
        if index is None:
            return None
        rule = rules[index]
        if rule["times"] is not None:
            left = rule["times"] - 1
            rules = rules[:index] + ([{**rule, "times": left}] if left else []) + rules[index + 1 :]
            value = orjson.dumps(rules).decode()
            store.db.execute(update(m).where(m.c.name == FAULTS_META).values(value=value))
        return rule
