"""`/_sandbox/accounts/{key}/...`: an account's blacklist (with the time each number was added), custom
fields, İYS state and consents, and a snapshot of its contacts and groups. `reset` wipes all of it with the
rest of the store."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, StringConstraints, ValidationError
from starlette.requests import Request

from ileti.sandbox.api.rules import iys as iys_rules
from ileti.sandbox.body_models import BodyModel, PhoneNumber, Timestamp, checked
from ileti.sandbox.control import accounts
from ileti.sandbox.control.accounts import IysIn
from ileti.sandbox.control.base import _account_of, _body, _json, _path_id, control
from ileti.sandbox.control.operations import Op, operations
from ileti.sandbox.errors import ApiError, ControlError
from ileti.sandbox.store.records import Account, IysState, NewConsent
from ileti.times import format_timestamp, parse_timestamp
from ileti.wire.models import ConsentRecordIn


class BlacklistIn(BodyModel):
    """`POST /_sandbox/accounts/{key}/blacklist`: numbers to add (those already there keep their time)."""

    numbers: list[PhoneNumber]
    added_at: Timestamp | None = Field(default=None, description="default: now")


class CustomFieldIn(BodyModel):
    """`POST /_sandbox/accounts/{key}/custom-fields`: a contact field to define."""

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class IysPatchIn(IysIn):
    """`PATCH /_sandbox/accounts/{key}/iys`: the subscription (as an account's `iys`), the quota used, the
    strict consent rules and the real service's quirks."""

    used: int | None = Field(default=None, ge=0, le=10**15, description="messages counted against the quota")
    strict: bool | None = None
    quirks: bool | None = None


class ConsentsIn(BodyModel):
    """`POST /_sandbox/accounts/{key}/consents`: consent/create records, stored without the İYS rules under
    the account's brand code."""

    records: list[ConsentRecordIn]


@operations(
    Op("GET", "the account's blacklist with times added"),
    Op("POST", "add numbers", body=BlacklistIn),
    Op("DELETE", "empty it"),
)
@control
async def account_blacklist(request: Request) -> Any:
    services, account = _account_of(request)
    if request.method == "POST":
        given = checked(BlacklistIn, await _body(request))
        added = parse_timestamp(given.added_at) if given.added_at else services.clock.now()
        services.store.accounts.add_blacklist(account.key, given.numbers, added)
    elif request.method == "DELETE":
        services.store.accounts.clear_blacklist(account.key)
    return {
        "blacklist": [
            {"number": number, "added_at": format_timestamp(ts)}
            for number, ts in services.store.accounts.blacklist_entries(account.key)
        ]
    }


@operations(
    Op("GET", "custom fields of contacts"),
    Op("POST", "define one", body=CustomFieldIn, status=201),
)
@control
async def custom_fields(request: Request) -> Any:
    services, account = _account_of(request)
    if request.method == "POST":
        name = checked(CustomFieldIn, await _body(request)).name
        return _json({"id": services.store.contacts.add_custom_field(account.key, name), "name": name}, 201)
    return {
        "custom_fields": [
            {"id": i, "name": name} for i, name in services.store.contacts.custom_fields(account.key)
        ]
    }


@operations(Op("DELETE", "remove one and its values"))
@control
async def custom_field_detail(request: Request) -> Any:
    services, account = _account_of(request)
    field_id = _path_id(request, "field_id", "custom field")
    if not services.store.contacts.delete_custom_field(account.key, field_id):
        raise ControlError(404, f"no custom field {field_id} in this account")
    return {"deleted": field_id}


def _iys_json(account: Account, state: IysState) -> dict[str, Any]:
    quota = account.iys_quota
    return {
        "brand_code": account.iys_brand_code,
        "active": account.iys_active,
        "quota": quota,
        "used": state.used,
        "remaining": None if quota is None else max(quota - state.used, 0),
        "strict": state.strict,
        "quirks": state.quirks,
    }


@operations(
    Op("GET", "İYS subscription, quota use, strict rules and show quirks"),
    Op("PATCH", "change them", body=IysPatchIn),
)
@control
async def account_iys(request: Request) -> Any:
    services, account = _account_of(request)
    state = services.store.consents.iys_state(account.key)
    if request.method == "PATCH":
        given = checked(IysPatchIn, await _body(request))
        settings = given.model_dump(include={"brand_code", "active", "quota"}, exclude_unset=True)
        if settings:
            changes = accounts.parse_account_fields({"iys": settings}, creating=False, key=account.key)
            account = services.store.accounts.update(account.key, changes) or account
        state = IysState(
            state.used if given.used is None else given.used,
            state.strict if given.strict is None else given.strict,
            state.quirks if given.quirks is None else given.quirks,
        )
        services.store.consents.set_iys_state(account.key, state)
    return _iys_json(account, state)


def consent_record_from(record: Any, now: float) -> NewConsent:
    """One record of `POST …/consents` (also of the seed file's `consents`), stored without the rules; 422."""
    try:
        return iys_rules.read_seed_record(ConsentRecordIn.model_validate(record), now=now)
    except (ApiError, ValidationError) as exc:
        # the rule's own sentence names the field ("status: status 'EVET' is not ONAY or RET")
        why = f"{exc.reason}; " if isinstance(exc, ApiError) and exc.reason else ""
        raise ControlError(
            422,
            f"records: {why}recipient, recipientType, type, status, source?, "
            "consentDate? as in consent/create",
        ) from exc


@operations(
    Op("GET", "stored İYS consent records"),
    Op("POST", "store records without the İYS rules", body=ConsentsIn),
    Op("DELETE", "remove them all"),
)
@control
async def account_consents(request: Request) -> Any:
    services, account = _account_of(request)
    if request.method == "POST":
        records = checked(ConsentsIn, await _body(request)).records
        if not account.iys_brand_code:
            raise ControlError(422, "the account has no iys.brand_code to hold consents")
        now = services.clock.now()
        batch = [consent_record_from(r, now) for r in records]
        services.store.consents.seed(account.key, account.iys_brand_code, batch, now)
    elif request.method == "DELETE":
        services.store.consents.clear(account.key)
    return {
        "consents": [
            {
                "brandCode": c.brand_code,
                "recipient": c.recipient,
                "recipientType": c.recipient_type,
                "type": c.type,
                "status": c.status,
                "source": c.source,
                "consentDate": c.consent_date,
                "stored_at": format_timestamp(c.created_ts),
            }
            for c in services.store.consents.all(account.key)
        ]
    }


@operations(Op("GET", "groups and contacts of the account"))
@control
async def account_contacts(request: Request) -> Any:
    services, account = _account_of(request)
    return {
        "groups": [
            {"id": g.id, "name": g.name, "parent": g.parent_id, "count": g.count}
            for g in services.store.contacts.groups(account.key)
        ],
        "contacts": [
            {
                "id": c.id,
                "name": c.name,
                "surname": c.surname,
                "email": c.email,
                "gsm": c.gsm,
                "custom_fields": [{"id": i, "value": v} for i, v in c.fields],
                "groups": c.groups,
            }
            for c in services.store.contacts.all(account.key)
        ],
    }
