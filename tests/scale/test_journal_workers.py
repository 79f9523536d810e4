"""The request journal of `ileti serve --workers 2` over one store (SQLite file, PostgreSQL): a read through
any worker shows every worker's calls, ids are unique and consecutive, and no hash reaches the store."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import sqlalchemy as sa

from ileti.sandbox.store import tables as t
from ileti.sandbox.store.postgres import engine_url, is_postgres

from .harness import Control, ServeProcess, envelope, fire_at_once, order


def test_every_workers_calls_are_in_the_journal(store_db: str, tmp_path: Path) -> None:
    with ServeProcess(store_db, tmp_path / "serve.log", workers=2) as server:
        control = Control(server.url)
        try:
            account = control.account("journal", balance={"sms": 1000})
            good = [envelope(account, "order", order(f"worker test {n}", ["5301234567"])) for n in range(24)]
            long_sender = order("too long a sender", ["5301234567"], sender="ACMECORPORATE1")
            bad = [envelope(account, "order", long_sender) for _ in range(6)]
            answers = fire_at_once(server.url, good + bad)  # 30 connections at once: both workers take some
            placed = sorted(int(body["response"]["order"]["id"]) for status, body in answers if status == 200)
            assert len(placed) == 24
            assert [status for status, _ in answers[24:]] == [460] * 6
            xml = (
                f"<request><authentication><key>{account.key}</key><hash>{account.hash}</hash>"
                "</authentication></request>"
            )
            assert httpx.post(server.url + "/v1/get-balance", content=xml).status_code == 200

            for _ in range(4):  # each read on a new connection, so both workers answer some of them
                entries = httpx.get(
                    server.url + "/_sandbox/requests", params={"account": account.key}, timeout=30
                ).json()["requests"]
                assert len(entries) == 31
                ids = [entry["id"] for entry in entries]
                assert len(set(ids)) == 31
                # newest first by answer, across workers: the XML call was answered after every other
                assert entries[0]["transport"] == "xml"
                since = httpx.get(
                    server.url + "/_sandbox/requests",
                    params={"account": account.key, "since_id": min(ids)},
                    timeout=30,
                )
                assert sorted(e["id"] for e in since.json()["requests"]) == sorted(ids)[1:]
                assert sorted(e["order_id"] for e in entries if e["code"] == 200 and e["order_id"]) == placed
                refusals = [e for e in entries if e["code"] == 460]
                assert len(refusals) == 6
                assert {e["reason"] for e in refusals} == {
                    "sender_format: the sender 'ACMECORPORATE1' has 14 characters where 11 are allowed"
                }

            assert httpx.delete(server.url + "/_sandbox/requests").json()["deleted"] >= 31
            assert httpx.get(server.url + "/_sandbox/requests").json()["requests"] == []
        finally:
            control.close()
    url = engine_url(store_db) if is_postgres(store_db) else f"sqlite:///{store_db}"
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        stored = connection.execute(sa.select(t.journal.c.entries)).scalars().all()
    engine.dispose()
    assert stored == []  # the delete emptied the store, not only what one worker sees


def test_the_hash_never_reaches_the_store(store_db: str, tmp_path: Path) -> None:
    with ServeProcess(store_db, tmp_path / "serve.log", workers=2) as server:
        control = Control(server.url)
        try:
            account = control.account("secretive", balance={"sms": 10})
            status, _ = control.api(account, "send-sms", "order", order("gizli", ["5301234567"]))
            assert status == 200
            entries = httpx.get(server.url + "/_sandbox/requests").json()["requests"]
            assert entries[0]["request"]["request"]["authentication"]["hash"] == "***"
        finally:
            control.close()
    url = engine_url(store_db) if is_postgres(store_db) else f"sqlite:///{store_db}"
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        stored = connection.execute(sa.select(t.journal.c.entries)).scalars().all()
    engine.dispose()
    assert stored
    assert account.hash not in json.dumps(stored)
