"""Contacts: groups (a tree per account), contacts with their custom field values and group memberships, and
the custom fields themselves (`Contacts`, on the store's `Database`).

Like the rest of the store it speaks records, never rows, and answers a domain refusal with `Refusal` (GROUP,
PARENT, CYCLE, CONTACT, FIELD); the handlers map reasons to status codes. Time always comes in as an argument.
Statements here are not on the send-sms hot path, so they are compiled per call (`Database.execute`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import and_, delete, func, insert, select, update

from ileti.sandbox.store import tables as t
from ileti.sandbox.store.db import Database
from ileti.sandbox.store.records import ContactData, ContactRecord, GroupRecord, Refusal, RefusalReason

__all__ = ["Contacts", "fold"]

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


class Contacts:
    """Groups, contacts and custom fields of every account."""

    def __init__(self, db: Database) -> None:
        self._db = db

    # ------------------------------------------------------------------------------------------ groups

    def groups(self, account_key: str) -> list[GroupRecord]:
        """Every group of the account with its contact count, oldest first."""
        g, cg = t.groups, t.contact_groups
        counts = select(cg.c.group_id, func.count().label("n")).group_by(cg.c.group_id).subquery()
        rows = self._db.execute(
            select(g.c.id, g.c.name, g.c.parent_id, func.coalesce(counts.c.n, 0))
            .select_from(g.outerjoin(counts, counts.c.group_id == g.c.id))
            .where(g.c.account_key == account_key)
            .order_by(g.c.id)
        ).fetchall()
        return [GroupRecord(i, name, parent, n) for i, name, parent, n in rows]

    def group(self, account_key: str, group_id: int) -> GroupRecord | None:
        g, cg = t.groups, t.contact_groups
        row = self._db.execute(
            select(g.c.id, g.c.name, g.c.parent_id).where(g.c.account_key == account_key, g.c.id == group_id)
        ).fetchone()
        if row is None:
            return None
        count = self._db.execute(
            select(func.count()).select_from(cg).where(cg.c.group_id == group_id)
        ).fetchone()
        return GroupRecord(row[0], row[1], row[2], count[0] if count else 0)

    def _group_ids(self, account_key: str) -> set[int]:
        g = t.groups
        return {row[0] for row in self._db.execute(select(g.c.id).where(g.c.account_key == account_key))}

    def add_group(self, account_key: str, name: str, parent_id: int | None, now: float) -> GroupRecord:
        """Create a group; `Refusal(PARENT)` when the parent is not a group of this account."""
        with self._db.transaction():
            if parent_id is not None and parent_id not in self._group_ids(account_key):
                raise Refusal(RefusalReason.PARENT)
            cursor = self._db.execute(
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
        with self._db.transaction():
            parents = dict(
                self._db.execute(
                    select(g.c.id, g.c.parent_id).where(g.c.account_key == account_key)
                ).fetchall()
            )
            if group_id not in parents:
                raise Refusal(RefusalReason.GROUP)
            if parent_id is not None:
                if parent_id not in parents:
                    raise Refusal(RefusalReason.PARENT)
                ancestor: int | None = parent_id
                while ancestor is not None:
                    if ancestor == group_id:
                        raise Refusal(RefusalReason.CYCLE)
                    ancestor = parents.get(ancestor)
            self._db.execute(update(g).where(g.c.id == group_id).values(name=name, parent_id=parent_id))
        found = self.group(account_key, group_id)
        assert found is not None
        return found

    def delete_group(self, account_key: str, group_id: int) -> bool:
        """Delete a group, its subgroups and their memberships (contacts stay); False when there is no
        such group."""
        g, cg = t.groups, t.contact_groups
        with self._db.transaction():
            parents = dict(
                self._db.execute(
                    select(g.c.id, g.c.parent_id).where(g.c.account_key == account_key)
                ).fetchall()
            )
            if group_id not in parents:
                return False
            doomed = {group_id}
            grew = True
            while grew:  # subgroups at any depth
                before = len(doomed)
                doomed |= {child for child, parent in parents.items() if parent in doomed}
                grew = len(doomed) != before
            self._db.execute(delete(cg).where(cg.c.group_id.in_(sorted(doomed))))
            self._db.execute(delete(g).where(g.c.id.in_(sorted(doomed))))
        return True

    def group_contacts(
        self, account_key: str, group_id: int, offset: int, limit: int
    ) -> tuple[int, list[ContactRecord]]:
        """(members of the group, this page of them by contact id)."""
        c, cg = t.contacts, t.contact_groups
        where = and_(c.c.account_key == account_key, cg.c.group_id == group_id)
        joined = c.join(cg, cg.c.contact_id == c.c.id)
        count = self._db.execute(select(func.count()).select_from(joined).where(where)).fetchone()
        rows = self._db.execute(
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
        for contact_id, field_id, value in self._db.execute(
            select(cf.c.contact_id, cf.c.field_id, cf.c.value)
            .where(cf.c.contact_id.in_(ids))
            .order_by(cf.c.contact_id, cf.c.field_id)
        ):
            by_id[contact_id].fields.append((field_id, value))
        for contact_id, group_id in self._db.execute(
            select(cg.c.contact_id, cg.c.group_id)
            .where(cg.c.contact_id.in_(ids))
            .order_by(cg.c.contact_id, cg.c.group_id)
        ):
            by_id[contact_id].groups.append(group_id)
        return records

    def get(self, account_key: str, contact_id: int) -> ContactRecord | None:
        c = t.contacts
        rows = self._db.execute(
            select(*_CONTACT_COLUMNS).where(c.c.account_key == account_key, c.c.id == contact_id)
        )
        found = self._complete(rows.fetchall())
        return found[0] if found else None

    def all(self, account_key: str, offset: int = 0, limit: int = 100_000) -> list[ContactRecord]:
        c = t.contacts
        rows = self._db.execute(
            select(*_CONTACT_COLUMNS)
            .where(c.c.account_key == account_key)
            .order_by(c.c.id)
            .offset(min(offset, _MAX_OFFSET))
            .limit(limit)
        ).fetchall()
        return self._complete(rows)

    def search(self, account_key: str, key: str, offset: int, limit: int) -> list[ContactRecord]:
        """Contacts whose name, surname, e-mail or number contains `key`, by id; case-insensitive the Turkish
        way too (`fold`), which SQL's ASCII-only lower() is not, so the match runs here."""
        c = t.contacts
        needle = fold(key)
        rows = self._db.execute(
            select(*_CONTACT_COLUMNS).where(c.c.account_key == account_key).order_by(c.c.id)
        )
        matches = [row for row in rows if any(value and needle in fold(value) for value in row[1:])]
        return self._complete(matches[offset : offset + limit])

    def _check_references(self, account_key: str, data: ContactData) -> None:
        if data.groups and not set(data.groups) <= self._group_ids(account_key):
            raise Refusal(RefusalReason.GROUP)
        if data.fields and not set(data.fields) <= {i for i, _ in self.custom_fields(account_key)}:
            raise Refusal(RefusalReason.FIELD)

    def _write_links(self, contact_id: int, data: ContactData) -> None:
        cf, cg = t.contact_fields, t.contact_groups
        if data.fields is not None:
            self._db.execute(delete(cf).where(cf.c.contact_id == contact_id))
            for field_id, value in data.fields.items():
                self._db.execute(insert(cf).values(contact_id=contact_id, field_id=field_id, value=value))
        if data.groups is not None:
            self._db.execute(delete(cg).where(cg.c.contact_id == contact_id))
            for group_id in dict.fromkeys(data.groups):
                self._db.execute(insert(cg).values(contact_id=contact_id, group_id=group_id))

    def add(self, account_key: str, data: ContactData, now: float) -> ContactRecord:
        """Create a contact. Refusals: GROUP (a group id not in the account), FIELD (an undefined custom
        field)."""
        with self._db.transaction():
            self._check_references(account_key, data)
            cursor = self._db.execute(
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
        found = self.get(account_key, contact_id)
        assert found is not None
        return found

    def edit(
        self, account_key: str, contact_id: int, changes: ContactData, check: Callable[[ContactRecord], None]
    ) -> ContactRecord:
        """Change the given fields (None keeps a value; a given list of groups or fields replaces the
        stored one).

        `check(merged)` runs inside the transaction on the contact as it would be stored (472); it may raise
        to refuse. Refusals: CONTACT (unknown id), GROUP, FIELD.
        """
        c = t.contacts
        with self._db.transaction():
            current = self.get(account_key, contact_id)
            if current is None:
                raise Refusal(RefusalReason.CONTACT)
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
                self._db.execute(
                    update(c)
                    .where(c.c.id == contact_id)
                    .values({name: value or None for name, value in scalars.items()})
                )
            self._write_links(contact_id, changes)
        found = self.get(account_key, contact_id)
        assert found is not None
        return found

    def delete(self, account_key: str, contact_id: int) -> bool:
        c = t.contacts
        with self._db.transaction():
            gone = self._db.execute(
                delete(c).where(c.c.account_key == account_key, c.c.id == contact_id)
            ).rowcount
            if gone:
                self._db.execute(delete(t.contact_fields).where(t.contact_fields.c.contact_id == contact_id))
                self._db.execute(delete(t.contact_groups).where(t.contact_groups.c.contact_id == contact_id))
        return bool(gone)

    # ------------------------------------------------------------------------------------------ custom fields

    def custom_fields(self, account_key: str) -> list[tuple[int, str]]:
        f = t.custom_fields
        rows = self._db.execute(
            select(f.c.id, f.c.name).where(f.c.account_key == account_key).order_by(f.c.id)
        )
        return [(i, name) for i, name in rows]

    def add_custom_field(self, account_key: str, name: str) -> int:
        with self._db.transaction():
            cursor = self._db.execute(insert(t.custom_fields).values(account_key=account_key, name=name))
            field_id = cursor.lastrowid
        assert field_id is not None
        return field_id

    def delete_custom_field(self, account_key: str, field_id: int) -> bool:
        """Remove a custom field and every contact's value of it."""
        f = t.custom_fields
        with self._db.transaction():
            gone = self._db.execute(
                delete(f).where(f.c.account_key == account_key, f.c.id == field_id)
            ).rowcount
            if gone:
                self._db.execute(delete(t.contact_fields).where(t.contact_fields.c.field_id == field_id))
        return bool(gone)
