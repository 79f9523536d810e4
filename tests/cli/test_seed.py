"""`ileti serve --seed FILE` as a real process on a real SQLite file: a valid seed (JSON and TOML) is the
state the server starts in; an invalid one stops it before it listens, with exit 2, a message naming the
entry and the field, and the store unchanged; a restart on the same store duplicates nothing;
reset returns to it."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import socket
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.serving import Served, clean_env, free_port, serve, serve_command

BRAND = "700100"
SEED: dict[str, Any] = {
    "demo": False,
    "carrier_rules": {"+905300000077": "undelivered"},
    "clock": {"set": "2026-03-02 09:30:00"},
    "accounts": [
        {
            "key": "ci-account",
            "secret": "ci-secret",
            "senders": ["ACME"],
            "balance": {"sms": 500},
            "iys": {"brand_code": BRAND, "active": True},
            "blacklist": ["5300000009"],
            "consents": [
                {
                    "recipient": "+905300000010",
                    "recipientType": "BIREYSEL",
                    "type": "MESAJ",
                    "status": "ONAY",
                    "source": "HS_WEB",
                    "consentDate": "2026-01-01 10:00:00",
                }
            ],
            "groups": [{"name": "VIP"}, {"name": "Gold", "parent": "VIP"}],
            "contacts": [
                {"name": "Ada", "surname": "Yıldız", "gsm": "05300000010", "groups": ["VIP", "Gold"]},
                {"email": "bob@example.com"},
            ],
        },
        {"senders": ["OTHER"]},  # no key: one derived from the entry, the same on every start
    ],
}

SEED_TOML = """
demo = false

[carrier_rules]
"+905300000077" = "undelivered"

[[accounts]]
key = "toml-account"
secret = "toml-secret"
senders = ["ACME"]
blacklist = ["+905300000009"]
iys = { brand_code = "700200", active = true }

[[accounts.consents]]
recipient = "5300000011"
recipientType = "BIREYSEL"
type = "MESAJ"
status = "ONAY"
source = "HS_WEB"
consentDate = 2026-01-01 10:00:00  # a TOML datetime, read as the API writes it

[[accounts.groups]]
name = "Ekip"

[[accounts.contacts]]
name = "Can"
gsm = "5300000011"
groups = ["Ekip"]
"""


@dataclass
class Seeded:
    """A running `ileti serve --seed` and an HTTP client on it."""

    served: Served
    http: httpx.Client

    def tail(self) -> str:
        return self.served.tail()


def _command(db: Path, port: int, seed: Path) -> list[str]:
    return serve_command(port, db, "--seed", str(seed))


def _env() -> dict[str, str]:
    return clean_env(ILETI_LOG_LEVEL="warning")


@contextlib.contextmanager
def _serve(tmp_path: Path, db: Path, seed: Path) -> Iterator[Seeded]:
    """`ileti serve --seed` (with the default demo account) and a client on it."""
    with (
        serve(tmp_path, "--seed", str(seed), db=db, env={"ILETI_DEMO_ACCOUNT": "1"}) as served,
        httpx.Client(base_url=served.url, timeout=10) as http,
    ):
        yield Seeded(served, http)


def _dump(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table but `meta`, read beside the server: what "unchanged" compares."""
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)) as connection:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {
            table: sorted(connection.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
            for table in tables
            if table not in ("meta", "alembic_version")
        }


def _send(http: httpx.Client, key: str, secret: str, numbers: list[str], *, iys: str = "1") -> httpx.Response:
    auth = {"key": key, "hash": hmac.new(secret.encode(), key.encode(), hashlib.sha256).hexdigest()}
    order = {
        "sender": "ACME",
        "iys": iys,
        "iysList": "BIREYSEL",
        "message": {"text": "Merhaba", "receipents": {"number": numbers}},
    }
    return http.post("/v1/send-sms/json", json={"request": {"authentication": auth, "order": order}})


def _assert_seeded(http: httpx.Client) -> None:
    keys = [a["key"] for a in http.get("/_sandbox/accounts").json()["accounts"]]
    assert len(keys) == 2, keys  # no demo account
    assert keys[0] == "ci-account"
    assert keys[1].startswith("seed-")
    account = http.get("/_sandbox/accounts/ci-account").json()
    assert account["iys"] == {"brand_code": BRAND, "active": True, "quota": None}
    assert account["blacklist"] == ["+905300000009"]
    assert account["balance"]["sms"] == 500
    consents = http.get("/_sandbox/accounts/ci-account/consents").json()["consents"]
    assert [(c["recipient"], c["status"], c["brandCode"]) for c in consents] == [
        ("+905300000010", "ONAY", BRAND)
    ]
    directory = http.get("/_sandbox/accounts/ci-account/contacts").json()
    groups = {g["name"]: g for g in directory["groups"]}
    assert set(groups) == {"VIP", "Gold"}
    assert groups["Gold"]["parent"] == groups["VIP"]["id"]
    ada = next(c for c in directory["contacts"] if c["name"] == "Ada")
    assert ada["gsm"] == "+905300000010"
    assert sorted(ada["groups"]) == sorted(g["id"] for g in groups.values())
    assert len(directory["contacts"]) == 2
    assert http.get("/_sandbox/carrier/rules").json() == {"rules": {"+905300000077": "undelivered"}}
    clock = http.get("/_sandbox/clock").json()
    assert clock["now"] == "2026-03-02 09:30:00"
    assert clock["mode"] == "frozen"


def _write(tmp_path: Path, content: Any, name: str = "seed.json") -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return path


def test_a_seeded_server_starts_in_the_seeded_state_and_the_seed_works(tmp_path: Path) -> None:
    db, seed = tmp_path / "store.db", _write(tmp_path, SEED)
    with _serve(tmp_path, db, seed) as served:
        _assert_seeded(served.http)
        assert f"Seed file: {seed}" in served.tail()
        # the seeded account sends a commercial message: consent for one number, none for the other
        response = _send(served.http, "ci-account", "ci-secret", ["5300000010", "5300000011"])
        assert response.json()["response"]["status"]["code"] == 200, response.text
        assert served.http.post("/_sandbox/carrier/settle").status_code == 200
        statuses = {m["to"]: m["status"] for m in served.http.get("/_sandbox/messages").json()["messages"]}
        assert statuses == {"+905300000010": 111, "+905300000011": 112}


def test_a_toml_seed_is_read_like_json(tmp_path: Path) -> None:
    db, seed = tmp_path / "store.db", _write(tmp_path, SEED_TOML, "seed.toml")
    with _serve(tmp_path, db, seed) as served:
        accounts = served.http.get("/_sandbox/accounts").json()["accounts"]
        assert [a["key"] for a in accounts] == ["toml-account"]
        consents = served.http.get("/_sandbox/accounts/toml-account/consents").json()["consents"]
        assert [(c["recipient"], c["consentDate"]) for c in consents] == [
            ("+905300000011", "2026-01-01 10:00:00")
        ]
        directory = served.http.get("/_sandbox/accounts/toml-account/contacts").json()
        assert [c["groups"] for c in directory["contacts"]] == [[directory["groups"][0]["id"]]]


def test_restarting_with_the_same_seed_and_store_changes_nothing(tmp_path: Path) -> None:
    db, seed = tmp_path / "store.db", _write(tmp_path, SEED)
    with _serve(tmp_path, db, seed) as served:
        _assert_seeded(served.http)
        served.http.patch("/_sandbox/accounts/ci-account", json={"balance": {"sms": 7}})  # the tests' change
    before = _dump(db)
    with _serve(tmp_path, db, seed) as served:
        assert served.http.get("/_sandbox/accounts/ci-account").json()["balance"]["sms"] == 7
    assert _dump(db) == before


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda s: s["accounts"][0]["iys"].update(quota=-1), "accounts[0] (key 'ci-account'): iys.quota"),
        (
            lambda s: s["accounts"][0]["consents"][0].update(status="EVET"),
            "accounts[0] (key 'ci-account').consents[0]: records: status: status 'EVET' is not ONAY or RET",
        ),
        (
            lambda s: s["accounts"][0]["contacts"][0].update(gsm="12"),
            "accounts[0] (key 'ci-account').contacts[0]: 466",
        ),
        (
            lambda s: s["accounts"][0]["groups"][1].update(parent="Nope"),
            "accounts[0] (key 'ci-account').groups[1].parent: 'Nope' names no group",
        ),
        (
            lambda s: s["accounts"][1].update(blacklist=["123"]),
            "accounts[1]: blacklist[0]: '123' is not a Turkish",
        ),
        (
            lambda s: s.update(carrier_rules={"+905300000077": "lost"}),
            "carrier_rules.+905300000077: Input should be 'delivered', 'undelivered' or 'never'",
        ),
        (lambda s: s.update(clock={"set": "tomorrow"}), 'clock.set: "YYYY-MM-DD HH:MM:SS"'),
    ],
    ids=["account-field", "consent", "contact", "group-parent", "blacklist", "carrier-rules", "clock"],
)
def test_an_invalid_seed_stops_the_server_before_it_listens_and_changes_nothing(
    tmp_path: Path, change: Any, expected: str
) -> None:
    db = tmp_path / "store.db"
    with _serve(tmp_path, db, _write(tmp_path, {"accounts": [{"key": "existing", "senders": ["X"]}]})):
        pass
    before = _dump(db)
    bad = json.loads(json.dumps(SEED))
    change(bad)
    port = free_port()
    result = subprocess.run(
        _command(db, port, _write(tmp_path, bad)),
        capture_output=True,
        env=_env(),
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    err = result.stderr.decode()
    assert result.returncode == 2, err
    assert expected in err, err
    assert "Traceback" not in err
    assert _dump(db) == before
    with socket.socket() as sock:  # it never listened
        assert sock.connect_ex(("127.0.0.1", port)) != 0


def test_an_unreadable_seed_file_is_exit_2(tmp_path: Path) -> None:
    for seed, expected in (
        (_write(tmp_path, "{not json"), "not valid JSON"),
        (tmp_path / "missing.json", "cannot be read"),
    ):
        result = subprocess.run(
            _command(tmp_path / "store.db", free_port(), seed),
            capture_output=True,
            env=_env(),
            cwd=tmp_path,
            timeout=60,
            check=False,
        )
        assert result.returncode == 2, result.stderr.decode()
        assert expected in result.stderr.decode()


def test_reset_returns_to_the_seeded_state(tmp_path: Path) -> None:
    db, seed = tmp_path / "store.db", _write(tmp_path, SEED)
    with _serve(tmp_path, db, seed) as served:
        http = served.http
        assert (
            _send(http, "ci-account", "ci-secret", ["5300000010"]).json()["response"]["status"]["code"] == 200
        )
        http.delete("/_sandbox/accounts/ci-account")
        http.delete("/_sandbox/carrier/rules")
        http.post("/_sandbox/clock", json={"mode": "real"})
        http.post("/_sandbox/accounts", json={"key": "stray"})
        answer = http.post("/_sandbox/reset")
        assert answer.status_code == 200, answer.text
        assert answer.json()["demo_account"] is None
        _assert_seeded(http)
        assert http.get("/_sandbox/messages").json()["messages"] == []
