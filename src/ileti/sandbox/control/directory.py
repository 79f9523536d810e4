"""`/_sandbox/accounts/{key}/...`: an account's blacklist (with the time each number was added), custom
fields, İYS state and consents, and a snapshot of its contacts and groups. `reset` wipes all of it with the
rest of the store."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from starlette.requests import Request

from ileti import phone
from ileti.sandbox.api.rules import iys as iys_rules
from ileti.sandbox.control import accounts
from ileti.sandbox.control.base import _account_of, _body, _json, _path_id, _when, control
from ileti.sandbox.errors import ApiError, ControlError
from ileti.sandbox.store.records import Account, IysState, NewConsent
from ileti.times import format_timestamp
from ileti.wire.models import ConsentRecordIn


@control
async def account_blacklist(request: Request) -> Any:
    services, account = _account_of(request)
    if request.method == "POST":
        body = await _body(request)
        numbers = body.get("numbers") if isinstance(body, dict) else None
        if not isinstance(numbers, list) or not set(body) <= {"numbers", "added_at"}:
            raise ControlError(422, 'expected {"numbers": ["+905…", …], "added_at"?: "YYYY-MM-DD HH:MM:SS"}')
        canonical = [phone.try_normalize(n) if isinstance(n, str | int) else None for n in numbers]
        if None in canonical:
            raise ControlError(422, "numbers: Turkish mobile numbers only")
        added = _when(body.get("added_at"), "added_at")
        services.store.accounts.add_blacklist(
            account.key, [n for n in canonical if n], added or services.clock.now()
        )
    elif request.method == "DELETE":
        services.store.accounts.clear_blacklist(account.key)
    return {
        "blacklist": [
            {"number": number, "added_at": format_timestamp(ts)}
            for number, ts in services.store.accounts.blacklist_entries(account.key)
        ]
    }


@control
async def custom_fields(request: Request) -> Any:
    services, account = _account_of(request)
    if request.method == "POST":
        body = await _body(request)
        name = body.get("name") if isinstance(body, dict) else None
        if not isinstance(name, str) or not name.strip() or len(name) > 200 or set(body) != {"name"}:
            raise ControlError(422, 'expected {"name": "a label of 1..200 characters"}')
        return _json(
            {"id": services.store.contacts.add_custom_field(account.key, name.strip()), "name": name.strip()},
            201,
        )
    return {
        "custom_fields": [
            {"id": i, "name": name} for i, name in services.store.contacts.custom_fields(account.key)
        ]
    }


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


@control
async def account_iys(request: Request) -> Any:
    services, account = _account_of(request)
    state = services.store.consents.iys_state(account.key)
    if request.method == "PATCH":
        body = await _body(request)
        known = {"brand_code", "active", "quota", "used", "strict", "quirks"}
        if not isinstance(body, dict) or not set(body) <= known:
            raise ControlError(422, f"expected an object with some of {', '.join(sorted(known))}")
        for name in ("strict", "quirks"):
            if name in body and not isinstance(body[name], bool):
                raise ControlError(422, f"{name}: true or false")
        used = body.get("used", state.used)
        if not isinstance(used, int) or isinstance(used, bool) or not 0 <= used <= 10**15:
            raise ControlError(422, "used: an integer 0..10^15")
        settings = {name: body[name] for name in ("brand_code", "active", "quota") if name in body}
        if settings:
            changes = accounts.parse_account_fields({"iys": settings}, creating=False, key=account.key)
            account = services.store.accounts.update(account.key, changes) or account
        state = IysState(used, body.get("strict", state.strict), body.get("quirks", state.quirks))
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


@control
async def account_consents(request: Request) -> Any:
    services, account = _account_of(request)
    if request.method == "POST":
        body = await _body(request)
        records = body.get("records") if isinstance(body, dict) else None
        if not isinstance(records, list) or not account.iys_brand_code:
            raise ControlError(
                422, 'expected {"records": [consent/create records]} on an account with a brand code'
            )
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
