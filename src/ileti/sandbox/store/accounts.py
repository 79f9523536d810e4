"""Accounts and their blacklists: create, read, change, delete, the account cache that authentication and
send-sms read, and every blacklist query and write (`Accounts`, on the store's `Database`).

Why a blacklist change reaches send-sms at once: the blacklist is kept in the same cache as the account and
emptied with it by any transaction that may change either (`Database.transaction`), and by other processes'
commits (see the comment above `seen`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import orjson
from sqlalchemy import bindparam, delete, func, insert, select, update

from ileti.sandbox.store import tables as t
from ileti.sandbox.store.db import Database
from ileti.sandbox.store.records import Account

__all__ = ["Accounts"]

_ACCOUNT_COLUMNS = [c.name for c in t.accounts.columns]
_JSON_FIELDS = ("allowed_ips", "senders")
_BOOL_FIELDS = ("api_access", "iys_active", "documents_missing")
_JSON_POSITIONS = tuple(_ACCOUNT_COLUMNS.index(name) for name in _JSON_FIELDS)
_BOOL_POSITIONS = tuple(_ACCOUNT_COLUMNS.index(name) for name in _BOOL_FIELDS)
_CACHED_ACCOUNTS = 10_000  # accounts (and blacklists) kept by the account cache before it starts over
_MAX_OFFSET = 2**62  # a page number from the wire can be any size; SQLite's OFFSET is a signed 64-bit int


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


class Accounts:
    """Accounts with their blacklists, and the account cache."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._postgres = db.postgres
        # what authentication and send-sms read (`cached`, `cached_blacklist`)
        self._accounts: dict[str, Account] = {}
        self._blacklists: dict[str, frozenset[str]] = {}
        self._data_version: int | None = None
        self._version: str | None = None
        # set when other processes use the store too (several workers, PostgreSQL): then the cache is checked
        # against the version `SharedReader` reads before every request (`seen`)
        self.shared = False
        db.accounts_changed = self.forget
        a = t.accounts
        self._sql_account = db.compile(select(a).where(a.c.key == bindparam("key")))
        self._sql_blacklisted = db.compile(
            select(t.blacklist.c.number).where(t.blacklist.c.account_key == bindparam("account_key"))
        )

    # ------------------------------------------------------------------------------------------ accounts

    def create(self, account: Account, blacklist: Sequence[str] = ()) -> Account:
        values = {name: getattr(account, name) for name in _ACCOUNT_COLUMNS}
        with self._db.transaction():
            self._db.execute(insert(t.accounts).values(_account_params(values)))
            self._insert_blacklist(account.key, blacklist, account.created_ts)
        return account

    def get(self, key: str) -> Account | None:
        """The account as stored now (its balance current)."""
        row = self._db.run(self._sql_account, {"key": key}).fetchone()
        return None if row is None else _account_from_row(row)

    def all(self) -> list[Account]:
        rows = self._db.execute(select(t.accounts).order_by(t.accounts.c.created_ts)).fetchall()
        return [_account_from_row(row) for row in rows]

    def update(self, key: str, changes: Mapping[str, Any]) -> Account | None:
        """Change account fields; a `blacklist` entry replaces the whole blacklist (added at time 0)."""
        changes = dict(changes)
        numbers = changes.pop("blacklist", None)
        with self._db.transaction():
            if changes:
                self._db.execute(
                    update(t.accounts).where(t.accounts.c.key == key).values(_account_params(changes))
                )
            if numbers is not None:
                self._db.execute(delete(t.blacklist).where(t.blacklist.c.account_key == key))
                self._insert_blacklist(key, numbers, 0.0)
        return self.get(key)

    def delete(self, key: str) -> bool:
        """Delete an account and everything it owned, in one transaction: its orders with their texts and
        messages, its webhook events with their attempts, and every row of any table with an `account_key`
        (blacklist, contacts and groups with their links and values, custom fields, consents, İYS state, and
        whatever a later table keeps per account). An account created again with the same key starts empty.
        """
        o, w, c, g = t.orders, t.webhooks, t.contacts, t.groups
        execute = self._db.execute
        with self._db.transaction():
            self._db.lock_accounts([key])
            gone = execute(delete(t.accounts).where(t.accounts.c.key == key)).rowcount
            orders_of = select(o.c.id).where(o.c.account_key == key)
            execute(delete(t.order_texts).where(t.order_texts.c.order_id.in_(orders_of)))
            execute(delete(t.messages).where(t.messages.c.order_id.in_(orders_of)))
            execute(
                delete(t.webhook_attempts).where(
                    t.webhook_attempts.c.webhook_id.in_(select(w.c.id).where(w.c.account_key == key))
                )
            )
            # the rows of its contacts and groups that do not carry its key themselves
            contact_ids = select(c.c.id).where(c.c.account_key == key).scalar_subquery()
            group_ids = select(g.c.id).where(g.c.account_key == key).scalar_subquery()
            execute(delete(t.contact_fields).where(t.contact_fields.c.contact_id.in_(contact_ids)))
            cg = t.contact_groups
            execute(delete(cg).where(cg.c.contact_id.in_(contact_ids) | cg.c.group_id.in_(group_ids)))
            for table in t.metadata.sorted_tables:
                if "account_key" in table.c:
                    execute(delete(table).where(table.c.account_key == key))
        return bool(gone)

    # ------------------------------------------------------------------------------------------ the cache

    # Every API call reads its account (authentication) and every send its blacklist; both change rarely, so
    # they are kept between requests. Correct, not approximate: a transaction of this store that may change
    # an account or a blacklist empties the cache (`Database.transaction`), and changes made by others are
    # noticed before each request. A single server on SQLite checks `PRAGMA data_version`, which any other
    # connection's commit changes, in `cached`. Workers sharing a store (`shared`) would see that change with
    # every order of the others, so they check `meta.accounts_version` instead, which triggers bump with
    # every change to an account or a blacklist (migration 0004), read by `SharedReader` with the clock
    # (`seen`). A store opened on PostgreSQL outside a server reads every time. The balance is not kept
    # current in the cache: get-balance and the order write read it from the store.

    def seen(self, version: str | None) -> None:
        """The accounts version read from the store before a request (`SharedReader`); a new one empties
        the cache."""
        if version != self._version:
            self.forget()
            self._version = version

    def _cache_valid(self) -> bool:
        if self.shared:
            return True  # `seen` ran before this request
        if self._postgres:
            return False
        version = self._db.data_version()
        if version != self._data_version:
            self.forget()
            self._data_version = version
        return True

    def forget(self) -> None:
        """Empty the cache (the next read goes to the store)."""
        self._accounts.clear()
        self._blacklists.clear()

    def cached(self, key: str) -> Account | None:
        """`get`, from the cache when nothing can have changed it (the balance may be stale)."""
        if not self._cache_valid():
            return self.get(key)
        account = self._accounts.get(key)
        if account is None:
            account = self.get(key)
            if account is not None:  # unknown keys are not kept: a client cannot fill the memory with them
                self._keep(self._accounts, key, account)
        return account

    def _keep(self, cache: dict[str, Any], key: str, value: Any) -> None:
        """Put `value` in one of the caches (bounded: a full one starts over), unless this store cannot tell
        when it goes stale (PostgreSQL outside a server)."""
        if self.shared or not self._postgres:
            if len(cache) >= _CACHED_ACCOUNTS:
                cache.clear()
            cache[key] = value

    # ------------------------------------------------------------------------------------------ blacklist

    def blacklisted(self, account_key: str) -> set[str]:
        return {row[0] for row in self._db.run(self._sql_blacklisted, {"account_key": account_key})}

    def cached_blacklist(self, account_key: str) -> frozenset[str]:
        """The account's blacklist, kept with the account cache: as fresh as the last `cached` call, which
        every API request makes first (authentication), so a request sees one state of both."""
        numbers = self._blacklists.get(account_key)
        if numbers is None:
            numbers = frozenset(self.blacklisted(account_key))
            self._keep(self._blacklists, account_key, numbers)
        return numbers

    def blacklist_page(
        self, account_key: str, *, start: float | None, end: float | None, offset: int, limit: int
    ) -> tuple[int, list[str]]:
        """(how many entries match, this page of numbers), newest first (OQ-14); both bounds inclusive."""
        b = t.blacklist
        where = [b.c.account_key == account_key]
        if start is not None:
            where.append(b.c.added_ts >= start)
        if end is not None:
            where.append(b.c.added_ts <= end)
        count = self._db.execute(select(func.count()).select_from(b).where(*where)).fetchone()
        rows = self._db.execute(
            select(b.c.number)
            .where(*where)
            .order_by(b.c.added_ts.desc(), b.c.number)
            .offset(min(offset, _MAX_OFFSET))
            .limit(limit)
        ).fetchall()
        return (count[0] if count else 0), [row[0] for row in rows]

    def blacklist_entries(self, account_key: str) -> list[tuple[str, float]]:
        """(number, added) of every entry, newest first."""
        b = t.blacklist
        rows = self._db.execute(
            select(b.c.number, b.c.added_ts)
            .where(b.c.account_key == account_key)
            .order_by(b.c.added_ts.desc(), b.c.number)
        )
        return [(number, added) for number, added in rows]

    def add_blacklist(self, account_key: str, numbers: Iterable[str], now: float) -> None:
        """Add the numbers not yet listed; a listed one keeps its first `added_ts` (add-blacklist is
        idempotent)."""
        with self._db.transaction():
            self._insert_blacklist(account_key, list(dict.fromkeys(numbers)), now)

    def remove_blacklist(self, account_key: str, number: str) -> bool:
        """Remove one number; False when it was not listed (delete-blacklist's 474)."""
        b = t.blacklist
        with self._db.transaction():
            gone = self._db.execute(
                delete(b).where(b.c.account_key == account_key, b.c.number == number)
            ).rowcount
        return bool(gone)

    def clear_blacklist(self, account_key: str) -> None:
        with self._db.transaction():
            self._db.execute(delete(t.blacklist).where(t.blacklist.c.account_key == account_key))

    def _insert_blacklist(self, account_key: str, numbers: Sequence[str], now: float) -> None:
        if numbers:
            sql = self._db.compile(
                self._db.insert_ignore(t.blacklist).values(
                    account_key=bindparam("a"), number=bindparam("n"), added_ts=bindparam("t")
                )
            )
            self._db.many(sql, [{"a": account_key, "n": n, "t": now} for n in numbers])
