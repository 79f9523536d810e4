"""Persistence of the directory: blacklist pages, contacts and groups, custom fields and İYS consents.

`Directory` is composed by `SqlStore` (`store.directory`) and runs on the store's connection and transactions
(`SqlStore._tx`: `BEGIN IMMEDIATE`, so the checks and the writes of one call see one state). Like the rest of
the store it speaks domain records, never rows, and it answers a domain refusal with `DirectoryRefusal`; the
handlers map refusals to status codes. Time always comes in as an argument (the sandbox clock).

Statements here are not on the send-sms hot path, so they are built with SQLAlchemy Core and compiled per
call, through the store's own `_x`/`_compile`/`_many` (dialect differences stay in `sql.py`).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import ClauseElement, and_, bindparam, delete, func, insert, or_, select, update

from ileti.sandbox.store import tables as t

if TYPE_CHECKING:
    from ileti.sandbox.store.postgres import DbConnection, DbCursor
    from ileti.sandbox.store.sql import SqlStore

__all__ = [
    "ConsentKey",
    "ConsentRecord",
    "ContactData",
    "ContactRecord",
    "Directory",
    "DirectoryRefusal",
    "GroupRecord",
    "IysState",
    "NewConsent",
    "RefusalKind",
    "fold",
]


class RefusalKind(enum.StrEnum):
    GROUP = "group"  # the group (id) does not exist in this account
    PARENT = "parent"  # the parent group does not exist
    CYCLE = "cycle"  # a group cannot be its own ancestor
    CONTACT = "contact"  # the contact does not exist
    FIELD = "field"  # a custom field id is not defined for this account
    QUOTA = "quota"  # the İYS quota cannot take the batch


class DirectoryRefusal(Exception):  # noqa: N818 -- a refusal is an outcome, like `store.base.Refusal`
    """The directory declined a write for a domain reason (the handler maps it to a status code)."""

    def __init__(self, kind: RefusalKind) -> None:
        super().__init__(kind.value)
        self.kind = kind


@dataclass(frozen=True, slots=True)
class GroupRecord:
    id: int
    name: str
    parent_id: int | None
    count: int = 0


@dataclass(slots=True)
class ContactData:
    """The values of a contact to write. In an edit, None means "keep what is stored"."""

    name: str | None = None
    surname: str | None = None
    email: str | None = None
    gsm: str | None = None
    fields: dict[int, str] | None = None
    groups: list[int] | None = None


@dataclass(slots=True)
class ContactRecord:
    id: int
    name: str | None
    surname: str | None
    email: str | None
    gsm: str | None
    fields: list[tuple[int, str]] = field(default_factory=list)
    groups: list[int] = field(default_factory=list)


ConsentKey = tuple[str, str, str]
"""(recipient, recipientType, type): under one brand code, the thing a consent history is about."""


@dataclass(frozen=True, slots=True)
class NewConsent:
    recipient: str
    recipient_type: str
    type: str
    status: str
    source: str | None
    consent_date: str | None
    consent_ts: float

    @property
    def key(self) -> ConsentKey:
        return (self.recipient, self.recipient_type, self.type)


@dataclass(frozen=True, slots=True)
class ConsentRecord:
    brand_code: str
    recipient: str
    recipient_type: str
    type: str
    status: str
    source: str | None
    consent_date: str | None
    consent_ts: float
    created_ts: float


@dataclass(frozen=True, slots=True)
class IysState:
    """Per-account İYS state of the sandbox: records used against the quota, strict mode, show quirks."""

    used: int = 0
    strict: bool = True
    quirks: bool = True


_MAX_OFFSET = 2**62  # a page number from the wire can be any size; SQLite's OFFSET is a signed 64-bit int
_I_VARIANTS = str.maketrans({"İ": "i", "I": "i", "ı": "i"})


def fold(text: str) -> str:
    """Text for a case-insensitive search: every dotted and dotless i is one letter, then casefolded, so
    "DEMIR", "demir" and "DEMİR" all find "Demir"."""
    return text.translate(_I_VARIANTS).casefold()


_CONTACT_COLUMNS = (
    t.contacts.c.id,
    t.contacts.c.name,
    t.contacts.c.surname,
    t.contacts.c.email,
    t.contacts.c.gsm,
)
_CONSENT_COLUMNS = (
    t.consents.c.brand_code,
    t.consents.c.recipient,
    t.consents.c.recipient_type,
    t.consents.c.type,
    t.consents.c.status,
    t.consents.c.source,
    t.consents.c.consent_date,
    t.consents.c.consent_ts,
    t.consents.c.created_ts,
)


class Directory:
    """Blacklist pages, groups, contacts, custom fields and consents of all accounts, on the store's
    connection."""

    def __init__(self, store: SqlStore) -> None:
        self._store = store

    # ------------------------------------------------------------------------------------------ plumbing

    def _exec(self, statement: ClauseElement, params: Mapping[str, Any] | None = None) -> DbCursor:
        # the store's own compile-and-run, so dialect handling stays in `sql.py`
        return self._store._x(statement, params)

    def _tx(self) -> AbstractContextManager[DbConnection]:
        return self._store._tx()

    # ------------------------------------------------------------------------------------------ blacklist

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
        count = self._exec(select(func.count()).select_from(b).where(*where)).fetchone()
        rows = self._exec(
            select(b.c.number)
            .where(*where)
            .order_by(b.c.added_ts.desc(), b.c.number)
            .offset(min(offset, _MAX_OFFSET))
            .limit(limit)
        ).fetchall()
        return (count[0] if count else 0), [row[0] for row in rows]

    def blacklist_entries(self, account_key: str) -> list[tuple[str, float]]:
        b = t.blacklist
        rows = self._exec(
            select(b.c.number, b.c.added_ts)
            .where(b.c.account_key == account_key)
            .order_by(b.c.added_ts.desc(), b.c.number)
        )
        return [(number, added) for number, added in rows]

    def add_blacklist(self, account_key: str, numbers: Iterable[str], now: float) -> None:
        """Add the numbers not yet listed; a listed one keeps its first `added_ts` (add-blacklist is
        idempotent)."""
        b = t.blacklist
        with self._tx():
            for number in dict.fromkeys(numbers):
                listed = self._exec(
                    select(b.c.number).where(b.c.account_key == account_key, b.c.number == number)
                ).fetchone()
                if listed is None:
                    self._exec(insert(b).values(account_key=account_key, number=number, added_ts=now))

    def remove_blacklist(self, account_key: str, number: str) -> bool:
        """Remove one number; False when it was not listed (delete-blacklist's 474)."""
        b = t.blacklist
        with self._tx():
            gone = self._exec(delete(b).where(b.c.account_key == account_key, b.c.number == number)).rowcount
        return bool(gone)

    def clear_blacklist(self, account_key: str) -> None:
        with self._tx():
            self._exec(delete(t.blacklist).where(t.blacklist.c.account_key == account_key))

    # ------------------------------------------------------------------------------------------ groups

    def groups(self, account_key: str) -> list[GroupRecord]:
        """Every group of the account with its contact count, oldest first."""
        g, cg = t.groups, t.contact_groups
        counts = select(cg.c.group_id, func.count().label("n")).group_by(cg.c.group_id).subquery()
        rows = self._exec(
            select(g.c.id, g.c.name, g.c.parent_id, func.coalesce(counts.c.n, 0))
            .select_from(g.outerjoin(counts, counts.c.group_id == g.c.id))
            .where(g.c.account_key == account_key)
            .order_by(g.c.id)
        ).fetchall()
        return [GroupRecord(i, name, parent, n) for i, name, parent, n in rows]

    def group(self, account_key: str, group_id: int) -> GroupRecord | None:
        g, cg = t.groups, t.contact_groups
        row = self._exec(
            select(g.c.id, g.c.name, g.c.parent_id).where(g.c.account_key == account_key, g.c.id == group_id)
        ).fetchone()
        if row is None:
            return None
        count = self._exec(select(func.count()).select_from(cg).where(cg.c.group_id == group_id)).fetchone()
        return GroupRecord(row[0], row[1], row[2], count[0] if count else 0)

    def _group_ids(self, account_key: str) -> set[int]:
        g = t.groups
        return {row[0] for row in self._exec(select(g.c.id).where(g.c.account_key == account_key))}

    def add_group(self, account_key: str, name: str, parent_id: int | None, now: float) -> GroupRecord:
        """Create a group; `DirectoryRefusal(PARENT)` when the parent is not a group of this account."""
        with self._tx():
            if parent_id is not None and parent_id not in self._group_ids(account_key):
                raise DirectoryRefusal(RefusalKind.PARENT)
            cursor = self._exec(
                insert(t.groups).values(
                    account_key=account_key, name=name, parent_id=parent_id, created_ts=now
                )
            )
            group_id = cursor.lastrowid
        assert group_id is not None
        return GroupRecord(group_id, name, parent_id)

    def edit_group(self, account_key: str, group_id: int, name: str, parent_id: int | None) -> GroupRecord:
        """Rename and move a group. Refusals: GROUP (unknown id), PARENT (unknown parent), CYCLE (the new
        parent is the group itself or one of its descendants)."""
        g = t.groups
        with self._tx():
            parents = dict(
                self._exec(select(g.c.id, g.c.parent_id).where(g.c.account_key == account_key)).fetchall()
            )
            if group_id not in parents:
                raise DirectoryRefusal(RefusalKind.GROUP)
            if parent_id is not None:
                if parent_id not in parents:
                    raise DirectoryRefusal(RefusalKind.PARENT)
                ancestor: int | None = parent_id
                while ancestor is not None:
                    if ancestor == group_id:
                        raise DirectoryRefusal(RefusalKind.CYCLE)
                    ancestor = parents.get(ancestor)
            self._exec(update(g).where(g.c.id == group_id).values(name=name, parent_id=parent_id))
        found = self.group(account_key, group_id)
        assert found is not None
        return found

    def delete_group(self, account_key: str, group_id: int) -> bool:
        """Delete a group, its subgroups and their memberships (contacts stay); False when there is no
        such group."""
        g, cg = t.groups, t.contact_groups
        with self._tx():
            parents = dict(
                self._exec(select(g.c.id, g.c.parent_id).where(g.c.account_key == account_key)).fetchall()
            )
            if group_id not in parents:
                return False
            doomed = {group_id}
            grew = True
            while grew:  # subgroups at any depth
                before = len(doomed)
                doomed |= {child for child, parent in parents.items() if parent in doomed}
                grew = len(doomed) != before
            self._exec(delete(cg).where(cg.c.group_id.in_(sorted(doomed))))
            self._exec(delete(g).where(g.c.id.in_(sorted(doomed))))
        return True

    def group_contacts(
        self, account_key: str, group_id: int, offset: int, limit: int
    ) -> tuple[int, list[ContactRecord]]:
        """(members of the group, this page of them by contact id)."""
        c, cg = t.contacts, t.contact_groups
        where = and_(c.c.account_key == account_key, cg.c.group_id == group_id)
        joined = c.join(cg, cg.c.contact_id == c.c.id)
        count = self._exec(select(func.count()).select_from(joined).where(where)).fetchone()
        rows = self._exec(
            select(*_CONTACT_COLUMNS)
            .select_from(joined)
            .where(where)
            .order_by(c.c.id)
            .offset(min(offset, _MAX_OFFSET))
            .limit(limit)
        ).fetchall()
        return (count[0] if count else 0), self._complete(rows)

    # ------------------------------------------------------------------------------------------ contacts

    def _complete(self, rows: Sequence[Any]) -> list[ContactRecord]:
        """Contact rows with their custom fields and group ids (two queries for the whole page)."""
        records = [ContactRecord(*row) for row in rows]
        if not records:
            return records
        by_id = {record.id: record for record in records}
        ids = sorted(by_id)
        cf, cg = t.contact_fields, t.contact_groups
        for contact_id, field_id, value in self._exec(
            select(cf.c.contact_id, cf.c.field_id, cf.c.value)
            .where(cf.c.contact_id.in_(ids))
            .order_by(cf.c.contact_id, cf.c.field_id)
        ):
            by_id[contact_id].fields.append((field_id, value))
        for contact_id, group_id in self._exec(
            select(cg.c.contact_id, cg.c.group_id)
            .where(cg.c.contact_id.in_(ids))
            .order_by(cg.c.contact_id, cg.c.group_id)
        ):
            by_id[contact_id].groups.append(group_id)
        return records

    def contact(self, account_key: str, contact_id: int) -> ContactRecord | None:
        c = t.contacts
        rows = self._exec(
            select(*_CONTACT_COLUMNS).where(c.c.account_key == account_key, c.c.id == contact_id)
        )
        found = self._complete(rows.fetchall())
        return found[0] if found else None

    def contacts(self, account_key: str, offset: int = 0, limit: int = 100_000) -> list[ContactRecord]:
        c = t.contacts
        rows = self._exec(
            select(*_CONTACT_COLUMNS)
            .where(c.c.account_key == account_key)
            .order_by(c.c.id)
            .offset(min(offset, _MAX_OFFSET))
            .limit(limit)
        ).fetchall()
        return self._complete(rows)

    def search_contacts(self, account_key: str, key: str, offset: int, limit: int) -> list[ContactRecord]:
        """Contacts whose name, surname, e-mail or number contains `key`, by id; case-insensitive the Turkish
        way too (`fold`), which SQL's ASCII-only lower() is not, so the match runs here."""
        c = t.contacts
        needle = fold(key)
        rows = self._exec(select(*_CONTACT_COLUMNS).where(c.c.account_key == account_key).order_by(c.c.id))
        matches = [row for row in rows if any(value and needle in fold(value) for value in row[1:])]
        return self._complete(matches[offset : offset + limit])

    def _check_references(self, account_key: str, data: ContactData) -> None:
        if data.groups and not set(data.groups) <= self._group_ids(account_key):
            raise DirectoryRefusal(RefusalKind.GROUP)
        if data.fields and not set(data.fields) <= {i for i, _ in self.custom_fields(account_key)}:
            raise DirectoryRefusal(RefusalKind.FIELD)

    def _write_links(self, contact_id: int, data: ContactData) -> None:
        cf, cg = t.contact_fields, t.contact_groups
        if data.fields is not None:
            self._exec(delete(cf).where(cf.c.contact_id == contact_id))
            for field_id, value in data.fields.items():
                self._exec(insert(cf).values(contact_id=contact_id, field_id=field_id, value=value))
        if data.groups is not None:
            self._exec(delete(cg).where(cg.c.contact_id == contact_id))
            for group_id in dict.fromkeys(data.groups):
                self._exec(insert(cg).values(contact_id=contact_id, group_id=group_id))

    def add_contact(self, account_key: str, data: ContactData, now: float) -> ContactRecord:
        """Create a contact. Refusals: GROUP (a group id not in the account), FIELD (an undefined custom
        field)."""
        with self._tx():
            self._check_references(account_key, data)
            cursor = self._exec(
                insert(t.contacts).values(
                    account_key=account_key,
                    name=data.name,
                    surname=data.surname,
                    email=data.email,
                    gsm=data.gsm,
                    created_ts=now,
                )
            )
            contact_id = cursor.lastrowid
            assert contact_id is not None
            self._write_links(contact_id, data)
        found = self.contact(account_key, contact_id)
        assert found is not None
        return found

    def edit_contact(
        self, account_key: str, contact_id: int, changes: ContactData, check: Callable[[ContactRecord], None]
    ) -> ContactRecord:
        """Change the given fields (None keeps a value; a given list of groups or fields replaces the
        stored one).

        `check(merged)` runs inside the transaction on the contact as it would be stored (472); it may raise
        to refuse. Refusals: CONTACT (unknown id), GROUP, FIELD.
        """
        c = t.contacts
        with self._tx():
            current = self.contact(account_key, contact_id)
            if current is None:
                raise DirectoryRefusal(RefusalKind.CONTACT)
            self._check_references(account_key, changes)
            scalars = {
                name: value
                for name in ("name", "surname", "email", "gsm")
                if (value := getattr(changes, name)) is not None
            }
            merged = ContactRecord(
                contact_id,
                **{name: getattr(current, name) for name in ("name", "surname", "email", "gsm")},
                fields=current.fields,
                groups=current.groups,
            )
            for name, value in scalars.items():
                setattr(merged, name, value or None)  # "" clears a field
            check(merged)
            if scalars:
                self._exec(
                    update(c)
                    .where(c.c.id == contact_id)
                    .values({name: value or None for name, value in scalars.items()})
                )
            self._write_links(contact_id, changes)
        found = self.contact(account_key, contact_id)
        assert found is not None
        return found

    def delete_contact(self, account_key: str, contact_id: int) -> bool:
        c = t.contacts
        with self._tx():
            gone = self._exec(delete(c).where(c.c.account_key == account_key, c.c.id == contact_id)).rowcount
            if gone:
                self._exec(delete(t.contact_fields).where(t.contact_fields.c.contact_id == contact_id))
                self._exec(delete(t.contact_groups).where(t.contact_groups.c.contact_id == contact_id))
        return bool(gone)

    # ------------------------------------------------------------------------------------------ custom fields

    def custom_fields(self, account_key: str) -> list[tuple[int, str]]:
        f = t.custom_fields
        rows = self._exec(select(f.c.id, f.c.name).where(f.c.account_key == account_key).order_by(f.c.id))
        return [(i, name) for i, name in rows]

    def add_custom_field(self, account_key: str, name: str) -> int:
        with self._tx():
            cursor = self._exec(insert(t.custom_fields).values(account_key=account_key, name=name))
            field_id = cursor.lastrowid
        assert field_id is not None
        return field_id

    def delete_custom_field(self, account_key: str, field_id: int) -> bool:
        """Remove a custom field and every contact's value of it."""
        f = t.custom_fields
        with self._tx():
            gone = self._exec(delete(f).where(f.c.account_key == account_key, f.c.id == field_id)).rowcount
            if gone:
                self._exec(delete(t.contact_fields).where(t.contact_fields.c.field_id == field_id))
        return bool(gone)

    # ------------------------------------------------------------------------------------------ İYS

    def iys_state(self, account_key: str) -> IysState:
        s = t.iys_state
        row = self._exec(select(s.c.used, s.c.strict, s.c.quirks).where(s.c.account_key == account_key))
        found = row.fetchone()
        return IysState() if found is None else IysState(found[0], bool(found[1]), bool(found[2]))

    def set_iys_state(self, account_key: str, state: IysState) -> None:
        with self._tx():
            self._put_state(account_key, state)

    def _put_state(self, account_key: str, state: IysState) -> None:
        s = t.iys_state
        self._exec(delete(s).where(s.c.account_key == account_key))
        self._exec(
            insert(s).values(
                account_key=account_key, used=state.used, strict=state.strict, quirks=state.quirks
            )
        )

    def latest_consents(
        self, account_key: str, brand_code: str, recipients: Iterable[str]
    ) -> dict[ConsentKey, ConsentRecord]:
        """The newest stored record per (recipient, recipientType, type) of these recipients under the
        brand."""
        k = t.consents
        wanted = sorted(set(recipients))
        latest: dict[ConsentKey, ConsentRecord] = {}
        for start in range(0, len(wanted), 500):  # a bounded IN list per statement
            rows = self._exec(
                select(*_CONSENT_COLUMNS)
                .where(
                    k.c.account_key == account_key,
                    k.c.brand_code == brand_code,
                    k.c.recipient.in_(wanted[start : start + 500]),
                )
                .order_by(k.c.id)
            )
            for row in rows:
                record = ConsentRecord(*row)
                latest[(record.recipient, record.recipient_type, record.type)] = record
        return latest

    def has_consents(self, account_key: str, recipient: str) -> bool:
        """Whether the recipient has any İYS record in this account, under any brand code (consent/show's
        422)."""
        k = t.consents
        row = self._exec(
            select(k.c.id).where(k.c.account_key == account_key, k.c.recipient == recipient).limit(1)
        ).fetchone()
        return row is not None

    def consented_numbers(self, account_key: str, brand_code: str, recipient_type: str) -> set[str]:
        """Numbers whose newest MESAJ record of this recipient type under the brand is ONAY (OQ-34)."""
        k = t.consents
        rows = self._exec(
            select(k.c.recipient, k.c.status)
            .where(
                k.c.account_key == account_key,
                k.c.brand_code == brand_code,
                k.c.recipient_type == recipient_type,
                k.c.type == "MESAJ",
            )
            .order_by(k.c.id)
        )
        status: dict[str, str] = dict(rows.fetchall())  # ordered by id: the newest record wins
        return {recipient for recipient, value in status.items() if value == "ONAY"}

    def add_consents(
        self,
        account_key: str,
        brand_code: str,
        records: Sequence[NewConsent],
        *,
        quota: int | None,
        now: float,
        check: Callable[[Mapping[ConsentKey, ConsentRecord]], None],
        counted: bool = True,
    ) -> None:
        """Store a consent batch atomically: all records or none.

        `check(latest)` runs inside the transaction with the newest stored record per key of the batch (the
        national rules that depend on history); it raises to refuse the whole batch. Then the quota:
        `DirectoryRefusal(QUOTA)` when `used + len(records)` would pass it (None: no limit). `counted=False`
        stores without using the quota.
        """
        k = t.consents
        with self._tx():
            check(self.latest_consents(account_key, brand_code, (r.recipient for r in records)))
            state = self.iys_state(account_key)
            if quota is not None and state.used + len(records) > quota:
                raise DirectoryRefusal(RefusalKind.QUOTA)
            self._store._many(
                self._store._compile(
                    insert(k).values(
                        {
                            name: bindparam(name)
                            for name in (
                                "account_key",
                                "brand_code",
                                "recipient",
                                "recipient_type",
                                "type",
                                "status",
                                "source",
                                "consent_date",
                                "consent_ts",
                                "created_ts",
                            )
                        }
                    )
                ),
                [
                    {
                        "account_key": account_key,
                        "brand_code": brand_code,
                        "recipient": r.recipient,
                        "recipient_type": r.recipient_type,
                        "type": r.type,
                        "status": r.status,
                        "source": r.source,
                        "consent_date": r.consent_date,
                        "consent_ts": r.consent_ts,
                        "created_ts": now,
                    }
                    for r in records
                ],
            )
            if counted:
                self._put_state(account_key, IysState(state.used + len(records), state.strict, state.quirks))

    def seed_consents(
        self, account_key: str, brand_code: str, records: Sequence[NewConsent], now: float
    ) -> None:
        """Store records without any rule, outside the quota (control API: set up a scenario)."""
        self.add_consents(
            account_key, brand_code, records, quota=None, now=now, check=lambda _latest: None, counted=False
        )

    def consents(self, account_key: str) -> list[ConsentRecord]:
        k = t.consents
        rows = self._exec(select(*_CONSENT_COLUMNS).where(k.c.account_key == account_key).order_by(k.c.id))
        return [ConsentRecord(*row) for row in rows]

    def clear_consents(self, account_key: str) -> None:
        with self._tx():
            self._exec(delete(t.consents).where(t.consents.c.account_key == account_key))

    # ------------------------------------------------------------------------------------------ lifecycle

    def forget_account(self, account_key: str) -> None:
        """Delete everything of this part that belongs to an account (`SqlStore.delete_account` deletes the
        account with all of this in one transaction)."""
        with self._tx():
            self.forget_links(account_key)
            for table in (t.contacts, t.groups, t.custom_fields, t.consents, t.iys_state, t.blacklist):
                self._exec(delete(table).where(table.c.account_key == account_key))

    def forget_links(self, account_key: str) -> None:
        """Inside the caller's transaction: delete the rows of an account's contacts and groups that do not
        carry its key themselves (contact values and group memberships)."""
        c, g = t.contacts, t.groups
        contact_ids = select(c.c.id).where(c.c.account_key == account_key).scalar_subquery()
        group_ids = select(g.c.id).where(g.c.account_key == account_key).scalar_subquery()
        self._exec(delete(t.contact_fields).where(t.contact_fields.c.contact_id.in_(contact_ids)))
        self._exec(
            delete(t.contact_groups).where(
                or_(
                    t.contact_groups.c.contact_id.in_(contact_ids), t.contact_groups.c.group_id.in_(group_ids)
                )
            )
        )
