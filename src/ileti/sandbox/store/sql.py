"""The one `Store` implementation: SQLAlchemy Core statements on SQLite (PostgreSQL comes through the same
class).

Statements are built with SQLAlchemy Core from `tables.py` and compiled once per dialect when the store opens;
they then run on the DB-API connection directly. That keeps the per-request cost of a send at a few
microseconds per statement (SQLAlchemy's `Connection.execute` adds tens), which 3,000 sends/s needs.
Everything dialect-specific (pragmas, `BEGIN IMMEDIATE`, last-row ids) stays in this module.

The store is used from one event loop thread: each transaction is synchronous and short, so there is no thread
hop per request and no interleaving inside a transaction. With WAL and `synchronous=NORMAL` a committed
transaction survives a process crash (kill -9); `FULL` also survives a power cut (`sqlite_synchronous`).
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple, cast

import orjson
from sqlalchemy import (
    ARRAY,
    ClauseElement,
    Engine,
    Numeric,
    Text,
    and_,
    any_,
    bindparam,
    create_engine,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy import event as sa_event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine.interfaces import BindTyping
from sqlalchemy.pool import NullPool
from sqlalchemy.sql.compiler import SQLCompiler

from ileti.sandbox.store import schema
from ileti.sandbox.store import tables as t
from ileti.sandbox.store.base import (
    Account,
    CarrierOutcome,
    NewOrder,
    OrderRecord,
    Refusal,
    RefusalReason,
    WebhookJob,
)
from ileti.sandbox.store.directory import Directory
from ileti.sandbox.store.postgres import DbConnection, DbCursor, PgConnection, engine_url, is_postgres
from ileti.sandbox.world.clock import ClockState

__all__ = ["PlaceOrder", "SqlStore", "WalCheckpointer", "WebhookRenderer", "migrate", "open_store"]

log = logging.getLogger("ileti.sandbox.store")

MIGRATIONS = Path(__file__).with_name("migrations")
WAITING, DELIVERED, UNDELIVERED = 110, 111, 112  # ileti.codes.MessageStatus, as plain ints for the driver

WebhookRenderer = Callable[[int, int, str, str, str], bytes]
"""(message id, order id, event, to, body) -> the JSON body to POST (CONTRACT §6)."""

_ACCOUNT_COLUMNS = [c.name for c in t.accounts.columns]
_JSON_FIELDS = ("allowed_ips", "senders")
_BOOL_FIELDS = ("api_access", "iys_active", "documents_missing")
_SETTLE_BATCH = 20_000
_WAL_SAFETY_PAGES = 50_000  # with background checkpoints, a commit checkpoints only past this (about 200 MB)
_CACHED_ACCOUNTS = 10_000  # accounts (and blacklists) kept by the account cache before it starts over
# PostgreSQL advisory lock keys: one migration at a time; one settlement pass at a time across workers
_MIGRATION_LOCK, _SETTLE_LOCK = 7_110_001, 7_110_002
_MAX_ROW = 2**31 - 1  # past any row number of an order (PostgreSQL's INTEGER)


def migrate(engine: Engine) -> None:
    """Create or upgrade the schema to the newest migration (idempotent).

    A store already at the newest revision, or a new SQLite file, gets there without alembic (`schema.py`:
    importing alembic and migrating is most of a start-up, docs/benchmarks.md).
    """
    if schema.at_head(engine):
        return
    database = engine.url.database
    new_file = engine.dialect.name == "sqlite" and database not in (None, "", ":memory:")
    if new_file and schema.create_new_sqlite(str(database)):
        return
    upgrade(engine)


def upgrade(engine: Engine) -> None:
    """Run alembic's migrations up to the newest (on PostgreSQL under an advisory lock)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            # workers and machines starting together on one database: one migrates, the others wait
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def open_store(
    path: str,
    *,
    synchronous: str = "NORMAL",
    webhook_renderer: WebhookRenderer,
    background_checkpoints: bool = False,
) -> SqlStore:
    """Open (creating and migrating if needed) the store: a SQLite file `path`, or a `postgresql://` URL.

    `background_checkpoints` (SQLite; what a long-running server wants): copy the write-ahead log back into
    the database file from a thread of its own (`WalCheckpointer`) instead of inside every thousandth commit.
    """
    if is_postgres(path):
        pg_engine = create_engine(engine_url(path), poolclass=NullPool)
        migrate(pg_engine)
        pg_engine.dispose()
        # statements are compiled without `%(id)s::INTEGER` casts: psycopg sends each value with its own type,
        # so an id from the wire too large for its column finds no row instead of failing the cast (a 503)
        compiler = create_engine(engine_url(path), poolclass=NullPool)
        compiler.dialect.bind_typing = BindTyping.NONE
        return SqlStore(PgConnection(path), compiler, webhook_renderer)
    engine = create_engine(f"sqlite:///{path}", paramstyle="named")

    @sa_event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA journal_mode=WAL")
        dbapi_connection.execute("PRAGMA busy_timeout=5000")

    migrate(engine)
    engine.dispose()
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute(f"PRAGMA synchronous={'FULL' if synchronous == 'FULL' else 'NORMAL'}")
    connection.execute("PRAGMA busy_timeout=5000")
    checkpointer = None
    if background_checkpoints:
        # the commits themselves then checkpoint only if the thread falls far behind (a safety net)
        connection.execute(f"PRAGMA wal_autocheckpoint={_WAL_SAFETY_PAGES}")
        checkpointer = WalCheckpointer(path)
    return SqlStore(connection, engine, webhook_renderer, checkpointer)


class WalCheckpointer:
    """Checkpoints a SQLite database in WAL mode from a thread, every `interval` seconds.

    By default the commit that takes the write-ahead log past 1,000 pages copies them into the database file
    and syncs it, on the event loop: a stall of milliseconds every few hundred orders, and about a tenth of
    a send's time in all. A PASSIVE checkpoint on a connection of its own does the same work beside the
    writer (SQLite releases the GIL while it runs), and the writer starts the log over once it has been
    copied. Durability is unchanged: a commit is durable in the log already (`synchronous`).
    """

    def __init__(self, path: str, interval: float = 0.1) -> None:
        self._connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ileti-wal-checkpoint", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self._connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            except sqlite3.Error:  # busy or gone for a moment: the next pass (or the safety net) catches up
                log.warning("WAL checkpoint failed", exc_info=True)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self._connection.close()


_JSON_POSITIONS = tuple(_ACCOUNT_COLUMNS.index(name) for name in _JSON_FIELDS)
_BOOL_POSITIONS = tuple(_ACCOUNT_COLUMNS.index(name) for name in _BOOL_FIELDS)


def _account_from_row(row: Sequence[Any]) -> Account:
    # positional: this runs on every authenticated request
    values = list(row)
    for position in _JSON_POSITIONS:
        values[position] = orjson.loads(values[position])
    for position in _BOOL_POSITIONS:
        values[position] = bool(values[position])
    return Account(*values)


def _account_params(values: Mapping[str, Any]) -> dict[str, Any]:
    params = dict(values)
    for name in _JSON_FIELDS:
        if name in params:
            params[name] = json.dumps(list(params[name]))
    return params


_ORDER_COLUMNS = (
    t.orders.c.id,
    t.orders.c.account_key,
    t.orders.c.sender,
    t.orders.c.submit_ts,
    t.orders.c.send_ts,
    t.orders.c.cancelled,
    t.orders.c.total,
    t.orders.c.waiting,
    t.orders.c.delivered,
    t.orders.c.undelivered,
    t.orders.c.delivered_parts,
    t.orders.c.billing,
    t.orders.c.part_price,
)


def _order_from_row(row: Sequence[Any]) -> OrderRecord:
    record = OrderRecord(*row)
    record.cancelled = bool(record.cancelled)
    return record


class _Sql(NamedTuple):
    """A compiled statement: its SQL text and the values of the constants it binds (LIMIT 1 …)."""

    text: str
    defaults: dict[str, Any]


class PlaceOrder(NamedTuple):
    """One order of a group commit, with the arguments of `SqlStore.place_order`."""

    order: NewOrder
    now: float
    duplicate_since: float
    settle_delay: float
    part_price: float


class SqlStore:
    """`Store` on a DB-API connection, with statements compiled from SQLAlchemy Core (see the module doc)."""

    def __init__(
        self,
        connection: DbConnection,
        engine: Engine,
        render: WebhookRenderer,
        checkpointer: WalCheckpointer | None = None,
    ) -> None:
        self._db = connection
        self._in_tx = False
        self._checkpointer = checkpointer
        self._dialect = engine.dialect
        self.postgres = engine.dialect.name == "postgresql"
        # SQLite: IMMEDIATE takes the one write lock up front. PostgreSQL: row locks (`FOR UPDATE` on the
        # account in `_place`) and advisory locks serialise what must be serial; the rest runs in parallel
        self._begin = "BEGIN" if self.postgres else "BEGIN IMMEDIATE"
        self._render = render
        self._sql_settle: tuple[_Sql, ...] | None = None
        # what authentication and send-sms read (`cached_account`, `cached_blacklist`)
        self._accounts: dict[str, Account] = {}
        self._blacklists: dict[str, frozenset[str]] = {}
        self._data_version: int | None = None
        self._accounts_version: str | None = None
        # set when other processes use the store too (several workers, PostgreSQL): then the cache is checked
        # against the version `SharedReader` reads before every request (`accounts_seen`)
        self.shared = False
        self._sql_claim: tuple[_Sql, _Sql] | None = None
        self.directory = Directory(self)  # blacklist pages, contacts, groups, consents
        c = self._compile
        o, m, a, w = t.orders, t.messages, t.accounts, t.webhooks
        # hot path: send-sms, get-report
        self._sql_account = c(select(a).where(a.c.key == bindparam("key")))
        self._sql_duplicate = c(
            select(o.c.id)
            .where(
                o.c.account_key == bindparam("account_key"),
                o.c.fingerprint == bindparam("fingerprint"),
                o.c.submit_ts > bindparam("since"),
            )
            .limit(1)
        )
        self._sql_charge_sms = c(
            update(a)
            .where(a.c.key == bindparam("k"), a.c.balance_sms >= bindparam("cost"))
            .values(balance_sms=a.c.balance_sms - bindparam("cost"))
        )
        self._sql_charge_tl = c(
            update(a)
            .where(a.c.key == bindparam("k"), a.c.balance_amount >= bindparam("cost") - 1e-9)
            .values(balance_amount=self._round6(a.c.balance_amount - bindparam("cost")))
        )
        self._sql_refund_sms = c(
            update(a)
            .where(a.c.key == bindparam("k"))
            .values(balance_sms=a.c.balance_sms + bindparam("amount"))
        )
        self._sql_refund_tl = c(
            update(a)
            .where(a.c.key == bindparam("k"))
            .values(balance_amount=self._round6(a.c.balance_amount + bindparam("amount")))
        )
        # RETURNING rather than lastrowid: on PostgreSQL that saves a round trip per order
        self._sql_insert_order = c(
            insert(o)
            .values({col.name: bindparam(col.name) for col in o.columns if col.name != "id"})
            .returning(o.c.id)
        )
        self._sql_insert_text = c(
            insert(t.order_texts).values({col.name: bindparam(col.name) for col in t.order_texts.columns})
        )
        self._sql_insert_message = c(
            insert(m).values(
                order_id=bindparam("o"),
                row=bindparam("r"),
                block=bindparam("b"),
                number=bindparam("n"),
                status=bindparam("s"),
                parts=bindparam("p"),
                due_ts=bindparam("d"),
                final_ts=bindparam("f"),
            )
        )
        self._sql_order = c(
            select(*_ORDER_COLUMNS).where(
                o.c.id == bindparam("id"), o.c.account_key == bindparam("account_key")
            )
        )
        self._sql_rows = c(
            select(m.c.number, m.c.status)
            .where(
                m.c.order_id == bindparam("order_id"), m.c.row >= bindparam("lo"), m.c.row < bindparam("hi")
            )
            .order_by(m.c.row)
        )
        self._sql_blacklisted = c(
            select(t.blacklist.c.number).where(t.blacklist.c.account_key == bindparam("account_key"))
        )
        # FOR UPDATE (PostgreSQL; SQLite holds its write lock already): one account's orders are checked for
        # 451 and 402 one at a time, whichever worker takes them
        self._sql_order_account = c(
            select(a.c.billing, a.c.webhook_url).where(a.c.key == bindparam("key")).with_for_update()
        )
        self._sql_rules = c(select(t.carrier_rules.c.number, t.carrier_rules.c.outcome))
        self._sql_insert_webhook = c(
            insert(w).values({col.name: bindparam(col.name) for col in w.columns if col.name != "id"})
        )

    # ------------------------------------------------------------------------------------------ plumbing

    def _compile(self, statement: ClauseElement) -> _Sql:
        compiled = cast(
            SQLCompiler, statement.compile(dialect=self._dialect, compile_kwargs={"render_postcompile": True})
        )
        # constants (LIMIT 1, literal values) become defaults; named `bindparam`s are the caller's to fill
        named = {bind.key for bind in compiled.binds.values() if not bind.unique}
        defaults = {name: value for name, value in compiled.params.items() if name not in named}
        return _Sql(str(compiled), defaults)

    def _round6(self, value: Any) -> Any:
        # PostgreSQL rounds only numeric to a number of places, not double precision
        return func.round(sql_cast(value, Numeric) if self.postgres else value, 6)

    def _run(self, sql: _Sql, params: Mapping[str, Any] | None = None) -> DbCursor:
        values = {**sql.defaults, **params} if params is not None else sql.defaults
        return self._db.execute(sql.text, values)

    def _many(self, sql: _Sql, rows: Sequence[Mapping[str, Any]]) -> None:
        if sql.defaults:
            rows = [{**sql.defaults, **row} for row in rows]
        self._db.executemany(sql.text, rows)

    def _x(self, statement: ClauseElement, params: Mapping[str, Any] | None = None) -> DbCursor:
        """Compile and run a statement that is not on a hot path."""
        return self._run(self._compile(statement), params)

    def _lock_accounts(self, keys: Iterable[str] | None) -> None:
        """PostgreSQL: lock these accounts' rows (None: every account) in key order, first thing in a
        transaction that changes more than one account or an account and its orders.

        The lock order of the store: every transaction that touches account rows takes them this way before
        any other row lock, so two transactions never wait for each other in a circle (a send batch against
        the carrier's refunds, a cancel, an account's deletion or a reset). SQLite needs nothing: its write
        lock, taken by `BEGIN IMMEDIATE`, already serialises every writing transaction.
        """
        if not self.postgres:
            return
        a = t.accounts
        query = select(a.c.key).order_by(a.c.key).with_for_update()
        if keys is not None:
            wanted = sorted(set(keys))
            if not wanted:
                return
            query = query.where(a.c.key.in_(wanted))
        self._x(query).fetchall()

    @contextmanager
    def _tx(self, *, accounts: bool = True) -> Iterator[DbConnection]:
        """One transaction. Unless the caller says it changes no account field but the balance
        (`accounts=False`: orders, settlement, webhooks), it empties the account cache when it ends."""
        if self._in_tx:  # inside `transaction()`: the outer transaction commits or rolls back
            yield self._db
            return
        # SQLite: IMMEDIATE takes the write lock up front, so checks and writes see one consistent state
        self._db.execute(self._begin)
        self._in_tx = True
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        finally:
            self._in_tx = False
            if accounts:
                self._forget_accounts()
        self._db.execute("COMMIT")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Several store calls as one transaction (the seed file): all of them are committed, or, when the
        block raises, none. The calls' own transactions join it."""
        with self._tx():
            yield

    def ping(self) -> bool:
        return bool(self._db.execute("SELECT 1").fetchone() == (1,))

    def close(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.stop()
        self._db.close()

    # ------------------------------------------------------------------------------------------ accounts

    def create_account(self, account: Account, blacklist: Sequence[str] = ()) -> Account:
        values = {name: getattr(account, name) for name in _ACCOUNT_COLUMNS}
        with self._tx():
            self._x(insert(t.accounts).values(_account_params(values)))
            self._insert_blacklist(account.key, blacklist, account.created_ts)
        return account

    def get_account(self, key: str) -> Account | None:
        row = self._run(self._sql_account, {"key": key}).fetchone()
        return None if row is None else _account_from_row(row)

    # The account cache. Every API call reads its account (authentication) and every send its blacklist;
    # both change rarely, so they are kept between requests. Correct, not approximate: a transaction of this
    # store that may change an account or a blacklist empties the cache (`_tx`), and changes made by others
    # are noticed before each request. A single server on SQLite checks `PRAGMA data_version`, which any other
    # connection's commit changes, in `cached_account`. Workers sharing a store (`shared`) would see that
    # change with every order of the others, so they check `meta.accounts_version` instead, which triggers
    # bump with every change to an account or a blacklist (migration 0004), read by `SharedReader` with the
    # clock (`accounts_seen`). A store opened on PostgreSQL outside a server reads every time. The balance is
    # not kept current in the cache: get-balance and the order write read it from the store.

    def accounts_seen(self, version: str | None) -> None:
        """The accounts version read from the store before a request (`SharedReader`); a new one empties
        the cache."""
        if version != self._accounts_version:
            self._forget_accounts()
            self._accounts_version = version

    def _cache_valid(self) -> bool:
        if self.shared:
            return True  # `accounts_seen` ran before this request
        if self.postgres:
            return False
        version = self._db.execute("PRAGMA data_version").fetchone()[0]
        if version != self._data_version:
            self._forget_accounts()
            self._data_version = version
        return True

    def _forget_accounts(self) -> None:
        self._accounts.clear()
        self._blacklists.clear()

    def cached_account(self, key: str) -> Account | None:
        """`get_account`, from the cache when nothing can have changed it (the balance may be stale)."""
        if not self._cache_valid():
            return self.get_account(key)
        account = self._accounts.get(key)
        if account is None:
            account = self.get_account(key)
            if account is not None:  # unknown keys are not kept: a client cannot fill the memory with them
                self._keep(self._accounts, key, account)
        return account

    def _keep(self, cache: dict[str, Any], key: str, value: Any) -> None:
        """Put `value` in one of the account caches (bounded: a full one starts over), unless this store
        cannot tell when it goes stale (PostgreSQL outside a server)."""
        if self.shared or not self.postgres:
            if len(cache) >= _CACHED_ACCOUNTS:
                cache.clear()
            cache[key] = value

    def list_accounts(self) -> list[Account]:
        rows = self._x(select(t.accounts).order_by(t.accounts.c.created_ts)).fetchall()
        return [_account_from_row(row) for row in rows]

    def update_account(self, key: str, changes: Mapping[str, Any]) -> Account | None:
        changes = dict(changes)
        numbers = changes.pop("blacklist", None)
        with self._tx():
            if changes:
                self._x(update(t.accounts).where(t.accounts.c.key == key).values(_account_params(changes)))
            if numbers is not None:
                self._x(delete(t.blacklist).where(t.blacklist.c.account_key == key))
                self._insert_blacklist(key, numbers, 0.0)
        return self.get_account(key)

    def delete_account(self, key: str) -> bool:
        """Delete an account and everything it owned, in one transaction: its orders with their texts and
        messages, its webhook events with their attempts, and every row of any table with an `account_key`
        (blacklist, contacts and groups with their links and values, custom fields, consents, İYS state, and
        whatever a later table keeps per account). An account created again with the same key starts empty.
        """
        o, w = t.orders, t.webhooks
        with self._tx():
            self._lock_accounts([key])
            gone = self._x(delete(t.accounts).where(t.accounts.c.key == key)).rowcount
            orders_of = select(o.c.id).where(o.c.account_key == key)
            self._x(delete(t.order_texts).where(t.order_texts.c.order_id.in_(orders_of)))
            self._x(delete(t.messages).where(t.messages.c.order_id.in_(orders_of)))
            self._x(
                delete(t.webhook_attempts).where(
                    t.webhook_attempts.c.webhook_id.in_(select(w.c.id).where(w.c.account_key == key))
                )
            )
            self.directory.forget_links(key)
            for table in t.metadata.sorted_tables:
                if "account_key" in table.c:
                    self._x(delete(table).where(table.c.account_key == key))
        return bool(gone)

    def blacklisted(self, account_key: str) -> set[str]:
        return {row[0] for row in self._run(self._sql_blacklisted, {"account_key": account_key})}

    def cached_blacklist(self, account_key: str) -> frozenset[str]:
        """The account's blacklist, kept with the account cache: as fresh as the last `cached_account` call,
        which every API request makes first (authentication), so a request sees one state of both."""
        numbers = self._blacklists.get(account_key)
        if numbers is None:
            numbers = frozenset(self.blacklisted(account_key))
            self._keep(self._blacklists, account_key, numbers)
        return numbers

    def add_blacklist(self, account_key: str, numbers: Sequence[str], now: float) -> None:
        with self._tx():
            self._insert_blacklist(account_key, numbers, now)

    def _insert_blacklist(self, account_key: str, numbers: Sequence[str], now: float) -> None:
        if numbers:
            dialect_insert = postgresql.insert if self.postgres else sqlite.insert
            sql = self._compile(
                dialect_insert(t.blacklist)
                .on_conflict_do_nothing()
                .values(account_key=bindparam("a"), number=bindparam("n"), added_ts=bindparam("t"))
            )
            self._many(sql, [{"a": account_key, "n": n, "t": now} for n in numbers])

    # ------------------------------------------------------------------------------------------ orders

    def place_order(
        self, order: NewOrder, *, now: float, duplicate_since: float, settle_delay: float, part_price: float
    ) -> int:
        """Check 451 and 402 and write the order with all its rows, in one transaction (OQ-7, OQ-16).

        Raises `Refusal(DUPLICATE)` or `Refusal(BALANCE)`; nothing is written then.
        """
        with self._tx(accounts=False):
            return self._place(
                order,
                now=now,
                duplicate_since=duplicate_since,
                settle_delay=settle_delay,
                part_price=part_price,
                payers={},
            )

    def place_orders(self, batch: Sequence[PlaceOrder]) -> list[int | Refusal]:
        """Group commit: place several orders in one transaction, in order, each checked as if alone.

        Each order sees the ones before it (a duplicate inside the batch is 451). A refused order writes
        nothing and does not affect the others; an unexpected error rolls the whole batch back and raises.
        """
        if self.postgres and not self._in_tx:  # two round trips per batch (`pg_orders`)
            from ileti.sandbox.store.pg_orders import place_batch

            return place_batch(self, cast(PgConnection, self._db).raw, batch)
        results: list[int | Refusal] = []
        # an account's billing and webhook URL, read once per batch: nothing else can change them until the
        # transaction ends (SQLite's write lock; PostgreSQL's row locks below)
        payers: dict[str, tuple[str, str | None] | None] = {}
        with self._tx(accounts=False):
            if len(batch) > 1:
                self._lock_accounts({item.order.account_key for item in batch})
            for item in batch:
                try:
                    results.append(
                        self._place(
                            item.order,
                            now=item.now,
                            duplicate_since=item.duplicate_since,
                            settle_delay=item.settle_delay,
                            part_price=item.part_price,
                            payers=payers,
                        )
                    )
                except Refusal as refusal:
                    results.append(refusal)
        return results

    def _place(
        self,
        order: NewOrder,
        *,
        now: float,
        duplicate_since: float,
        settle_delay: float,
        part_price: float,
        payers: dict[str, tuple[str, str | None] | None],
    ) -> int:
        if order.account_key in payers:
            payer = payers[order.account_key]
        else:
            row = self._run(self._sql_order_account, {"key": order.account_key}).fetchone()
            payer = payers[order.account_key] = None if row is None else (row[0], row[1])
        if payer is None:
            raise Refusal(RefusalReason.NOT_FOUND)
        billing, webhook_url = payer
        duplicate = self._run(
            self._sql_duplicate,
            {
                "account_key": order.account_key,
                "fingerprint": order.fingerprint,
                "since": duplicate_since,
            },
        ).fetchone()
        if duplicate is not None:
            raise Refusal(RefusalReason.DUPLICATE, order_id=duplicate[0])
        unit = part_price if billing == "tl" else 1.0
        if order.charged_parts:
            charge = self._sql_charge_tl if billing == "tl" else self._sql_charge_sms
            cost = order.charged_parts * unit
            if self._run(charge, {"k": order.account_key, "cost": cost}).rowcount != 1:
                raise Refusal(RefusalReason.BALANCE)
        total = sum(len(block.numbers) for block in order.blocks)
        deliverable = sum(sum(block.deliverable) for block in order.blocks)
        order_id = cast(
            int,
            self._run(
                self._sql_insert_order,
                {
                    "account_key": order.account_key,
                    "sender": order.sender,
                    "iys": order.iys,
                    "iys_list": order.iys_list,
                    "submit_ts": order.submit_ts,
                    "send_ts": order.send_ts,
                    "cancelled": False,
                    "total": total,
                    "waiting": deliverable,
                    "delivered": 0,
                    "undelivered": total - deliverable,
                    "delivered_parts": 0,
                    "charged_parts": order.charged_parts,
                    "refunded_parts": 0,
                    "billing": billing,
                    "part_price": unit if order.charged_parts else 0.0,
                    "fingerprint": order.fingerprint,
                    "started": order.send_ts <= order.submit_ts,  # an immediate order is sending at once
                },
            ).fetchone()[0],
        )
        due = order.send_ts + settle_delay
        rows: list[dict[str, Any]] = []
        row_number = 0
        for index, block in enumerate(order.blocks):
            self._run(
                self._sql_insert_text,
                {
                    "order_id": order_id,
                    "block": index,
                    "text": block.text,
                    "encoding": block.encoding,
                    "parts": block.parts,
                },
            )
            for number, ok in zip(block.numbers, block.deliverable, strict=True):
                rows.append(
                    {
                        "o": order_id,
                        "r": row_number,
                        "b": index,
                        "n": number,
                        "s": WAITING if ok else UNDELIVERED,
                        "p": block.parts,
                        "d": due if ok else None,
                        "f": None if ok else now,
                    }
                )
                row_number += 1
        self._many(self._sql_insert_message, rows)
        if webhook_url:
            account = self.get_account(order.account_key)
            assert account is not None
            self._queue_order_events(account, order_id, order, now)
        return order_id

    def _queue_order_events(self, account: Account, order_id: int, order: NewOrder, now: float) -> None:
        """`accepted` for every row, then `undelivered` for rows refused at once (OQ-21 ordering)."""
        texts = [block.text for block in order.blocks]
        rows = self._x(
            select(t.messages.c.id, t.messages.c.block, t.messages.c.number, t.messages.c.status)
            .where(t.messages.c.order_id == order_id)
            .order_by(t.messages.c.id)
        ).fetchall()
        events = [(mid, "accepted", number, texts[block]) for mid, block, number, _ in rows]
        events += [
            (mid, "undelivered", number, texts[block])
            for mid, block, number, status in rows
            if status == UNDELIVERED
        ]
        self._queue_events(account, order_id, events, now)

    def _queue_events(
        self, account: Account, order_id: int, events: list[tuple[int, str, str, str]], now: float
    ) -> None:
        assert account.webhook_url is not None
        url = account.webhook_url
        self._many(
            self._sql_insert_webhook,
            [
                {
                    "account_key": account.key,
                    "order_id": order_id,
                    "message_id": mid,
                    "event": event,
                    "url": url,
                    "payload": self._render(mid, order_id, event, to, body).decode(),
                    "state": "pending",
                    "attempts": 0,
                    "next_ts": 0.0,
                    "created_ts": now,
                }
                for mid, event, to, body in events
            ],
        )

    def cancel_order(self, account_key: str, order_id: int, now: float) -> None:
        """Cancel a scheduled order whose sending has not started: rows 112, all refunded (§4.2, OQ-16,
        OQ-33).

        Decided on the order's state, not on times alone: it must be scheduled (its send time was later
        than its submission), not cancelled, not yet taken by the carrier (`started`) and not yet due on
        the sandbox clock. Otherwise `Refusal(NOT_FOUND)` (455) and nothing changes. Moving the clock back
        after settling therefore cannot cancel, and refund, a finished order a second time.
        """
        o, m = t.orders, t.messages
        with self._tx(accounts=False):
            self._lock_accounts([account_key])  # the lock order: the account, then its order and rows
            row = self._x(
                select(
                    o.c.submit_ts,
                    o.c.send_ts,
                    o.c.cancelled,
                    o.c.started,
                    o.c.charged_parts,
                    o.c.refunded_parts,
                    o.c.billing,
                    o.c.part_price,
                ).where(o.c.id == order_id, o.c.account_key == account_key)
            ).fetchone()
            if row is None:
                raise Refusal(RefusalReason.NOT_FOUND)
            submit_ts, send_ts, cancelled, started, charged, refunded, billing, price = row
            if cancelled or started or send_ts <= submit_ts or send_ts <= now:
                raise Refusal(RefusalReason.NOT_FOUND)
            waiting = self._x(
                select(m.c.id, m.c.number, m.c.block)
                .where(m.c.order_id == order_id, m.c.status == WAITING)
                .order_by(m.c.id)
            ).fetchall()
            self._x(
                update(m)
                .where(m.c.order_id == order_id, m.c.status == WAITING)
                .values(status=UNDELIVERED, due_ts=None, final_ts=now)
            )
            self._x(
                update(o)
                .where(o.c.id == order_id)
                .values(
                    cancelled=True,
                    undelivered=o.c.undelivered + o.c.waiting,
                    waiting=0,
                    refunded_parts=charged,
                )
            )
            self._refund(account_key, billing, (charged - refunded) * price)
            account = self.get_account(account_key)
            if account is not None and account.webhook_url and waiting:
                texts = self._texts(order_id)
                self._queue_events(
                    account,
                    order_id,
                    [(mid, "undelivered", number, texts[block]) for mid, number, block in waiting],
                    now,
                )

    def _refund(self, account_key: str, billing: str, amount: float) -> None:
        if amount:
            sql = self._sql_refund_tl if billing == "tl" else self._sql_refund_sms
            self._run(sql, {"k": account_key, "amount": amount if billing == "tl" else round(amount)})

    def _texts(self, order_id: int) -> dict[int, str]:
        rows = self._x(
            select(t.order_texts.c.block, t.order_texts.c.text).where(t.order_texts.c.order_id == order_id)
        )
        return dict(rows)

    def get_order(self, account_key: str, order_id: int) -> OrderRecord | None:
        row = self._run(self._sql_order, {"id": order_id, "account_key": account_key}).fetchone()
        return None if row is None else _order_from_row(row)

    def report_rows(self, order_id: int, offset: int, limit: int) -> list[tuple[str, int]]:
        # rows are numbered 0..total-1 in the order, so a page is a range scan of (order_id, row)
        if offset >= _MAX_ROW:  # no order has that many rows, and PostgreSQL's `row` is a 32-bit integer
            return []
        cursor = self._run(
            self._sql_rows, {"order_id": order_id, "lo": offset, "hi": min(offset + limit, _MAX_ROW)}
        )
        return cast(list[tuple[str, int]], cursor.fetchall())

    def orders_between(
        self, account_key: str, start: float, end: float, offset: int, limit: int
    ) -> tuple[int, list[OrderRecord]]:
        o = t.orders
        where = and_(o.c.account_key == account_key, o.c.submit_ts >= start, o.c.submit_ts < end)
        count = self._x(select(func.count()).select_from(o).where(where)).fetchone()
        rows = self._x(
            select(*_ORDER_COLUMNS).where(where).order_by(o.c.submit_ts, o.c.id).offset(offset).limit(limit)
        ).fetchall()
        return (count[0] if count else 0), [_order_from_row(row) for row in rows]

    # ------------------------------------------------------------------------------------------ carrier

    def settle(
        self,
        *,
        now: float,
        due_by: float,
        decide: Callable[[str, Mapping[str, CarrierOutcome]], CarrierOutcome] | None = None,
        batch_size: int = _SETTLE_BATCH,
        max_batches: int | None = None,
    ) -> int:
        """Settle every 110 row due by `due_by`: final status, order counters, refunds, webhook events.

        `decide(number, rules)` picks the outcome (see `carrier.outcome`); "never" leaves the row at 110 for
        good. Returns how many rows became final. Runs in batches of `batch_size` rows, one transaction each;
        with `max_batches` it stops after that many, so a caller on the event loop can yield in between.
        """
        from ileti.sandbox.world.carrier import outcome as default_decide

        choose = decide or default_decide
        if self._sql_settle is None:
            self._sql_settle = self._settle_statements()
        pick, finalize, park, count, refunded, start, pick_keys, pick_of = self._sql_settle
        settled = 0
        batches = 0
        while max_batches is None or batches < max_batches:
            batches += 1
            with self._tx(accounts=False):
                if self.postgres:
                    # one settlement pass at a time over all workers: each row settles once. Then the lock
                    # order of the store (`_lock_accounts`): the accounts of the batch first, in key order,
                    # and only then the batch, read again under those locks, so a cancel that got in first
                    # is seen and one that comes later waits
                    self._db.execute(f"SELECT pg_advisory_xact_lock({_SETTLE_LOCK})")
                    params = {"due_by": due_by, "limit": batch_size}
                    keys = [row[0] for row in self._run(pick_keys, params).fetchall()]
                    if not keys:
                        return settled
                    self._lock_accounts(keys)
                    batch = self._run(pick_of, {**params, "keys": keys}).fetchall()
                else:
                    batch = self._run(pick, {"due_by": due_by, "limit": batch_size}).fetchall()
                if not batch:
                    if self.postgres:
                        continue  # the rows went (cancelled, deleted) between the two reads: look again
                    return settled
                rules = self.carrier_rules()
                finals: list[dict[str, Any]] = []
                parked: list[dict[str, Any]] = []
                per_order: dict[int, list[int]] = {}  # order id -> [delivered, undelivered, dparts, uparts]
                # order id -> account key, billing, part price, charged parts
                orders: dict[int, tuple[str, str, float, int]] = {}
                events: dict[int, list[tuple[int, str, str, int]]] = {}
                taken: set[int] = set()  # orders whose sending has started (no cancel from now on)
                for mid, oid, number, parts, block, account_key, billing, price, charged in batch:
                    taken.add(oid)
                    result = choose(number, rules)
                    if result == "never":
                        parked.append({"i": mid})
                        continue
                    ok = result == "delivered"
                    finals.append({"i": mid, "s": DELIVERED if ok else UNDELIVERED, "f": now})
                    counts = per_order.get(oid)
                    if counts is None:
                        counts = per_order[oid] = [0, 0, 0, 0]
                        orders[oid] = (account_key, billing, price, charged)
                    counts[0 if ok else 1] += 1
                    counts[2 if ok else 3] += parts
                    event = "delivered" if ok else "undelivered"
                    events.setdefault(oid, []).append((mid, event, number, block))
                self._many(finalize, finals)
                self._many(park, parked)
                self._many(
                    count,
                    [
                        {"oid": oid, "d": d, "u": u, "dp": dp, "n": d + u}
                        for oid, (d, u, dp, _) in per_order.items()
                    ],
                )
                self._many(start, [{"oid": oid} for oid in taken if oid not in per_order])
                accounts: dict[str, Account | None] = {}
                for oid, (_, _, _, uparts) in per_order.items():
                    account_key, billing, price, charged = orders[oid]
                    if charged and uparts:
                        # undelivered messages are free (OQ-16)
                        self._run(refunded, {"oid": oid, "n": uparts})
                        self._refund(account_key, billing, uparts * price)
                    if account_key not in accounts:
                        accounts[account_key] = self.get_account(account_key)
                    account = accounts[account_key]
                    if account is not None and account.webhook_url:
                        texts = self._texts(oid)
                        self._queue_events(
                            account,
                            oid,
                            [(mid, ev, num, texts[blk]) for mid, ev, num, blk in events[oid]],
                            now,
                        )
                settled += len(finals)
        return settled

    def _settle_statements(self) -> tuple[_Sql, ...]:
        m, o = t.messages, t.orders
        # each row with what its order's refund needs: no statement per order to look that up
        due = (
            select(
                m.c.id,
                m.c.order_id,
                m.c.number,
                m.c.parts,
                m.c.block,
                o.c.account_key,
                o.c.billing,
                o.c.part_price,
                o.c.charged_parts,
            )
            .join(o, o.c.id == m.c.order_id)
            .where(m.c.due_ts.isnot(None), m.c.due_ts <= bindparam("due_by"))
            .order_by(m.c.due_ts, m.c.id)
            .limit(bindparam("limit", _SETTLE_BATCH))
        )
        batch_keys = due.subquery()
        return (
            self._compile(due),
            self._compile(
                update(m)
                .where(m.c.id == bindparam("i"))
                .values(status=bindparam("s"), due_ts=None, final_ts=bindparam("f"))
            ),
            self._compile(update(m).where(m.c.id == bindparam("i")).values(due_ts=None)),
            self._compile(
                update(o)
                .where(o.c.id == bindparam("oid"))
                .values(
                    delivered=o.c.delivered + bindparam("d"),
                    undelivered=o.c.undelivered + bindparam("u"),
                    waiting=o.c.waiting - bindparam("n"),
                    delivered_parts=o.c.delivered_parts + bindparam("dp"),
                    started=True,
                )
            ),
            self._compile(
                update(o)
                .where(o.c.id == bindparam("oid"))
                .values(refunded_parts=o.c.refunded_parts + bindparam("n"))
            ),
            self._compile(update(o).where(o.c.id == bindparam("oid")).values(started=True)),
            # PostgreSQL: the accounts of the next batch, then that batch restricted to them (`settle`)
            self._compile(select(batch_keys.c.account_key).distinct()),
            self._compile(due.where(o.c.account_key == any_(bindparam("keys", type_=ARRAY(Text))))),
        )

    def carrier_rules(self) -> dict[str, CarrierOutcome]:
        rows = self._run(self._sql_rules)
        return {number: cast(CarrierOutcome, outcome) for number, outcome in rows}

    def set_carrier_rules(self, rules: Mapping[str, CarrierOutcome]) -> None:
        with self._tx():
            self._x(delete(t.carrier_rules))
            if rules:
                sql = self._compile(
                    insert(t.carrier_rules).values(number=bindparam("n"), outcome=bindparam("o"))
                )
                self._many(sql, [{"n": n, "o": v} for n, v in rules.items()])

    # ------------------------------------------------------------------------------------------ webhooks

    def claim_webhooks(self, wall_now: float, limit: int, lease: float = 60.0) -> list[WebhookJob]:
        """Mark up to `limit` due deliveries as in flight; a message's events go out strictly in order.

        A claim is a lease: an in-flight row's `next_ts` is when it runs out, and a row whose lease ran out
        (its worker died mid-delivery) is due again. Several workers claim from one outbox: SQLite takes its
        write lock, PostgreSQL skips the rows another worker has just locked, so no job is claimed twice.
        """
        if self._sql_claim is None:
            w = t.webhooks
            earlier = w.alias("earlier")
            blocked = (
                select(earlier.c.id)
                .where(
                    earlier.c.message_id == w.c.message_id,
                    earlier.c.id < w.c.id,
                    earlier.c.state.in_(("pending", "sending")),
                )
                .exists()
            )
            self._sql_claim = (
                self._compile(
                    select(w.c.id, w.c.url, w.c.payload, w.c.attempts)
                    .where(
                        w.c.state.in_(("pending", "sending")), w.c.next_ts <= bindparam("now", 0.0), ~blocked
                    )
                    .order_by(w.c.id)
                    .limit(bindparam("limit", 1))
                    .with_for_update(skip_locked=True, of=w)
                ),
                self._compile(
                    update(w)
                    .where(w.c.id == bindparam("i"))
                    .values(state=bindparam("state"), next_ts=bindparam("until"))
                ),
            )
        # (the placeholder values above only let the IN list render at compile time)
        pick, mark = self._sql_claim
        # most passes find nothing: look before taking the write lock
        if not self._run(pick, {"now": wall_now, "limit": 1}).fetchone():
            return []
        with self._tx(accounts=False):
            rows = self._run(pick, {"now": wall_now, "limit": limit}).fetchall()
            self._many(mark, [{"i": row[0], "state": "sending", "until": wall_now + lease} for row in rows])
        return [
            WebhookJob(id=i, url=url, payload=payload.encode(), attempts=n) for i, url, payload, n in rows
        ]

    def record_webhook_attempt(
        self,
        job: WebhookJob,
        *,
        at: float,
        http_status: int | None,
        error: str | None,
        duration_ms: float,
        next_ts: float | None,
        delivered: bool,
    ) -> None:
        w = t.webhooks
        state = "delivered" if delivered else ("pending" if next_ts is not None else "failed")
        with self._tx(accounts=False):
            if not self._x(
                update(w)
                .where(w.c.id == job.id)
                .values(
                    state=state, attempts=job.attempts + 1, next_ts=next_ts if next_ts is not None else at
                )
            ).rowcount:
                return  # its account was deleted (or the store reset) while it was being delivered
            self._x(
                insert(t.webhook_attempts).values(
                    webhook_id=job.id,
                    attempt=job.attempts + 1,
                    at_ts=at,
                    http_status=http_status,
                    error=error,
                    duration_ms=round(duration_ms, 3),
                )
            )

    def extend_webhook_lease(self, webhook_id: int, until: float) -> None:
        """Keep a claimed delivery claimed until `until` (wall clock): an injected delay outlasts a lease."""
        w = t.webhooks
        with self._tx(accounts=False):
            self._x(update(w).where(w.c.id == webhook_id, w.c.state == "sending").values(next_ts=until))

    def has_pending_webhooks(self) -> bool:
        w = t.webhooks
        return (
            self._x(select(w.c.id).where(w.c.state.in_(("pending", "sending"))).limit(1)).fetchone()
            is not None
        )

    def webhook_log(self, *, account_key: str | None = None, limit: int = 1000) -> list[dict[str, Any]]:
        w, x = t.webhooks, t.webhook_attempts
        query = (
            select(
                w.c.id,
                w.c.account_key,
                w.c.order_id,
                w.c.message_id,
                w.c.event,
                w.c.url,
                w.c.payload,
                w.c.state,
                w.c.attempts,
                w.c.created_ts,
            )
            .order_by(w.c.id)
            .limit(limit)
        )
        if account_key is not None:
            query = query.where(w.c.account_key == account_key)
        entries = []
        for row in self._x(query).fetchall():
            attempts = self._x(
                select(x.c.attempt, x.c.at_ts, x.c.http_status, x.c.error, x.c.duration_ms)
                .where(x.c.webhook_id == row[0])
                .order_by(x.c.attempt)
            ).fetchall()
            entries.append(
                {
                    "id": row[0],
                    "account": row[1],
                    "order_id": row[2],
                    "message_id": row[3],
                    "event": row[4],
                    "url": row[5],
                    "payload": json.loads(row[6]),
                    "state": row[7],
                    "attempts": row[8],
                    "created_ts": row[9],
                    "log": [
                        {"attempt": a, "at_ts": at, "http_status": s, "error": e, "duration_ms": d}
                        for a, at, s, e, d in attempts
                    ],
                }
            )
        return entries

    # ------------------------------------------------------------------------------------------ clock, meta

    def clock_state(self) -> ClockState:
        row = self._x(select(t.clock.c.mode, t.clock.c.offset, t.clock.c.frozen_at).where(t.clock.c.id == 1))
        found = row.fetchone()
        return ClockState() if found is None else ClockState(found[0], found[1], found[2])

    def set_clock_state(self, state: ClockState) -> None:
        with self._tx():
            self._x(delete(t.clock))
            self._x(
                insert(t.clock).values(id=1, mode=state.mode, offset=state.offset, frozen_at=state.frozen_at)
            )

    def get_meta(self, name: str) -> str | None:
        row = self._x(select(t.meta.c.value).where(t.meta.c.name == name)).fetchone()
        return None if row is None else cast(str, row[0])

    def set_meta(self, name: str, value: str) -> None:
        with self._tx():
            self._x(delete(t.meta).where(t.meta.c.name == name))
            self._x(insert(t.meta).values(name=name, value=value))

    def is_empty(self) -> bool:
        return (
            self._x(select(t.accounts.c.key).limit(1)).fetchone() is None
            and self._x(select(t.orders.c.id).limit(1)).fetchone() is None
        )

    def reset(self) -> None:
        """Delete every row except `meta` (which remembers the demo account's credentials)."""
        with self._tx():
            self._lock_accounts(None)
            for table in t.metadata.sorted_tables:
                if table is not t.meta:
                    self._x(delete(table))
