"""The probe battery, as data: each probe is one request the contract says is refused or read-only, and what
the contract expects back.

Safety, whatever the server does (docs/conformance.md lists every probe with its class):

- `READ_ONLY`: an endpoint that only reads (get-*, consent/show, search-contacts).
- `NO_RECIPIENT`: a send-sms whose every recipient is `NOT_A_NUMBER`, letters that no carrier can route, so
  even a server that skipped every check has nobody to send to. Never the APITEST sender.
- `NOTHING_NAMED`: a cancel or delete whose id or number cannot name anything (letters, not digits).
- `REFUSED_TWICE`: a write that carries two or more independent faults, each enough to refuse it, about
  things that do not exist (an empty name *and* a parent group that cannot exist).
- `INVALID_RECORDS`: a consent batch whose every record is invalid in every field, so nothing in it can be
  stored even by a server that skipped the check being probed.
- `UNREADABLE`: a body that cannot be parsed, a wrong path or method, or credentials that authenticate
  nobody: nothing can act on it.

Every expected code is a `Code` member, its message comes from `ileti.codes`, and the limits from
`ileti.limits`/`ileti.text`; nothing here re-types a Turkish message or a number the core owns.
"""

from __future__ import annotations

import enum
import importlib.util
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal

from pydantic import BaseModel

from ileti import checks
from ileti import text as sms_text
from ileti.codes import Code
from ileti.limits import CONSENT_BATCH_MAX, IYS_LISTS, REPORTS_MAX_DAYS, SENDER_MAX_LENGTH
from ileti.wire import json_codec
from ileti.wire import models as wm
from ileti.wire.endpoints import ENDPOINTS
from ileti.wire.envelope import Authentication, request_envelope

__all__ = [
    "NOT_A_NUMBER",
    "NO_SUCH_ID",
    "Credentials",
    "Expected",
    "HttpRequest",
    "Probe",
    "Profile",
    "Safety",
    "Setup",
    "battery",
    "consent_show_request",
    "get_sender_request",
    "reports_request",
    "xml_available",
]

Variant = Literal["json", "xml", "get"]

NOT_A_NUMBER = "NO-NUMBER"
"""Every send-sms probe's only recipient: letters, which no carrier routes and no number parser keeps."""

NOT_AN_ID = "NO-SUCH-ID"
"""An order/contact id for writes: letters name no row, whatever a server does with a number."""

NO_SUCH_ID = "999999999999999999"
"""An id for reads (get-report, get-group, get-contact): 18 nines, far beyond any id a store hands out."""

NO_RECORD_RECIPIENT = "+905399999990"
"""consent/show's "recipient with no record" (read-only, so any well-formed number is safe)."""

PROBE_TEXT = "ileti conformance probe"
WRONG_HASH = "0" * 64
UNKNOWN_KEY = "ileti-conformance-unknown-key"

_ORDER: tuple[Code, ...] = (Code.BAD_REQUEST, Code.UNAUTHORIZED, *checks.SEND_SMS_ORDER)
"""OQ-2: which code wins when a send-sms request has several faults (parsing and authentication first)."""


class Safety(enum.StrEnum):
    """Why a probe cannot send or change anything, whatever the server does (module docstring)."""

    READ_ONLY = "read-only"
    NO_RECIPIENT = "no recipient"
    NOTHING_NAMED = "names nothing"
    REFUSED_TWICE = "refused twice"
    INVALID_RECORDS = "invalid records"
    UNREADABLE = "unreadable"


@dataclass(frozen=True, slots=True)
class Credentials:
    key: str
    hash: str

    def __repr__(self) -> str:
        return f"Credentials(key={self.key!r}, hash='***')"

    __str__ = __repr__


REDACTED = Credentials("<key>", "<hash>")
"""What the record shows in place of the credentials."""


@dataclass(frozen=True, slots=True)
class Profile:
    """What the probes need to know about the account, learnt by read-only calls (and --sender/--brand-code).

    `iys_active`: consent/show did not answer 403, so the account has an İYS brand code (no 470).
    `brand_code`: the account's brand code when the user gave it; the probes that need it skip otherwise.
    """

    senders: tuple[str, ...]
    sender: str | None
    iys_active: bool
    brand_code: str | None = None

    def unapproved_sender(self) -> str:
        """A well-formed sender that is not one of the account's."""
        n = 0
        while (candidate := f"NOSENDER{n}"[:SENDER_MAX_LENGTH]) in self.senders:
            n += 1
        return candidate

    def wrong_brand(self) -> str:
        """A brand code that is not the account's."""
        return "2" if self.brand_code and self.brand_code.lstrip("0") == "1" else "1"


@dataclass(frozen=True, slots=True)
class Setup:
    """What building a request needs: the credentials, the profile, today's date (Istanbul) and an existing
    order of this server's account, found by a read-only get-reports (None: no order in the last days)."""

    credentials: Credentials
    profile: Profile
    today: date
    order_id: str | None = None


@dataclass(frozen=True, slots=True)
class HttpRequest:
    method: str
    path: str
    body: bytes | None = None
    content_type: str | None = None
    query: tuple[tuple[str, str], ...] = ()


ERROR_FIELDS: Mapping[Variant, Mapping[str, str]] = {
    "json": {
        "response": "object",
        "response.status": "object",
        "response.status.code": "integer",
        "response.status.message": "string",
    },
    "xml": {
        "response": "object",
        "response.status": "object",
        "response.status.code": "string",
        "response.status.message": "string",
    },
}
ERROR_FIELDS = {**ERROR_FIELDS, "get": ERROR_FIELDS["xml"]}

MEDIA_TYPES: Mapping[Variant, str] = {"json": "application/json", "xml": "text/xml", "get": "text/xml"}
"""OQ-24: the Content-Type of each variant's answers (compared without parameters)."""


@dataclass(frozen=True, slots=True)
class Expected:
    """What the contract says comes back: HTTP status = status.code (OQ-1), the message from `codes`, the
    variant's Content-Type (OQ-24), and the fields with their JSON types (§1.3, §1.5)."""

    code: int
    http_status: int
    message: str
    media_type: str
    fields: Mapping[str, str]

    @classmethod
    def of(cls, code: Code, variant: Variant, shape: Mapping[str, str] | None = None) -> Expected:
        fields = dict(ERROR_FIELDS[variant])
        if code is Code.OK:
            fields.update(shape or {})
        return cls(int(code), int(code), code.message, MEDIA_TYPES[variant], fields)


Skip = Callable[[Setup], str | None]
Expect = Callable[[Profile], Code]


@dataclass(frozen=True, slots=True)
class Probe:
    """One request of the battery. `expect(profile)` is the contract's code for this account; `shape` the
    payload fields a 200 carries (types of §1.5's REC column; `any` accepts whatever sits below)."""

    name: str
    about: str
    endpoint: str | None  # None: a path the API does not have
    variant: Variant
    safety: Safety
    build: Callable[[Setup], HttpRequest]
    expect: Expect
    shape: Mapping[str, str] = field(default_factory=dict)
    skip: Skip | None = None

    def expected(self, profile: Profile) -> Expected:
        return Expected.of(self.expect(profile), self.variant, self.shape)

    def skipped(self, setup: Setup) -> str | None:
        if self.variant != "json" and not xml_available():
            return "XML needs pip install 'ileti[sandbox]' (defusedxml)"
        return self.skip(setup) if self.skip else None


def xml_available() -> bool:
    """Whether `ileti.wire.xml_codec` can be used (defusedxml comes with the sandbox extra)."""
    return importlib.util.find_spec("defusedxml") is not None


# ---------------------------------------------------------------------------------------------- bodies

Payload = BaseModel | Mapping[str, Any] | None


def _auth(credentials: Credentials) -> Authentication:
    return Authentication(key=credentials.key, hash=credentials.hash)


def _json(
    endpoint: str,
    payload: Payload | Callable[[Setup], Payload] = None,
    *,
    path: str | None = None,
    auth: Callable[[Setup], Credentials] | None = None,
) -> Callable[[Setup], HttpRequest]:
    ep = ENDPOINTS[endpoint]

    def build(setup: Setup) -> HttpRequest:
        creds = auth(setup) if auth else setup.credentials
        body = request_envelope(_auth(creds), ep, _payload(payload, setup))
        return HttpRequest("POST", path or ep.json_path, json_codec.dumps(body), "application/json")

    return build


def _xml(
    endpoint: str,
    payload: Payload | Callable[[Setup], Payload] = None,
    *,
    form: bool = False,
    auth: Callable[[Setup], Credentials] | None = None,
) -> Callable[[Setup], HttpRequest]:
    ep = ENDPOINTS[endpoint]
    assert ep.xml_path is not None

    def build(setup: Setup) -> HttpRequest:
        from ileti.wire.xml_codec import to_xml

        creds = auth(setup) if auth else setup.credentials
        document = to_xml(request_envelope(_auth(creds), ep, _payload(payload, setup)))
        if form:
            from urllib.parse import urlencode

            return HttpRequest(
                "POST",
                ep.xml_path or "",
                urlencode({"data": document}).encode(),
                "application/x-www-form-urlencoded",
            )
        return HttpRequest("POST", ep.xml_path or "", document, "text/xml; charset=utf-8")

    return build


def _payload(payload: Payload | Callable[[Setup], Payload], setup: Setup) -> Payload:
    return payload(setup) if callable(payload) else payload


def _raw(
    method: str, path: str, body: bytes | None = None, content_type: str | None = "application/json"
) -> Callable[[Setup], HttpRequest]:
    return lambda setup: HttpRequest(method, path, body, content_type if body is not None else None)


def _wrong_hash(setup: Setup) -> Credentials:
    return Credentials(setup.credentials.key, WRONG_HASH)


def _unknown_key(setup: Setup) -> Credentials:
    return Credentials(UNKNOWN_KEY, WRONG_HASH)


def get_sender_request(credentials: Credentials) -> HttpRequest:
    """get-sender: the account's approved senders (read-only; the profile's first call)."""
    return _json("get-sender")(Setup(credentials, Profile((), None, False), date.today()))


def consent_show_request(credentials: Credentials, brand_code: str) -> HttpRequest:
    """consent/show of a recipient with no record: 403 tells an account without İYS (read-only)."""
    payload = wm.ConsentShowRequest(
        brand_code=brand_code, recipient=NO_RECORD_RECIPIENT, recipient_type=IYS_LISTS[0], type="MESAJ"
    )
    return _json("consent/show", payload)(Setup(credentials, Profile((), None, False), date.today()))


def _fixed(code: Code) -> Expect:
    return lambda profile: code


def _iys(code: Code) -> Expect:
    """İYS endpoints answer 403 before anything else on an account without an İYS subscription."""
    return lambda profile: code if profile.iys_active else Code.NO_IYS_SUBSCRIPTION


def _needs_brand(setup: Setup) -> str | None:
    if setup.profile.iys_active and not setup.profile.brand_code:
        return "needs --brand-code (the account has İYS)"
    return None


def _needs_sender(setup: Setup) -> str | None:
    return None if setup.profile.sender else "needs an approved sender (--sender; get-sender listed none)"


def _needs_order(setup: Setup) -> str | None:
    return None if setup.order_id else f"no order in the last {REPORTS_MAX_DAYS} days to read"


def reports_request(credentials: Credentials, today: date) -> HttpRequest:
    """get-reports of the last days: an order id for the report probes (read-only)."""
    build = _json("get-reports", lambda s: _days(s, REPORTS_MAX_DAYS))
    return build(Setup(credentials, Profile((), None, False), today))


# ---------------------------------------------------------------------------------------------- send-sms

# a fault is a change to a send-sms request that, alone, makes the contract refuse it with its code; the
# key is the fault's name in probe names ("459", "460-turkish", …); "401" is a wrong hash
_TOO_LONG = "a" * (sms_text.LIMITS[sms_text.Encoding.GSM7].max_length + 1)  # 8 parts of GSM-7 (§7)
_FAULTS: Mapping[str, tuple[Code, Callable[[Profile], dict[str, Any]]]] = {
    "459": (Code.SENDER_EMPTY, lambda p: {"sender": ""}),
    "460": (Code.SENDER_INVALID, lambda p: {"sender": "A" * (SENDER_MAX_LENGTH + 1)}),
    "460-turkish": (Code.SENDER_INVALID, lambda p: {"sender": "ŞİRKET"}),
    "450": (Code.SENDER_NOT_APPROVED, lambda p: {"sender": p.unapproved_sender()}),
    "468": (Code.IYS_FLAG_REQUIRED, lambda p: {"iys": None}),
    "469": (Code.IYS_LIST_REQUIRED, lambda p: {"iys": "1", "iys_list": None}),
    "470": (Code.IYS_CODE_MISSING, lambda p: {"iys": "1", "iys_list": IYS_LISTS[0]}),
    "454": (Code.EMPTY_TEXT, lambda p: {"text": ""}),
    "453": (Code.ORDER_TOO_LARGE, lambda p: {"text": _TOO_LONG}),
    "457": (Code.INVALID_SEND_DATE, lambda p: {"send_date_time": "2030-01-01 10:00"}),  # ISO, not DD/MM/…
    "452-missing": (Code.INVALID_RECIPIENTS, lambda p: {"recipients": False}),
}
WRONG_AUTH = "401"


def _applies(code: Code, profile: Profile) -> bool:
    # 470 is "iys=1 and the account has no İYS code" (OQ-4): an account with İYS goes on to the next check
    return not (code is Code.IYS_CODE_MISSING and profile.iys_active)


def send_expectation(faults: Sequence[str], profile: Profile) -> Code:
    """The OQ-2 winner among a request's faults; every probe also has only invalid recipients (452)."""
    codes = [Code.UNAUTHORIZED if f == WRONG_AUTH else _FAULTS[f][0] for f in faults]
    present = [c for c in (*codes, Code.INVALID_RECIPIENTS) if _applies(c, profile)]
    return min(present, key=_ORDER.index)


def send_order(profile: Profile, faults: Sequence[str] = ()) -> wm.SendSmsRequest:
    """A send-sms order from the approved sender to `NOT_A_NUMBER` only, with `faults` applied."""
    values: dict[str, Any] = {
        "sender": profile.sender or "",
        "iys": "0",
        "iys_list": None,
        "text": PROBE_TEXT,
        "send_date_time": None,
        "recipients": True,
    }
    for fault in faults:
        if fault != WRONG_AUTH:
            values.update(_FAULTS[fault][1](profile))
    recipients = wm.Recipients(numbers=[NOT_A_NUMBER]) if values.pop("recipients") else None
    message = wm.SendSmsMessage(text=values.pop("text"), recipients=recipients)
    return wm.SendSmsRequest(**values, messages=[message])


def _auth_for(faults: Sequence[str]) -> Callable[[Setup], Credentials] | None:
    return _wrong_hash if WRONG_AUTH in faults else None


def _send_probe(faults: Sequence[str], about: str, *, variant: Variant = "json") -> Probe:
    name = "send-sms/" + ("xml/" if variant == "xml" else "") + ("+".join(faults) or "452")
    maker = _xml if variant == "xml" else _json
    build = maker("send-sms", lambda s: send_order(s.profile, faults), auth=_auth_for(faults))
    return Probe(
        name,
        about,
        "send-sms",
        variant,
        Safety.NO_RECIPIENT,
        build,
        lambda profile: send_expectation(faults, profile),
        skip=_needs_sender,
    )


def _get_variant(faults: Sequence[str], about: str) -> Probe:
    """The send-sms query-string variant (§4.1 GET), answered in XML; recipients `NOT_A_NUMBER` only."""
    ep = ENDPOINTS["send-sms"]
    aliases = {name: f.alias or name for name, f in wm.SendSmsRequest.model_fields.items()}
    receipents = wm.SendSmsMessage.model_fields["recipients"].alias or "recipients"
    auth = _auth_for(faults)

    def build(setup: Setup) -> HttpRequest:
        order = send_order(setup.profile, faults)
        creds = auth(setup) if auth else setup.credentials
        message = (order.messages or [wm.SendSmsMessage()])[0]
        query = [
            ("key", creds.key),
            ("hash", creds.hash),
            ("text", message.text or ""),
            (receipents, ",".join(message.recipients.numbers or []) if message.recipients else ""),
            ("sender", order.sender or ""),
        ]
        if order.iys is not None:
            query.append((aliases["iys"], order.iys))
        if order.iys_list is not None:
            query.append((aliases["iys_list"], order.iys_list))
        return HttpRequest("GET", ep.get_path or "", query=tuple(query))

    return Probe(
        "send-sms/get/" + ("+".join(faults) or "452"),
        about,
        "send-sms",
        "get",
        Safety.NO_RECIPIENT,
        build,
        lambda profile: send_expectation(faults, profile),
        skip=_needs_sender,
    )


def _send_sms_probes() -> list[Probe]:
    singles = [
        _send_probe(["459"], "sender empty"),
        _send_probe(["460"], f"sender of {SENDER_MAX_LENGTH + 1} characters"),
        _send_probe(["460-turkish"], "sender with a Turkish letter"),
        _send_probe(["450"], "sender well formed but not approved"),
        _send_probe(["468"], "iys flag missing (OQ-3)"),
        _send_probe(["469"], "iys=1 without iysList"),
        _send_probe(["470"], "iys=1 with iysList: 470 without an İYS code, else on to 452 (OQ-4)"),
        _send_probe(["454"], "text empty"),
        _send_probe(["453"], "text over 7 parts"),
        _send_probe(["457"], "sendDateTime not DD/MM/YYYY HH:MM"),
        _send_probe([], "only an invalid recipient (OQ-6)"),
        _send_probe(["452-missing"], "message without receipents"),
    ]
    # OQ-2: two faults in one request, the first in the contract's order wins
    pairs = [
        ("401", "459"),
        ("459", "468"),
        ("460", "454"),
        ("450", "468"),
        ("468", "454"),
        ("469", "454"),
        ("470", "454"),
        ("454", "457"),
        ("453", "457"),
    ]
    two = [_send_probe(list(pair), f"OQ-2: faults {pair[0]} and {pair[1]} in one request") for pair in pairs]
    variants = [
        _send_probe(["459"], "XML: sender empty", variant="xml"),
        _send_probe([], "XML: only an invalid recipient", variant="xml"),
        _send_probe(["401"], "XML: wrong hash", variant="xml"),
        _get_variant(["459"], "GET: sender empty"),
        _get_variant([], "GET: only an invalid recipient"),
        _get_variant(["401"], "GET: wrong hash"),
        Probe(
            "send-sms/get/404-post",
            "GET variant called with POST (OQ-25)",
            "send-sms",
            "get",
            Safety.UNREADABLE,
            _raw("POST", ENDPOINTS["send-sms"].get_path or "", b"", None),
            _fixed(Code.NOT_FOUND),
        ),
    ]
    return singles + two + variants


# ---------------------------------------------------------------------------------------------- the rest

_BALANCE = {
    "response.balance": "object",
    "response.balance.amount": "number",
    "response.balance.sms": "integer",
}
_BALANCE_XML = {
    "response.balance": "object",
    "response.balance.amount": "string",
    "response.balance.sms": "string",
}
_SENDERS = {
    "response.senders": "object",
    "response.senders.sender": "array",
    "response.senders.sender[]": "string",
}
_BLACKLIST = {
    "response.blacklist": "object",
    "response.blacklist.count": "integer",
    "response.blacklist.number": "array",
    "response.blacklist.number[]": "string",
}
_BLACKLIST_XML = {**_BLACKLIST, "response.blacklist.count": "string"}
_SUMMARY = {
    f"response.orders[].{name}": "integer"
    for name in ("id", "status", "total", "delivered", "undelivered", "waiting")
}
_REPORTS = {
    "response.count": "integer",
    "response.orders": "array",
    "response.orders[]": "object",
    **_SUMMARY,
    **{f"response.orders[].{name}": "string" for name in ("submitAt", "sendAt", "sender")},
}
_REPORT = {
    "response.order": "object",
    "response.order.id": "string",
    **{
        f"response.order.{name}": "integer"
        for name in ("status", "total", "delivered", "undelivered", "waiting")
    },
    **{f"response.order.{name}": "string" for name in ("submitAt", "sendAt", "sender")},
    "response.order.price": "number",
    "response.order.message": "array",
    "response.order.message[]": "object",
    "response.order.message[].number": "string",
    "response.order.message[].status": "integer",
}
_REPORT_XML = {  # XML carries every scalar as text
    **{path: "string" for path, kind in _REPORT.items() if kind in ("integer", "number", "string")},
    "response.order": "object",
    "response.order.message": "any",
}
_GROUPS = {
    "response.groups": "array",
    "response.groups[]": "object",
    "response.groups[].id": "integer",
    "response.groups[].name": "string",
    "response.groups[].count": "integer",
    "response.groups[].children": "any",
}
_GROUPS_XML = {"response.groups": "any"}


def _days(setup: Setup, back: int) -> wm.GetReportsRequest:
    return wm.GetReportsRequest(
        start=(setup.today - timedelta(days=back)).isoformat(), end=setup.today.isoformat()
    )


def _general_probes() -> list[Probe]:
    c = Code
    balance = ENDPOINTS["get-balance"]
    return [
        Probe(
            "general/400-json",
            "JSON that does not parse",
            "get-balance",
            "json",
            Safety.UNREADABLE,
            _raw("POST", balance.json_path, b'{"request": {"authentication": '),
            _fixed(c.BAD_REQUEST),
        ),
        Probe(
            "general/400-no-request",
            "JSON without the request object (§1.7 REC)",
            "get-balance",
            "json",
            Safety.UNREADABLE,
            _raw("POST", balance.json_path, b'{"hello": 1}'),
            _fixed(c.BAD_REQUEST),
        ),
        Probe(
            "general/400-xml",
            "XML with an unclosed tag",
            "get-balance",
            "xml",
            Safety.UNREADABLE,
            _raw(
                "POST",
                balance.xml_path or "",
                b"<request><authentication><key>x</key>",
                "text/xml; charset=utf-8",
            ),
            _fixed(c.BAD_REQUEST),
        ),
        Probe(
            "general/401-hash",
            "right key, wrong hash",
            "get-balance",
            "json",
            Safety.UNREADABLE,
            _json("get-balance", auth=_wrong_hash),
            _fixed(c.UNAUTHORIZED),
        ),
        Probe(
            "general/401-key",
            "unknown key",
            "get-balance",
            "json",
            Safety.UNREADABLE,
            _json("get-balance", auth=_unknown_key),
            _fixed(c.UNAUTHORIZED),
        ),
        Probe(
            "general/401-hash-xml",
            "XML: right key, wrong hash",
            "get-balance",
            "xml",
            Safety.UNREADABLE,
            _xml("get-balance", auth=_wrong_hash),
            _fixed(c.UNAUTHORIZED),
        ),
        Probe(
            "general/404-path",
            "unknown endpoint",
            None,
            "json",
            Safety.UNREADABLE,
            _json("get-balance", path="/v1/no-such-endpoint/json"),
            _fixed(c.NOT_FOUND),
        ),
        Probe(
            "general/404-path-xml",
            "unknown endpoint, XML",
            None,
            "xml",
            Safety.UNREADABLE,
            _raw("POST", "/v1/no-such-endpoint", b"<request/>", "text/xml; charset=utf-8"),
            _fixed(c.NOT_FOUND),
        ),
        Probe(
            "general/404-method",
            "GET on a POST endpoint (OQ-25)",
            "get-balance",
            "json",
            Safety.UNREADABLE,
            _raw("GET", balance.json_path),
            _fixed(c.NOT_FOUND),
        ),
        Probe(
            "get-balance/200",
            "balance (§1.5 types)",
            "get-balance",
            "json",
            Safety.READ_ONLY,
            _json("get-balance"),
            _fixed(c.OK),
            _BALANCE,
        ),
        Probe(
            "get-balance/xml/200",
            "balance, XML",
            "get-balance",
            "xml",
            Safety.READ_ONLY,
            _xml("get-balance"),
            _fixed(c.OK),
            _BALANCE_XML,
        ),
        Probe(
            "get-balance/xml-form/200",
            "balance, XML in a data= form field",
            "get-balance",
            "xml",
            Safety.READ_ONLY,
            _xml("get-balance", form=True),
            _fixed(c.OK),
            _BALANCE_XML,
        ),
        Probe(
            "get-sender/200",
            "approved senders",
            "get-sender",
            "json",
            Safety.READ_ONLY,
            _json("get-sender"),
            _fixed(c.OK),
            _SENDERS,
        ),
        Probe(
            "get-sender/xml/200",
            "approved senders, XML",
            "get-sender",
            "xml",
            Safety.READ_ONLY,
            _xml("get-sender"),
            _fixed(c.OK),
            {**_SENDERS, "response.senders.sender": "any"},
        ),
    ]


def _first_row(setup: Setup) -> wm.GetReportRequest:
    return wm.GetReportRequest(id=setup.order_id or NO_SUCH_ID, page="1", row_count="1")


def _report_probes() -> list[Probe]:
    c = Code
    ro = Safety.READ_ONLY
    return [
        Probe(
            "cancel-order/455",
            "cancel an id that names no order",
            "cancel-order",
            "json",
            Safety.NOTHING_NAMED,
            _json("cancel-order", wm.CancelOrderRequest(id=NOT_AN_ID)),
            _fixed(c.ORDER_NOT_FOUND),
        ),
        Probe(
            "cancel-order/xml/455",
            "XML: cancel an id that names no order",
            "cancel-order",
            "xml",
            Safety.NOTHING_NAMED,
            _xml("cancel-order", wm.CancelOrderRequest(id=NOT_AN_ID)),
            _fixed(c.ORDER_NOT_FOUND),
        ),
        Probe(
            "get-report/200",
            "first row of an existing order's report (§1.5 types)",
            "get-report",
            "json",
            ro,
            _json("get-report", _first_row),
            _fixed(c.OK),
            _REPORT,
            skip=_needs_order,
        ),
        Probe(
            "get-report/xml/200",
            "first row of an existing order's report, XML",
            "get-report",
            "xml",
            ro,
            _xml("get-report", _first_row),
            _fixed(c.OK),
            _REPORT_XML,
            skip=_needs_order,
        ),
        Probe(
            "get-report/455",
            "report of an order id that cannot exist",
            "get-report",
            "json",
            ro,
            _json("get-report", wm.GetReportRequest(id=NO_SUCH_ID)),
            _fixed(c.ORDER_NOT_FOUND),
        ),
        Probe(
            "get-report/xml/455",
            "XML: report of an order id that cannot exist",
            "get-report",
            "xml",
            ro,
            _xml("get-report", wm.GetReportRequest(id=NO_SUCH_ID)),
            _fixed(c.ORDER_NOT_FOUND),
        ),
        Probe(
            "get-reports/200",
            f"orders of the last {REPORTS_MAX_DAYS} days",
            "get-reports",
            "json",
            ro,
            _json("get-reports", lambda s: _days(s, REPORTS_MAX_DAYS)),
            _fixed(c.OK),
            _REPORTS,
        ),
        Probe(
            "get-reports/458-range",
            f"a range of {REPORTS_MAX_DAYS + 1} days",
            "get-reports",
            "json",
            ro,
            _json("get-reports", lambda s: _days(s, REPORTS_MAX_DAYS + 1)),
            _fixed(c.INVALID_DATE_RANGE),
        ),
        Probe(
            "get-reports/458-reversed",
            "end before start",
            "get-reports",
            "json",
            ro,
            _json("get-reports", lambda s: _days(s, -1)),
            _fixed(c.INVALID_DATE_RANGE),
        ),
        Probe(
            "get-reports/458-format",
            "dates not YYYY-MM-DD",
            "get-reports",
            "json",
            ro,
            _json("get-reports", wm.GetReportsRequest(start="01/01/2026", end="02/01/2026")),
            _fixed(c.INVALID_DATE_RANGE),
        ),
        Probe(
            "get-reports/464",
            "page 0 (OQ-12)",
            "get-reports",
            "json",
            ro,
            _json("get-reports", lambda s: _days(s, 1).model_copy(update={"page": "0"})),
            _fixed(c.INVALID_PAGE),
        ),
    ]


def _blacklist_probes() -> list[Probe]:
    c = Code
    ro = Safety.READ_ONLY
    page = wm.GetBlacklistRequest(page="1", row_count="1")
    return [
        Probe(
            "get-blacklist/200",
            "first entry of the blacklist",
            "get-blacklist",
            "json",
            ro,
            _json("get-blacklist", page),
            _fixed(c.OK),
            _BLACKLIST,
        ),
        Probe(
            "get-blacklist/xml/200",
            "first entry of the blacklist, XML",
            "get-blacklist",
            "xml",
            ro,
            _xml("get-blacklist", page),
            _fixed(c.OK),
            {**_BLACKLIST_XML, "response.blacklist.number": "any"},
        ),
        Probe(
            "get-blacklist/464",
            "page 0 (OQ-12)",
            "get-blacklist",
            "json",
            ro,
            _json("get-blacklist", wm.GetBlacklistRequest(page="0")),
            _fixed(c.INVALID_PAGE),
        ),
        Probe(
            "get-blacklist/422",
            "filter bound not YYYY-MM-DD HH:MM:SS",
            "get-blacklist",
            "json",
            ro,
            _json("get-blacklist", wm.GetBlacklistRequest(filter=wm.BlacklistFilter(start="yesterday"))),
            _fixed(c.VALIDATION_FAILED),
        ),
        Probe(
            "delete-blacklist/466",
            "remove a number that is not a number",
            "delete-blacklist",
            "json",
            Safety.NOTHING_NAMED,
            _json("delete-blacklist", wm.DeleteBlacklistRequest(number=NOT_A_NUMBER)),
            _fixed(c.INVALID_NUMBER),
        ),
        Probe(
            "delete-blacklist/xml/466",
            "XML: remove a number that is not a number",
            "delete-blacklist",
            "xml",
            Safety.NOTHING_NAMED,
            _xml("delete-blacklist", wm.DeleteBlacklistRequest(number=NOT_A_NUMBER)),
            _fixed(c.INVALID_NUMBER),
        ),
    ]


def _contact_probes() -> list[Probe]:
    c = Code
    ro = Safety.READ_ONLY
    nothing = wm.AddContactRequest(
        name="",
        surname="",
        email="",
        gsm="",
        groups=[NO_SUCH_ID],
        custom_fields=[wm.CustomFieldIn(id=NO_SUCH_ID, value="x")],
    )
    bad_gsm = wm.AddContactRequest(
        gsm=NOT_A_NUMBER, groups=[NO_SUCH_ID], custom_fields=[wm.CustomFieldIn(id=NO_SUCH_ID, value="x")]
    )
    return [
        Probe(
            "get-groups/200",
            "every group (beta)",
            "get-groups",
            "json",
            ro,
            _json("get-groups"),
            _fixed(c.OK),
            _GROUPS,
        ),
        Probe(
            "get-groups/xml/200",
            "every group, XML (beta)",
            "get-groups",
            "xml",
            ro,
            _xml("get-groups"),
            _fixed(c.OK),
            _GROUPS_XML,
        ),
        Probe(
            "get-group/462",
            "group without an id",
            "get-group",
            "json",
            ro,
            _json("get-group", wm.GetGroupRequest(id="")),
            _fixed(c.GROUP_ID_REQUIRED),
        ),
        Probe(
            "get-group/463",
            "group id that cannot exist",
            "get-group",
            "json",
            ro,
            _json("get-group", wm.GetGroupRequest(id=NO_SUCH_ID)),
            _fixed(c.GROUP_NOT_FOUND),
        ),
        Probe(
            "get-group-contacts/464",
            "page 0 of a group that cannot exist",
            "get-group-contacts",
            "json",
            ro,
            _json("get-group-contacts", wm.GetGroupContactsRequest(id=NO_SUCH_ID, page="0")),
            _fixed(c.INVALID_PAGE),
        ),
        Probe(
            "get-contact/465",
            "contact id that cannot exist",
            "get-contact",
            "json",
            ro,
            _json("get-contact", wm.GetContactRequest(id=NO_SUCH_ID)),
            _fixed(c.CONTACT_NOT_FOUND),
        ),
        Probe(
            "get-contact/xml/465",
            "XML: contact id that cannot exist",
            "get-contact",
            "xml",
            ro,
            _xml("get-contact", wm.GetContactRequest(id=NO_SUCH_ID)),
            _fixed(c.CONTACT_NOT_FOUND),
        ),
        Probe(
            "search-contacts/471",
            "search term of 2 characters",
            "search-contacts",
            "json",
            ro,
            _json("search-contacts", wm.SearchContactsRequest(key="ab")),
            _fixed(c.SEARCH_TERM_TOO_SHORT),
        ),
        Probe(
            "search-contacts/xml/471",
            "XML: search term of 2 characters",
            "search-contacts",
            "xml",
            ro,
            _xml("search-contacts", wm.SearchContactsRequest(key="ab")),
            _fixed(c.SEARCH_TERM_TOO_SHORT),
        ),
        Probe(
            "search-contacts/464",
            "search page 0",
            "search-contacts",
            "json",
            ro,
            _json("search-contacts", wm.SearchContactsRequest(key="zq-no-match-zq", page="0")),
            _fixed(c.INVALID_PAGE),
        ),
        Probe(
            "search-contacts/465",
            "search that matches nothing",
            "search-contacts",
            "json",
            ro,
            _json("search-contacts", wm.SearchContactsRequest(key="zq-no-match-zq")),
            _fixed(c.CONTACT_NOT_FOUND),
        ),
        Probe(
            "add-group/461",
            "empty name under a parent that cannot exist",
            "add-group",
            "json",
            Safety.REFUSED_TWICE,
            _json("add-group", wm.AddGroupRequest(name="", parent=NO_SUCH_ID)),
            _fixed(c.GROUP_NAME_REQUIRED),
        ),
        Probe(
            "edit-group/462",
            "edit a group id that cannot exist, empty name, unknown parent",
            "edit-group",
            "json",
            Safety.REFUSED_TWICE,
            _json("edit-group", wm.EditGroupRequest(id=NOT_AN_ID, name="", parent=NO_SUCH_ID)),
            _fixed(c.GROUP_ID_REQUIRED),
        ),
        Probe(
            "add-contact/472",
            "no name, surname, gsm or e-mail; unknown group and custom field",
            "add-contact",
            "json",
            Safety.REFUSED_TWICE,
            _json("add-contact", nothing),
            _fixed(c.CONTACT_FIELDS_REQUIRED),
        ),
        Probe(
            "add-contact/466",
            "gsm not a number; unknown group and custom field",
            "add-contact",
            "json",
            Safety.REFUSED_TWICE,
            _json("add-contact", bad_gsm),
            _fixed(c.INVALID_NUMBER),
        ),
    ]


def _invalid_record() -> wm.ConsentRecordIn:
    """A consent record wrong in every field: nothing of it can be stored."""
    return wm.ConsentRecordIn(
        recipient=NOT_A_NUMBER, recipient_type="X", type="X", status="X", source="X", consent_date="X"
    )


def _iys_probes() -> list[Probe]:
    c = Code
    ro = Safety.READ_ONLY

    def show(brand: Callable[[Setup], str], **fields: str) -> Callable[[Setup], wm.ConsentShowRequest]:
        base = {"recipient": NO_RECORD_RECIPIENT, "recipient_type": IYS_LISTS[0], "type": "MESAJ"}
        return lambda s: wm.ConsentShowRequest(brand_code=brand(s), **{**base, **fields})

    def own(s: Setup) -> str:
        return s.profile.brand_code or s.profile.wrong_brand()

    def other(s: Setup) -> str:
        return s.profile.wrong_brand()

    def batch(brand: Callable[[Setup], str], size: int) -> Callable[[Setup], wm.ConsentCreateRequest]:
        return lambda s: wm.ConsentCreateRequest(brand_code=brand(s), records=[_invalid_record()] * size)

    return [
        Probe(
            "consent/show/422",
            "recipient with no record (403 without İYS)",
            "consent/show",
            "json",
            ro,
            _json("consent/show", show(own)),
            _iys(c.VALIDATION_FAILED),
            skip=_needs_brand,
        ),
        Probe(
            "consent/show/200-quirk",
            "a brand code that is not the account's: 200 consent [] (OQ-18)",
            "consent/show",
            "json",
            ro,
            _json("consent/show", show(other)),
            _iys(c.OK),
            {"response.consent": "array"},
        ),
        Probe(
            "consent/show/422-values",
            "recipientType and type outside their enums",
            "consent/show",
            "json",
            ro,
            _json("consent/show", show(own, recipient_type="X", type="X")),
            _iys(c.VALIDATION_FAILED),
            skip=_needs_brand,
        ),
        Probe(
            "consent/create/403",
            "a brand code that is not the account's, invalid record",
            "consent/create",
            "json",
            Safety.INVALID_RECORDS,
            _json("consent/create", batch(other, 1)),
            _fixed(c.NO_IYS_SUBSCRIPTION),
        ),
        Probe(
            "consent/create/422",
            "one record invalid in every field",
            "consent/create",
            "json",
            Safety.INVALID_RECORDS,
            _json("consent/create", batch(own, 1)),
            _iys(c.VALIDATION_FAILED),
            skip=_needs_brand,
        ),
        Probe(
            "consent/create/475",
            f"{CONSENT_BATCH_MAX + 1} records, all invalid",
            "consent/create",
            "json",
            Safety.INVALID_RECORDS,
            _json("consent/create", batch(own, CONSENT_BATCH_MAX + 1)),
            _iys(c.IYS_BATCH_TOO_LARGE),
            skip=_needs_brand,
        ),
    ]


def battery() -> list[Probe]:
    """Every probe, in the order they run."""
    return [
        *_general_probes(),
        *_send_sms_probes(),
        *_report_probes(),
        *_blacklist_probes(),
        *_contact_probes(),
        *_iys_probes(),
    ]
