"""Sandbox accounts as the control API sees them: validating the JSON fields, the HMAC hash rule (§2) and
the demo account created on an empty store."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Set
from typing import Annotated, Any, Literal, Self

from pydantic import Field, StringConstraints, model_validator
from starlette.requests import Request
from starlette.responses import Response

from ileti.limits import IYS_LISTS
from ileti.sandbox.body_models import BodyModel, BrandCode, PhoneNumber, checked
from ileti.sandbox.context import Services, services_of
from ileti.sandbox.control.base import _body, _find, _json, control
from ileti.sandbox.control.operations import Op, operations
from ileti.sandbox.errors import ControlError
from ileti.sandbox.store.records import Account, NewConsent
from ileti.sandbox.store.sql import SqlStore

__all__ = [
    "DEMO_BRAND_CODE",
    "DEMO_SENDER",
    "DEMO_TEST_NUMBER",
    "AccountChanges",
    "AccountIn",
    "BalanceIn",
    "IysIn",
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
NonEmpty = Annotated[str, StringConstraints(min_length=1)]


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


class BalanceIn(BodyModel):
    """An account's balance: TL amount and SMS credits."""

    amount: float | None = Field(default=None, ge=0, le=_MAX_AMOUNT, description="TL")
    sms: int | None = Field(default=None, ge=0, le=_MAX_COUNT, description="credits")


class IysIn(BodyModel):
    """An account's İYS subscription."""

    NULLABLE = frozenset({"brand_code", "quota"})

    brand_code: BrandCode = None
    active: bool | None = None
    quota: int | None = Field(default=None, ge=0, le=_MAX_COUNT, description="null: no quota")


class AccountChanges(BodyModel):
    """`PATCH /_sandbox/accounts/{key}`: any of an account's fields (the key stays)."""

    NULLABLE = frozenset({"webhook_url", "test_number"})

    secret: str | None = Field(default=None, min_length=1, description="the hash is derived from it (§2)")
    hash: str | None = Field(default=None, min_length=1, max_length=256)
    balance: BalanceIn | None = None
    billing: Literal["sms", "tl"] | None = Field(default=None, description="pay in credits or in TL")
    senders: list[NonEmpty] | None = None
    api_access: bool | None = None
    allowed_ips: list[NonEmpty] | None = None
    iys: IysIn | None = None
    documents_missing: bool | None = None
    webhook_url: Annotated[str, StringConstraints(pattern=r"^https?://")] | None = None
    test_number: PhoneNumber | None = None
    blacklist: list[PhoneNumber] | None = None

    @model_validator(mode="after")
    def _one_credential(self) -> Self:
        if self.secret is not None and self.hash is not None:
            raise ValueError("give either secret or hash, not both")
        return self


class AccountIn(AccountChanges):
    """`POST /_sandbox/accounts`: a new account; without `key` one is made up, without `secret` or `hash` a
    random secret is used."""

    NULLABLE = frozenset({"webhook_url", "test_number", "key"})

    key: str | None = Field(default=None, max_length=128, description="made up when absent or empty")


def parse_account_fields(body: Any, *, creating: bool, key: str | None = None) -> dict[str, Any]:
    """Store-level changes from a POST/PATCH body; raises `ControlError(422)` naming the bad field."""
    if not creating and isinstance(body, dict) and "key" in body:
        raise ControlError(422, "key: cannot be changed; create a new account")
    given: AccountChanges = checked(AccountIn if creating else AccountChanges, body)
    fields = given.model_fields_set
    out: dict[str, Any] = {}
    if isinstance(given, AccountIn):
        out["key"] = key = given.key or secrets.token_hex(16)
    assert key is not None
    if given.secret is not None:
        out["hash"] = derive_hash(key, given.secret)
    elif given.hash is not None:
        out["hash"] = given.hash
    elif creating:
        out["hash"] = derive_hash(key, secrets.token_hex(16))
    if given.balance is not None:
        if given.balance.amount is not None:
            out["balance_amount"] = given.balance.amount
        if given.balance.sms is not None:
            out["balance_sms"] = given.balance.sms
    for name in ("billing", "senders", "allowed_ips", "api_access", "documents_missing", "blacklist"):
        value = getattr(given, name)
        if value is not None:
            out[name] = list(value) if isinstance(value, list) else value
    if given.iys is not None:
        iys = given.iys.model_fields_set
        if "brand_code" in iys:
            out["iys_brand_code"] = given.iys.brand_code
        if given.iys.active is not None:
            out["iys_active"] = given.iys.active
        if "quota" in iys:
            out["iys_quota"] = given.iys.quota
    if "webhook_url" in fields:
        out["webhook_url"] = given.webhook_url or None
    if "test_number" in fields:
        out["test_number"] = given.test_number
    return out


def _account_out(services: Services, account: Account) -> dict[str, Any]:
    return account_json(account, services.store.accounts.blacklisted(account.key))


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


@operations(
    Op("POST", "create an account", body=AccountIn, status=201, answer="the account, with key and hash")
)
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


@operations(Op("GET", "list accounts"))
@control
async def list_accounts(request: Request) -> Any:
    services = services_of(request)
    return {"accounts": [_account_out(services, a) for a in services.store.accounts.all()]}


@operations(
    Op("GET", "read an account"),
    Op("PATCH", "change fields", body=AccountChanges, answer="the account"),
    Op("DELETE", "remove an account and everything it owned"),
)
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
