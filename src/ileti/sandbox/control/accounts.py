"""Sandbox accounts as the control API sees them: validating the JSON fields, the HMAC hash rule (§2) and
the demo account created on an empty store."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Set
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from ileti import phone
from ileti.limits import IYS_LISTS
from ileti.sandbox.context import services_of
from ileti.sandbox.control.base import _account_out, _body, _find, _json, control
from ileti.sandbox.errors import ControlError
from ileti.sandbox.store.records import Account, NewConsent
from ileti.sandbox.store.sql import SqlStore

__all__ = [
    "DEMO_BRAND_CODE",
    "DEMO_SENDER",
    "DEMO_TEST_NUMBER",
    "account_json",
    "derive_hash",
    "ensure_demo",
    "parse_account_fields",
]

DEMO_SENDER = "ILETIDEMO"
DEMO_BRAND_CODE = "100000"  # an active İYS brand: the official SDKs send iys=1, iysList=BIREYSEL by default
DEMO_TEST_NUMBER = "+905300000000"
_DEMO_META = "demo_account"
_MAX_COUNT = 10**15  # credits or records: ample, and inside the 64-bit integers both stores keep
_MAX_AMOUNT = 10**9  # TL: ample, and small enough that a double keeps the amount's six decimals exactly


def derive_hash(key: str, secret: str) -> str:
    """§2: `HMAC-SHA256(message=key, key=secret)`, lowercase hex."""
    return hmac.new(secret.encode(), key.encode(), hashlib.sha256).hexdigest()


def account_json(account: Account, blacklist: Set[str] | None = None) -> dict[str, Any]:
    """The control API's view of an account (every field, including the key and hash)."""
    body: dict[str, Any] = {
        "key": account.key,
        "hash": account.hash,
        "api_access": account.api_access,
        "allowed_ips": account.allowed_ips,
        "billing": account.billing,
        "balance": {"amount": round(account.balance_amount, 4), "sms": account.balance_sms},
        "senders": account.senders,
        "iys": {
            "brand_code": account.iys_brand_code,
            "active": account.iys_active,
            "quota": account.iys_quota,
        },
        "documents_missing": account.documents_missing,
        "webhook_url": account.webhook_url,
        "test_number": account.test_number,
    }
    if blacklist is not None:
        body["blacklist"] = sorted(blacklist)
    return body


def _require(condition: bool, detail: str) -> None:
    if not condition:
        raise ControlError(422, detail)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value: Any, field: str) -> str:
    canonical = phone.try_normalize(value) if isinstance(value, str | int) else None
    _require(canonical is not None, f"{field}: {value!r} is not a Turkish mobile number")
    assert canonical is not None
    return canonical


def parse_account_fields(body: Any, *, creating: bool, key: str | None = None) -> dict[str, Any]:
    """Store-level changes from a POST/PATCH body; raises `ControlError(422)` naming the bad field."""
    _require(isinstance(body, dict), "the body must be a JSON object")
    known = {
        "key",
        "secret",
        "hash",
        "balance",
        "billing",
        "senders",
        "api_access",
        "allowed_ips",
        "iys",
        "documents_missing",
        "webhook_url",
        "test_number",
        "blacklist",
    }
    unknown = sorted(set(body) - known)
    _require(not unknown, f"unknown field(s): {', '.join(unknown)}")
    out: dict[str, Any] = {}
    if creating:
        new_key = body.get("key") or secrets.token_hex(16)
        _require(isinstance(new_key, str) and 0 < len(new_key) <= 128, "key: a string of 1..128 characters")
        out["key"] = key = new_key
    else:
        _require("key" not in body, "key cannot be changed; create a new account")
    assert key is not None
    if "secret" in body:
        _require("hash" not in body, "give either secret or hash, not both")
        _require(isinstance(body["secret"], str) and body["secret"] != "", "secret: a non-empty string")
        out["hash"] = derive_hash(key, body["secret"])
    elif "hash" in body:
        _require(isinstance(body["hash"], str) and 0 < len(body["hash"]) <= 256, "hash: a non-empty string")
        out["hash"] = body["hash"]
    elif creating:
        out["hash"] = derive_hash(key, secrets.token_hex(16))
    if "balance" in body:
        balance = body["balance"]
        _require(
            isinstance(balance, dict) and set(balance) <= {"amount", "sms"},
            "balance: {amount: number, sms: integer}",
        )
        if "amount" in balance:
            amount = balance["amount"]
            _require(
                isinstance(amount, int | float)
                and not isinstance(amount, bool)
                and 0 <= amount <= _MAX_AMOUNT,
                "balance.amount: a number 0..10^9 (TL)",
            )
            out["balance_amount"] = float(amount)
        if "sms" in balance:
            _require(
                _is_int(balance["sms"]) and 0 <= balance["sms"] <= _MAX_COUNT,
                "balance.sms: an integer 0..10^15",
            )
            out["balance_sms"] = balance["sms"]
    if "billing" in body:
        _require(body["billing"] in ("sms", "tl"), "billing: 'sms' (credits) or 'tl' (amount)")
        out["billing"] = body["billing"]
    for name in ("senders", "allowed_ips"):
        if name in body:
            values = body[name]
            _require(
                isinstance(values, list) and all(isinstance(v, str) and v for v in values),
                f"{name}: a list of non-empty strings",
            )
            out[name] = list(values)
    for name in ("api_access", "documents_missing"):
        if name in body:
            _require(isinstance(body[name], bool), f"{name}: true or false")
            out[name] = body[name]
    if "iys" in body:
        iys = body["iys"]
        _require(
            isinstance(iys, dict) and set(iys) <= {"brand_code", "active", "quota"},
            "iys: {brand_code, active, quota}",
        )
        if "brand_code" in iys:
            code = iys["brand_code"]
            _require(
                code is None or (isinstance(code, str | int) and not isinstance(code, bool)),
                "iys.brand_code: a string, an integer or null",
            )
            out["iys_brand_code"] = None if code in (None, "") else str(code)
        if "active" in iys:
            _require(isinstance(iys["active"], bool), "iys.active: true or false")
            out["iys_active"] = iys["active"]
        if "quota" in iys:
            _require(
                iys["quota"] is None or (_is_int(iys["quota"]) and 0 <= iys["quota"] <= _MAX_COUNT),
                "iys.quota: an integer 0..10^15 or null",
            )
            out["iys_quota"] = iys["quota"]
    if "webhook_url" in body:
        url = body["webhook_url"]
        _require(
            url is None or (isinstance(url, str) and url.startswith(("http://", "https://"))),
            "webhook_url: an http(s) URL or null",
        )
        out["webhook_url"] = url or None
    if "test_number" in body:
        number = body["test_number"]
        out["test_number"] = None if number is None else _number(number, "test_number")
    if "blacklist" in body:
        numbers = body["blacklist"]
        _require(isinstance(numbers, list), "blacklist: a list of numbers")
        out["blacklist"] = [_number(n, "blacklist") for n in numbers]
    return out


def ensure_demo(store: SqlStore, now: float) -> tuple[Account, str] | None:
    """On an empty store, create the demo account (same credentials after every reset); returns it and its
    secret, or None when the store already has data."""
    if not store.is_empty():
        return None
    saved = store.get_meta(_DEMO_META)
    if saved is None:
        credentials = {"key": secrets.token_hex(16), "secret": secrets.token_hex(16)}
        store.set_meta(_DEMO_META, json.dumps(credentials))
    else:
        credentials = json.loads(saved)
    account = Account(
        key=credentials["key"],
        hash=derive_hash(credentials["key"], credentials["secret"]),
        balance_amount=100.0,
        balance_sms=1000,
        senders=[DEMO_SENDER],
        test_number=DEMO_TEST_NUMBER,
        iys_brand_code=DEMO_BRAND_CODE,
        iys_active=True,
        created_ts=now,
    )
    with store.transaction():
        store.accounts.create(account)
        # the test number has consent, so a commercial send to it is delivered; any other number shows why not
        consents = [
            NewConsent(
                recipient=DEMO_TEST_NUMBER,
                recipient_type=list_type,
                type="MESAJ",
                status="ONAY",
                source="HS_WEB",
                consent_date=None,
                consent_ts=now,
            )
            for list_type in IYS_LISTS
        ]
        store.consents.seed(account.key, DEMO_BRAND_CODE, consents, now)
    return account, credentials["secret"]


@control
async def create_account(request: Request) -> Response:
    services = services_of(request)
    fields = parse_account_fields(await _body(request), creating=True)
    if services.store.accounts.get(fields["key"]) is not None:
        raise ControlError(409, f"an account with key {fields['key']!r} exists")
    blacklist = fields.pop("blacklist", [])
    account = Account(**fields, created_ts=services.clock.now())
    services.store.accounts.create(account, blacklist)
    return _json(_account_out(services, account), 201)


@control
async def list_accounts(request: Request) -> Any:
    services = services_of(request)
    return {"accounts": [_account_out(services, a) for a in services.store.accounts.all()]}


@control
async def account_detail(request: Request) -> Any:
    services = services_of(request)
    key = request.path_params["key"]
    account = _find(services, key)
    if request.method == "GET":
        return _account_out(services, account)
    if request.method == "DELETE":
        services.store.accounts.delete(key)  # and everything it owned: orders, messages, contacts, …
        return {"deleted": key}
    changes = parse_account_fields(await _body(request), creating=False, key=key)
    updated = services.store.accounts.update(key, changes)
    assert updated is not None
    return _account_out(services, updated)
