"""The control API under `/_sandbox/` (DESIGN.md): accounts, inbox, clock, carrier, faults, webhooks, reset,
plus `/livez` and `/readyz`. JSON in and out; a bad body is 400 (unparseable) or 422 (invalid), never a 500.
`docs/sandbox.md` documents every call; `GET /_sandbox/openapi.json` describes them."""

from __future__ import annotations

import contextlib
import copy
import re
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response

from ileti import phone
from ileti.sandbox import accounts, messages, reasons, webhook_tools
from ileti.sandbox.body import BodyTooLargeError, read_body
from ileti.sandbox.carrier import OUTCOMES
from ileti.sandbox.clock import EARLIEST, LATEST, Clock, ClockState, format_ts, parse_timestamp
from ileti.sandbox.context import Services
from ileti.sandbox.errors import ApiError, ControlError
from ileti.sandbox.inbox.events import _shutdown_probe
from ileti.sandbox.rules import iys as iys_rules
from ileti.sandbox.store import inbox_tools
from ileti.sandbox.store.base import Account, CarrierOutcome
from ileti.sandbox.store.directory import IysState, NewConsent
from ileti.wire import json_codec
from ileti.wire import openapi as wire_openapi
from ileti.wire.endpoints import lookup
from ileti.wire.errors import DecodeError
from ileti.wire.models import ConsentRecordIn

__all__ = [
    "CONTROL_ROUTES",
    "carrier_rules_from",
    "clock_state_from",
    "consent_record_from",
    "reset",
]

ControlEndpoint = Callable[[Request], Awaitable[Response]]


def _json(body: Any, status: int = 200) -> Response:
    return Response(json_codec.dumps(body), status_code=status, media_type="application/json")


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


async def _body(request: Request, *, optional: bool = False) -> Any:
    try:
        raw = await read_body(request)
    except BodyTooLargeError as exc:
        raise ControlError(413, str(exc)) from exc
    if not raw.strip() and optional:
        return {}
    try:
        return json_codec.loads(raw)
    except DecodeError as exc:
        raise ControlError(400, f"the body is not JSON: {exc}") from exc


def control(handler: Callable[[Request], Awaitable[Any]]) -> ControlEndpoint:
    """Wrap a control handler: its return value as JSON, a `ControlError` as `{"error": detail}`."""

    async def endpoint(request: Request) -> Response:
        try:
            result = await handler(request)
        except ControlError as exc:
            return _json({"error": exc.detail}, exc.status)
        return result if isinstance(result, Response) else _json(result)

    endpoint.__name__ = handler.__name__
    return endpoint


# ---------------------------------------------------------------------------------------------- accounts


def _account_out(services: Services, account: Account) -> dict[str, Any]:
    return accounts.account_json(account, services.store.blacklisted(account.key))


def _find(services: Services, key: str) -> Account:
    account = services.store.get_account(key)
    if account is None:
        raise ControlError(404, f"no account with key {key!r}")
    return account


@control
async def create_account(request: Request) -> Response:
    services = _services(request)
    fields = accounts.parse_account_fields(await _body(request), creating=True)
    if services.store.get_account(fields["key"]) is not None:
        raise ControlError(409, f"an account with key {fields['key']!r} exists")
    blacklist = fields.pop("blacklist", [])
    account = Account(**fields, created_ts=services.clock.now())
    services.store.create_account(account, blacklist)
    return _json(_account_out(services, account), 201)


@control
async def list_accounts(request: Request) -> Any:
    services = _services(request)
    return {"accounts": [_account_out(services, a) for a in services.store.list_accounts()]}


@control
async def account_detail(request: Request) -> Any:
    services = _services(request)
    key = request.path_params["key"]
    account = _find(services, key)
    if request.method == "GET":
        return _account_out(services, account)
    if request.method == "DELETE":
        services.store.delete_account(key)  # and everything it owned: orders, messages, contacts, …
        return {"deleted": key}
    changes = accounts.parse_account_fields(await _body(request), creating=False, key=key)
    updated = services.store.update_account(key, changes)
    assert updated is not None
    return _account_out(services, updated)


# ---------------------------------------------------------------------------------------------- inbox


def _path_id(request: Request, name: str, what: str) -> int:
    """A numeric id from the path (`{name:int}`); one past 18 digits names nothing (404), and is past the
    64-bit integers of both stores, which would refuse it as a database error."""
    value: int = request.path_params[name]
    if value >= 10**18:
        raise ControlError(404, f"no {what} {value}")
    return value


def _int_param(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:  # 18 digits: inside every store's integers
        raise ControlError(422, f"{name} must be a non-negative integer of at most 18 digits")
    return int(raw)


def _message_watch(request: Request) -> messages.MessageWatch:
    """The app's one `MessageWatch` (made on first use), which every waiting request shares."""
    state = request.app.state
    watch: messages.MessageWatch | None = getattr(state, "message_watch", None)
    if watch is None:
        watch = state.message_watch = messages.MessageWatch(_services(request).store)
    return watch


@control
async def list_messages(request: Request) -> Any:
    """The inbox, newest first; filters to, order_id, sender, account, q, after, limit; `wait` holds the
    answer until something matches (`messages.py`)."""
    services = _services(request)
    query, wait = messages.parse_query(request.query_params)
    rows = await messages.find_messages(
        services.store, lambda: _message_watch(request), query, wait, _shutdown_probe(request)
    )
    why = reasons.explain(
        services.store, rows, now=services.clock.now(), settle_delay=services.settings.settle_delay
    )
    return {
        "messages": [
            {**messages.message_json(m), "reason": reason} for m, reason in zip(rows, why, strict=True)
        ]
    }


@control
async def clear_messages(request: Request) -> Any:
    """Remove the orders (all, or one account's), their messages and webhook events; the rest stays."""
    services = _services(request)
    account = request.query_params.get("account")
    if account is not None:
        _find(services, account)
    orders, removed = inbox_tools.clear_orders(services.store, account)
    return {"deleted": {"orders": orders, "messages": removed}}


# ---------------------------------------------------------------------------------------------- clock


def _clock_json(clock: Clock) -> dict[str, Any]:
    state = clock.state
    return {"now": format_ts(clock.now()), "mode": state.mode, "offset": state.offset, "epoch": clock.now()}


def clock_state_from(body: Any, clock: Clock) -> ClockState:
    """The clock a `POST /_sandbox/clock` body asks for (also the seed file's `clock`); 422."""
    if not isinstance(body, dict) or len(body) != 1:
        raise ControlError(422, 'expected one of {"advance": s}, {"set": "YYYY-MM-DD HH:MM:SS"}, {"mode": …}')
    [(verb, value)] = body.items()
    if verb == "advance":
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if not number or not 0 <= value < LATEST - EARLIEST:
            raise ControlError(422, "advance: a number of seconds >= 0 (time does not go back)")
        state = clock.advanced(float(value))
    elif verb == "set":
        try:
            if not isinstance(value, str):
                raise ValueError(value)
            state = Clock.frozen(parse_timestamp(value))
        except ValueError as exc:
            raise ControlError(422, 'set: "YYYY-MM-DD HH:MM:SS" (Istanbul time)') from exc
    elif verb == "mode" and value in ("real", "frozen"):
        state = Clock.real() if value == "real" else Clock.frozen(clock.now())
    else:
        raise ControlError(422, 'expected {"advance": s}, {"set": "…"} or {"mode": "real" | "frozen"}')
    if not clock.valid(state):  # nothing is saved: the clock stays where it was
        raise ControlError(
            422,
            f"{verb}: the sandbox clock stays between 1970-01-01 and 9998-12-31 "
            f"(Istanbul time); it is {format_ts(clock.now())}",
        )
    return state


@control
async def clock(request: Request) -> Any:
    services = _services(request)
    if request.method == "GET":
        return _clock_json(services.clock)
    state = clock_state_from(await _body(request), services.clock)
    services.store.set_clock_state(state)
    services.clock.load(state)
    return _clock_json(services.clock)


# ---------------------------------------------------------------------------------------------- carrier


@control
async def settle(request: Request) -> Any:
    services = _services(request)
    body = await _body(request, optional=True)
    respect = body.get("respect_delay", False) if isinstance(body, dict) else None
    if not isinstance(respect, bool):
        raise ControlError(422, "respect_delay: true or false")
    return {"settled": services.carrier.settle(respect_delay=respect)}


def carrier_rules_from(body: Any) -> dict[str, CarrierOutcome]:
    """The rules a `PUT /_sandbox/carrier/rules` body sets (also the seed file's `carrier_rules`); 422."""
    if not isinstance(body, dict):
        raise ControlError(422, 'expected {"+905…": "delivered" | "undelivered" | "never"}')
    rules: dict[str, CarrierOutcome] = {}
    for number, result in body.items():
        if result not in OUTCOMES:
            raise ControlError(422, f"{number}: the outcome must be one of {', '.join(OUTCOMES)}")
        canonical = phone.try_normalize(number)
        if canonical is None:
            raise ControlError(422, f"{number!r} is not a Turkish mobile number")
        rules[canonical] = result
    return rules


@control
async def carrier_rules(request: Request) -> Any:
    services = _services(request)
    if request.method == "PUT":
        services.store.set_carrier_rules(carrier_rules_from(await _body(request)))
    elif request.method == "DELETE":
        services.store.set_carrier_rules({})
    return {"rules": services.store.carrier_rules()}


# ------------------------------------------------------------------------------------------ faults, webhooks


@control
async def faults(request: Request) -> Any:
    services = _services(request)
    if request.method == "PUT":
        services.faults.replace(await _body(request))
    elif request.method == "DELETE":
        services.faults.clear()
    return {"rules": [rule.as_dict() for rule in services.faults.rules]}


@control
async def webhook_log(request: Request) -> Any:
    services = _services(request)
    limit = _int_param(request, "limit") or 1000
    return {
        "webhooks": services.store.webhook_log(
            account_key=request.query_params.get("account"), limit=min(limit, 100_000)
        )
    }


@control
async def webhook_resend(request: Request) -> Any:
    webhook_id = _path_id(request, "webhook_id", "webhook delivery")
    return await webhook_tools.resend(_services(request), webhook_id)


@control
async def webhook_sample(request: Request) -> Any:
    return await webhook_tools.sample(_services(request), await _body(request))


# -------------------------------------------------------------------- directory and İYS
# An account's blacklist (with the time each number was added), custom fields, İYS state and consents, and a
# snapshot of its contacts and groups. `reset` wipes all of it with the rest of the store.


def _account_of(request: Request) -> tuple[Services, Account]:
    services = _services(request)
    return services, _find(services, request.path_params["key"])


def _when(value: Any, name: str) -> float | None:
    """An optional `YYYY-MM-DD HH:MM:SS` (Istanbul) field of a control body."""
    if value is None:
        return None
    try:
        if isinstance(value, str):
            return parse_timestamp(value)
    except ValueError:
        pass
    raise ControlError(422, f'{name}: "YYYY-MM-DD HH:MM:SS" (Istanbul time)')


@control
async def account_blacklist(request: Request) -> Any:
    services, account = _account_of(request)
    directory = services.store.directory
    if request.method == "POST":
        body = await _body(request)
        numbers = body.get("numbers") if isinstance(body, dict) else None
        if not isinstance(numbers, list) or not set(body) <= {"numbers", "added_at"}:
            raise ControlError(422, 'expected {"numbers": ["+905…", …], "added_at"?: "YYYY-MM-DD HH:MM:SS"}')
        canonical = [phone.try_normalize(n) if isinstance(n, str | int) else None for n in numbers]
        if None in canonical:
            raise ControlError(422, "numbers: Turkish mobile numbers only")
        added = _when(body.get("added_at"), "added_at")
        directory.add_blacklist(account.key, [n for n in canonical if n], added or services.clock.now())
    elif request.method == "DELETE":
        directory.clear_blacklist(account.key)
    return {
        "blacklist": [
            {"number": number, "added_at": format_ts(ts)}
            for number, ts in directory.blacklist_entries(account.key)
        ]
    }


@control
async def custom_fields(request: Request) -> Any:
    services, account = _account_of(request)
    directory = services.store.directory
    if request.method == "POST":
        body = await _body(request)
        name = body.get("name") if isinstance(body, dict) else None
        if not isinstance(name, str) or not name.strip() or len(name) > 200 or set(body) != {"name"}:
            raise ControlError(422, 'expected {"name": "a label of 1..200 characters"}')
        return _json({"id": directory.add_custom_field(account.key, name.strip()), "name": name.strip()}, 201)
    return {"custom_fields": [{"id": i, "name": name} for i, name in directory.custom_fields(account.key)]}


@control
async def custom_field_detail(request: Request) -> Any:
    services, account = _account_of(request)
    field_id = _path_id(request, "field_id", "custom field")
    if not services.store.directory.delete_custom_field(account.key, field_id):
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
    directory = services.store.directory
    state = directory.iys_state(account.key)
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
            account = services.store.update_account(account.key, changes) or account
        state = IysState(used, body.get("strict", state.strict), body.get("quirks", state.quirks))
        directory.set_iys_state(account.key, state)
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
    directory = services.store.directory
    if request.method == "POST":
        body = await _body(request)
        records = body.get("records") if isinstance(body, dict) else None
        if not isinstance(records, list) or not account.iys_brand_code:
            raise ControlError(
                422, 'expected {"records": [consent/create records]} on an account with a brand code'
            )
        now = services.clock.now()
        batch = [consent_record_from(r, now) for r in records]
        directory.seed_consents(account.key, account.iys_brand_code, batch, now)
    elif request.method == "DELETE":
        directory.clear_consents(account.key)
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
                "stored_at": format_ts(c.created_ts),
            }
            for c in directory.consents(account.key)
        ]
    }


@control
async def account_contacts(request: Request) -> Any:
    services, account = _account_of(request)
    directory = services.store.directory
    return {
        "groups": [
            {"id": g.id, "name": g.name, "parent": g.parent_id, "count": g.count}
            for g in directory.groups(account.key)
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
            for c in directory.contacts(account.key)
        ],
    }


# ---------------------------------------------------------------------------------------------- reset, health


def reset(services: Services) -> dict[str, Any] | None:
    """Back to the start-up state: no data, real clock, no faults or rules, the demo account again, then the
    seed file's state (`seed.py`)."""
    from ileti.sandbox import seed as seeding  # seed.py reuses this module's checks

    if services.journal is not None:
        services.journal.discard()  # the store's reset empties the journal table with the rest
    services.store.reset()
    services.faults.clear()
    services.clock.load(Clock.real())
    services.store.set_clock_state(Clock.real())
    demo = seeding.start(
        services.store, services.clock, services.settings.demo_account, services.seed, again=True
    )
    return None if demo is None else accounts.account_json(demo[0])


@control
async def reset_endpoint(request: Request) -> Any:
    return {"reset": True, "demo_account": reset(_services(request))}


async def livez(request: Request) -> Response:
    return _json({"status": "ok"})


async def readyz(request: Request) -> Response:
    services: Services | None = getattr(request.app.state, "services", None)
    ready = services is not None and services.ready and services.store.ping()
    return _json({"status": "ready" if ready else "starting"}, 200 if ready else 503)


@control
async def openapi(request: Request) -> Any:
    return openapi_document()


_PATH_PARAMETER = re.compile(r"{(\w+)}")
_PATH_PARAMETER_SCHEMAS: dict[str, dict[str, Any]] = {
    "key": {"type": "string", "minLength": 1, "maxLength": 128},
    "field_id": {"type": "integer", "minimum": 0},
    "id": {"type": "integer", "minimum": 0},
}


def openapi_document() -> dict[str, Any]:
    """`OPENAPI` with every `{name}` of a path declared as a required path parameter (a string, or what
    `_PATH_PARAMETER_SCHEMAS` says), so that tools can call each path without being told."""
    document = copy.deepcopy(OPENAPI)
    for path, item in document["paths"].items():
        names = _PATH_PARAMETER.findall(path)
        if names:
            item.setdefault(
                "parameters",
                [
                    {
                        "name": name,
                        "in": "path",
                        "required": True,
                        "schema": _PATH_PARAMETER_SCHEMAS.get(name, {"type": "string"}),
                    }
                    for name in names
                ],
            )
    return document


@control
async def api_openapi(request: Request) -> Any:
    """The emulated API's OpenAPI document (`ileti.wire.openapi`), with this server as its server (the API's
    port when the control API has a port of its own)."""
    settings = _services(request).settings
    url = request.base_url.replace(port=settings.port) if settings.control_port else request.base_url
    return wire_openapi.openapi_document(str(url).rstrip("/"))


def _op(summary: str, body: str | None = None) -> dict[str, Any]:
    operation: dict[str, Any] = {"summary": summary, "responses": {"200": {"description": "JSON"}}}
    if body:
        operation["requestBody"] = {"description": body, "content": {"application/json": {}}}
    return operation


def _query(operation: dict[str, Any], params: dict[str, str]) -> dict[str, Any]:
    operation["parameters"] = [
        {"name": name, "in": "query", "required": False, "description": text, "schema": {"type": "string"}}
        for name, text in params.items()
    ]
    return operation


OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "ileti sandbox control API", "version": "1"},
    "paths": {
        "/_sandbox/accounts": {
            "get": _op("list accounts"),
            "post": _op(
                "create an account",
                "{key?, secret | hash, balance: {amount, sms}, billing, senders,"
                " api_access, allowed_ips, iys: {brand_code, active, quota}, documents_missing, "
                "webhook_url, test_number, blacklist}",
            ),
        },
        "/_sandbox/accounts/{key}": {
            "get": _op("read an account"),
            "patch": _op("change fields", "as POST"),
            "delete": _op("remove an account"),
        },
        "/_sandbox/messages": {
            "get": _query(
                _op("the inbox, newest first, each message with its one-time `code`"),
                {
                    "to": "recipient number",
                    "order_id": "an order id",
                    "sender": "sender ID",
                    "account": "account key",
                    "limit": "at most this many (default 1000)",
                    "q": "the text contains it (case-insensitive; dotted and dotless i are one letter)",
                    "after": "a message id: only newer messages",
                    "wait": "seconds (at most 30): when nothing matches yet, hold the answer until something "
                    "does or the time is up",
                },
            ),
            "delete": _query(
                _op(
                    "remove the orders, their messages and webhook events; accounts, "
                    "balances, blacklists, contacts and consents stay"
                ),
                {"account": "only this account's orders"},
            ),
        },
        "/_sandbox/clock": {
            "get": _op("sandbox time"),
            "post": _op(
                "change time", '{"advance": s} | {"set": "YYYY-MM-DD HH:MM:SS"} | {"mode": "real" | "frozen"}'
            ),
        },
        "/_sandbox/carrier/settle": {"post": _op("settle due messages", '{"respect_delay": false}')},
        "/_sandbox/carrier/rules": {
            "get": _op("per-number outcomes"),
            "put": _op("replace them", '{"+905…": "delivered|undelivered|never"}'),
            "delete": _op("clear them"),
        },
        "/_sandbox/faults": {
            "get": _op("fault rules"),
            "put": _op(
                "replace them",
                '{"rules": [{"endpoint": "send-sms|*|webhook", '
                '"fault": "status|gateway_html|truncated|slow_body|latency|drop|commit_then_drop|status_503 '
                '(/v1); drop|duplicate|delay (webhook)", '
                '"times"?: n|null, "probability"?: 0..1, "latency_ms"?, "jitter_ms"?, "code"?, '
                '"http_status"?: 502|503|504}]}',
            ),
            "delete": _op("clear them"),
        },
        "/_sandbox/webhooks": {"get": _op("webhook deliveries and attempts; filters account, limit")},
        "/_sandbox/webhooks/{id}/resend": {
            "post": _op(
                "send a logged delivery (delivered or failed) again to its URL: a new attempt in its log"
            )
        },
        "/_sandbox/webhooks/sample": {
            "post": _op(
                "push a sample §6 report to an account's webhook URL, logged as a delivery",
                '{"account": KEY, "status": "accepted|delivered|undelivered", '
                '"to"?: "+905…", "body"?: "text"}',
            )
        },
        "/_sandbox/reset": {"post": _op("back to the start-up state")},
        "/_sandbox/openapi/iletimerkezi.json": {
            "get": _op("the OpenAPI 3.1 document of the emulated /v1 API (ileti.wire.openapi)")
        },
        "/livez": {"get": _op("process is up")},
        "/readyz": {"get": _op("store open and workers running")},
        "/_sandbox/accounts/{key}/blacklist": {
            "get": _op("the account's blacklist with times added"),
            "post": _op("add numbers", '{"numbers": [...], "added_at"?: "YYYY-MM-DD HH:MM:SS"}'),
            "delete": _op("empty it"),
        },
        "/_sandbox/accounts/{key}/custom-fields": {
            "get": _op("custom fields of contacts"),
            "post": _op("define one", '{"name": "…"}'),
        },
        "/_sandbox/accounts/{key}/custom-fields/{field_id}": {"delete": _op("remove one and its values")},
        "/_sandbox/accounts/{key}/iys": {
            "get": _op("İYS subscription, quota use, strict rules and show quirks"),
            "patch": _op("change them", "{brand_code, active, quota, used, strict, quirks}"),
        },
        "/_sandbox/accounts/{key}/consents": {
            "get": _op("stored İYS consent records"),
            "post": _op("store records without rules", '{"records": [...]}'),
            "delete": _op("remove them all"),
        },
        "/_sandbox/accounts/{key}/contacts": {"get": _op("groups and contacts of the account")},
    },
}

# ------------------------------------------------------------------------------------------ request journal


def _codes_param(request: Request) -> list[int]:
    raw = request.query_params.get("code")
    if raw is None or not raw.strip():
        return []
    parts = [part.strip() for part in raw.split(",")]
    if not all(part.isascii() and part.isdigit() and len(part) <= 3 for part in parts) or len(parts) > 50:
        raise ControlError(422, "code: a status code or a comma-separated list of them (452,460)")
    return [int(part) for part in parts]


@control
async def requests_journal(request: Request) -> Any:
    """GET: the request journal, newest first; DELETE: empty it."""
    services = _services(request)
    journal = services.journal
    if request.method == "DELETE":
        return {"deleted": journal.clear() if journal is not None else 0}
    params = request.query_params
    endpoint = params.get("endpoint") or None
    if endpoint is not None:
        with contextlib.suppress(KeyError):  # an unknown /v1 path is journaled under its path
            endpoint = lookup(endpoint).name  # an alias finds the canonical name the journal stores
    codes = _codes_param(request)
    since_id, order_id = _int_param(request, "since_id"), _int_param(request, "order_id")
    limit = _int_param(request, "limit")
    if journal is None:
        return {"requests": [], "journal_size": 0}
    entries = await journal.entries(
        account=params.get("account") or None,
        endpoint=endpoint,
        codes=codes,
        since_id=since_id,
        order_id=order_id,
        limit=1000 if limit is None else limit,
    )
    return {"requests": entries, "journal_size": journal.size}


OPENAPI["paths"]["/_sandbox/requests"] = {
    "get": _op(
        "the request journal: every /v1 call, newest first (id, at, account, endpoint, transport, "
        "code, reason, request with the hash redacted, order_id, duration_ms); filters account, "
        "endpoint, code (one or a comma-separated list), since_id, order_id, limit (default 1000)"
    ),
    "delete": _op("empty the request journal"),
}

CONTROL_ROUTES: tuple[tuple[str, ControlEndpoint, tuple[str, ...]], ...] = (
    ("/_sandbox/accounts", create_account, ("POST",)),
    ("/_sandbox/accounts", list_accounts, ("GET",)),
    ("/_sandbox/accounts/{key}", account_detail, ("GET", "PATCH", "DELETE")),
    ("/_sandbox/messages", list_messages, ("GET",)),
    ("/_sandbox/messages", clear_messages, ("DELETE",)),
    ("/_sandbox/clock", clock, ("GET", "POST")),
    ("/_sandbox/carrier/settle", settle, ("POST",)),
    ("/_sandbox/carrier/rules", carrier_rules, ("GET", "PUT", "DELETE")),
    ("/_sandbox/faults", faults, ("GET", "PUT", "DELETE")),
    ("/_sandbox/webhooks", webhook_log, ("GET",)),
    ("/_sandbox/webhooks/sample", webhook_sample, ("POST",)),
    ("/_sandbox/webhooks/{webhook_id:int}/resend", webhook_resend, ("POST",)),
    ("/_sandbox/reset", reset_endpoint, ("POST",)),
    ("/_sandbox/openapi.json", openapi, ("GET",)),
    ("/_sandbox/openapi/iletimerkezi.json", api_openapi, ("GET",)),
    ("/livez", livez, ("GET",)),
    ("/readyz", readyz, ("GET",)),
    ("/_sandbox/accounts/{key}/blacklist", account_blacklist, ("GET", "POST", "DELETE")),
    ("/_sandbox/accounts/{key}/custom-fields", custom_fields, ("GET", "POST")),
    ("/_sandbox/accounts/{key}/custom-fields/{field_id:int}", custom_field_detail, ("DELETE",)),
    ("/_sandbox/accounts/{key}/iys", account_iys, ("GET", "PATCH")),
    ("/_sandbox/accounts/{key}/consents", account_consents, ("GET", "POST", "DELETE")),
    ("/_sandbox/accounts/{key}/contacts", account_contacts, ("GET",)),
    ("/_sandbox/requests", requests_journal, ("GET", "DELETE")),
)
