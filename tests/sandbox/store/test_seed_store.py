"""The seed file on the store the session uses (SQLite, or PostgreSQL when `ILETI_TEST_DB` says so): applied
once in one transaction, refused whole, applied again by reset. `tests/cli/test_seed.py` drives the same
through `ileti serve` processes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ileti.sandbox import Settings
from ileti.sandbox.app import prepare
from ileti.sandbox.seed import SeedError, apply, load, parse
from ileti.sandbox.store.sql import SqlStore, open_store
from ileti.sandbox.world.clock import Clock
from ileti.testing import SandboxServer, http_client, sandbox_database

SEED: dict[str, Any] = {
    "demo": False,
    "accounts": [
        {
            "key": "seeded",
            "secret": "s",
            "senders": ["ACME"],
            "iys": {"brand_code": "42", "active": True},
            "blacklist": ["5300000009"],
            "consents": [
                {"recipient": "+905300000010", "recipientType": "TACIR", "type": "MESAJ", "status": "ONAY"}
            ],
            "groups": [{"name": "A"}, {"name": "B", "parent": "A"}],
            "contacts": [{"name": "Ada", "groups": ["B"]}],
        }
    ],
}


@pytest.fixture
def db() -> Iterator[str]:
    with sandbox_database() as url:
        yield url or ""


def _path(tmp_path: Path, db: str) -> str:
    return db or str(tmp_path / "store.db")


def _store(path: str) -> SqlStore:
    return open_store(path)


def _counts(store: SqlStore) -> tuple[int, int, int, int, int]:
    keys = [a.key for a in store.accounts.all()]
    return (
        len(keys),
        sum(len(store.accounts.blacklisted(k)) for k in keys),
        sum(len(store.consents.all(k)) for k in keys),
        sum(len(store.contacts.groups(k)) for k in keys),
        sum(len(store.contacts.all(k)) for k in keys),
    )


def test_the_seed_is_applied_once(tmp_path: Path, db: str) -> None:
    path = _path(tmp_path, db)
    seed_file = tmp_path / "seed.json"
    seed_file.write_text(json.dumps(SEED))
    assert prepare(Settings(db=path, seed=str(seed_file))) is None  # demo: false
    assert prepare(Settings(db=path, seed=str(seed_file))) is None
    store = _store(path)
    try:
        assert _counts(store) == (1, 1, 1, 2, 1)
        assert (
            apply(store, load(seed_file), Clock(store.clock_state())) is False
        )  # same digest: nothing to do
        assert _counts(store) == (1, 1, 1, 2, 1)
    finally:
        store.close()


def test_a_failure_in_the_middle_of_a_seed_writes_nothing(
    tmp_path: Path, db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _store(_path(tmp_path, db))
    try:
        seed = parse({"accounts": [{"key": "first", "blacklist": ["5300000009"]}, SEED["accounts"][0]]})

        def broken(*_args: Any) -> None:
            raise OSError("disk full")

        monkeypatch.setattr(store.contacts, "add", broken)  # the very last write of the seed
        with pytest.raises(OSError, match="disk full"):
            apply(store, seed, Clock(store.clock_state()))
        assert _counts(store) == (0, 0, 0, 0, 0)
        monkeypatch.undo()
        assert apply(store, seed, Clock(store.clock_state())) is True  # and it was not recorded as applied
        assert _counts(store) == (2, 2, 1, 2, 1)
    finally:
        store.close()


def test_an_invalid_seed_is_refused_before_the_store_is_touched(tmp_path: Path, db: str) -> None:
    path = _path(tmp_path, db)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"accounts": [{"key": "x", "balance": {"sms": -1}}]}))
    with pytest.raises(SeedError, match=r"accounts\[0\] \(key 'x'\): balance.sms"):
        prepare(Settings(db=path, seed=str(bad)))
    store = _store(path)
    try:
        assert store.accounts.all() == []
    finally:
        store.close()


def test_reset_applies_the_seed_again(tmp_path: Path, db: str) -> None:
    seed_file = tmp_path / "seed.json"
    seed_file.write_text(json.dumps({**SEED, "demo": True}))
    with SandboxServer(db or None, seed=str(seed_file)) as server, http_client(server.url) as http:
        keys = [a["key"] for a in http.get("/_sandbox/accounts").json()["accounts"]]
        assert len(keys) == 2  # the demo account, then the seeded one
        assert keys[1] == "seeded"
        http.delete("/_sandbox/accounts/seeded")
        assert http.post("/_sandbox/reset").json()["demo_account"]["key"] == keys[0]
        assert [a["key"] for a in http.get("/_sandbox/accounts").json()["accounts"]] == keys
        contacts = http.get("/_sandbox/accounts/seeded/contacts").json()
        assert [c["name"] for c in contacts["contacts"]] == ["Ada"]


def test_ileti_seed_names_the_file() -> None:
    assert Settings.from_env(environ={"ILETI_SEED": "/etc/ci/seed.toml"}).seed == "/etc/ci/seed.toml"
