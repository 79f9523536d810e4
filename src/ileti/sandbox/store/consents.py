"""İYS consents and the sandbox's per-account İYS state (quota used, strict mode, quirks) (`Consents`, on the
store's `Database`).

A consent batch is stored all or nothing; the national rules that depend on history run inside the batch's
transaction (`add`'s `check`), and a batch past the quota is `Refusal(QUOTA)`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

from sqlalchemy import bindparam, delete, insert, select

from ileti.sandbox.store import tables as t
from ileti.sandbox.store.db import Database
from ileti.sandbox.store.records import (
    ConsentKey,
    ConsentRecord,
    IysState,
    NewConsent,
    Refusal,
    RefusalReason,
)

__all__ = ["Consents"]

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


class Consents:
    """İYS consents and state of every account."""

    def __init__(self, db: Database) -> None:
        self._db = db

    # ------------------------------------------------------------------------------------------ İYS

    def iys_state(self, account_key: str) -> IysState:
        s = t.iys_state
        row = self._db.execute(select(s.c.used, s.c.strict, s.c.quirks).where(s.c.account_key == account_key))
        found = row.fetchone()
        return IysState() if found is None else IysState(found[0], bool(found[1]), bool(found[2]))

    def set_iys_state(self, account_key: str, state: IysState) -> None:
        with self._db.transaction():
            self._put_state(account_key, state)

    def _put_state(self, account_key: str, state: IysState) -> None:
        s = t.iys_state
        self._db.execute(delete(s).where(s.c.account_key == account_key))
        self._db.execute(
            insert(s).values(
                account_key=account_key, used=state.used, strict=state.strict, quirks=state.quirks
            )
        )

    def latest(
        self, account_key: str, brand_code: str, recipients: Iterable[str]
    ) -> dict[ConsentKey, ConsentRecord]:
        """The newest stored record per (recipient, recipientType, type) of these recipients under the
        brand."""
        k = t.consents
        wanted = sorted(set(recipients))
        latest: dict[ConsentKey, ConsentRecord] = {}
        for start in range(0, len(wanted), 500):  # a bounded IN list per statement
            rows = self._db.execute(
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

    def has_any(self, account_key: str, recipient: str) -> bool:
        """Whether the recipient has any İYS record in this account, under any brand code (consent/show's
        422)."""
        k = t.consents
        row = self._db.execute(
            select(k.c.id).where(k.c.account_key == account_key, k.c.recipient == recipient).limit(1)
        ).fetchone()
        return row is not None

    def consented_numbers(self, account_key: str, brand_code: str, recipient_type: str) -> set[str]:
        """Numbers whose newest MESAJ record of this recipient type under the brand is ONAY (OQ-34)."""
        k = t.consents
        rows = self._db.execute(
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

    def add(
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
        `Refusal(QUOTA)` when `used + len(records)` would pass it (None: no limit). `counted=False`
        stores without using the quota.
        """
        k = t.consents
        with self._db.transaction():
            check(self.latest(account_key, brand_code, (r.recipient for r in records)))
            state = self.iys_state(account_key)
            if quota is not None and state.used + len(records) > quota:
                raise Refusal(RefusalReason.QUOTA)
            self._db.many(
                self._db.compile(
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

    def seed(self, account_key: str, brand_code: str, records: Sequence[NewConsent], now: float) -> None:
        """Store records without any rule, outside the quota (control API: set up a scenario)."""
        self.add(
            account_key, brand_code, records, quota=None, now=now, check=lambda _latest: None, counted=False
        )

    def all(self, account_key: str) -> list[ConsentRecord]:
        k = t.consents
        rows = self._db.execute(
            select(*_CONSENT_COLUMNS).where(k.c.account_key == account_key).order_by(k.c.id)
        )
        return [ConsentRecord(*row) for row in rows]

    def clear(self, account_key: str) -> None:
        with self._db.transaction():
            self._db.execute(delete(t.consents).where(t.consents.c.account_key == account_key))
