"""Everything a call does except I/O: validate locally, build the request, read the response, map errors.

`ClientCore` turns each API method into a `Call` (the endpoint, the ready `RawRequest`, how to read a success,
whether a maybe-sent failure may be retried) and finishes a `RawResponse` into a result or an `IletiError`.
`Client` and `AsyncClient` only send the request and loop over retries, so both behave identically.

Local validation uses the same core functions as the sandbox (`ileti.phone`, `ileti.text`) and raises the
class the server would answer with (`local=True`, `response=None`), in the order of OQ-2, so a request the
server would refuse is refused before it costs a round trip.
"""

from __future__ import annotations

import importlib.metadata
import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ValidationError

from ileti import checks, phone, text, times
from ileti.client._config import Credentials
from ileti.client._models import RawRequest, RawResponse
from ileti.client._paging import CONSENT_BATCH, REPORTS_WINDOW_DAYS
from ileti.client.errors import (
    ApiStatusError,
    EmptyTextError,
    InvalidDateRangeError,
    InvalidRecipientsError,
    InvalidResponseError,
    InvalidSendDateError,
    IysBatchTooLargeError,
    IysListRequiredError,
    OrderTooLargeError,
    SenderEmptyError,
    SenderInvalidError,
    error_class,
)
from ileti.client.models import Message, Number, OrderReport, Recipients, SentOrder, number_value
from ileti.codes import Code
from ileti.limits import IYS_LISTS, MAX_RECIPIENTS
from ileti.wire import json_codec
from ileti.wire import models as wm
from ileti.wire.endpoints import ENDPOINTS, Endpoint
from ileti.wire.envelope import Authentication, read_status
from ileti.wire.errors import DecodeError
from ileti.wire.models import dump

__all__ = ["Call", "ClientCore", "ContactFields", "as_date", "format_schedule", "log"]

log = logging.getLogger("ileti.client")

T = TypeVar("T")

IysList = Literal["BIREYSEL", "TACIR"]
_ORDER_ID = re.compile(r"[0-9]+")


def _aliases(model: type[BaseModel]) -> dict[str, str]:
    return {name: field.alias or name for name, field in model.model_fields.items()}


_SMS = _aliases(wm.SendSmsRequest)
_MSG = _aliases(wm.SendSmsMessage)
_RCP = _aliases(wm.Recipients)


def _user_agent() -> str:
    try:
        version = importlib.metadata.version("ileti")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
        version = "0"
    return f"ileti-python/{version}"


_USER_AGENT = _user_agent()


@dataclass(slots=True)
class Call(Generic[T]):
    """One prepared API call: where it goes, the bytes, how a success is read, and its retry rule."""

    endpoint: Endpoint
    request: RawRequest
    parse: Callable[[Mapping[str, Any]], T]
    read_only: bool
    retry_if_maybe_sent: bool


def _none(_: Mapping[str, Any]) -> None:
    return None


def format_schedule(when: datetime | str) -> str:
    """`sendDateTime` as `DD/MM/YYYY HH:MM` (Istanbul time, no seconds: the live API silently ignores a
    schedule with seconds and sends at once, OQ-10). Aware datetimes are converted; naive ones are taken
    as Istanbul time. A string must already be in that form."""
    if isinstance(when, datetime):
        return times.format_schedule(when)
    if not isinstance(when, str) or not times.SCHEDULE_PATTERN.fullmatch(when):
        raise InvalidSendDateError(
            local=True, detail=f"schedule {when!r} is not DD/MM/YYYY HH:MM (seconds are not allowed)"
        )
    if times.parse_schedule(when) is None:
        raise InvalidSendDateError(local=True, detail=f"schedule {when!r} is not a calendar date")
    return when


def as_date(value: date | str, what: str = "date") -> date:
    """A date from a date, a datetime (its Istanbul day) or `YYYY-MM-DD`; local 458 otherwise."""
    if isinstance(value, datetime):
        return times.in_istanbul(value).date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise InvalidDateRangeError(local=True, detail=f"{what} {value!r} is not YYYY-MM-DD") from None


def _timestamp(value: datetime | str) -> str:
    """`YYYY-MM-DD HH:MM:SS` in Istanbul time (get-blacklist filters, consent dates); a string as given."""
    return times.format_timestamp(value) if isinstance(value, datetime) else value


def _order_id(order_id: int | str) -> str:
    value = str(order_id).strip()
    if not _ORDER_ID.fullmatch(value):
        raise ValueError(f"order id must be a number, got {order_id!r}")
    return value


def _as_list(to: Recipients) -> list[str | int]:
    if isinstance(to, str | int) or not isinstance(to, Iterable):
        return [number_value(to)]
    return [number_value(number) for number in to]


# --- send-sms local validation: one check per code, run in the order of ileti.checks ---------------------


@dataclass(slots=True)
class _SmsDraft:
    sender: str
    iys: bool
    iys_list: str | None
    schedule: datetime | str | None
    blocks: list[tuple[str, list[str | int]]]
    send_date_time: str | None = None


def _check_sender_present(draft: _SmsDraft) -> None:
    if checks.sender_missing(draft.sender):
        raise SenderEmptyError(local=True)


def _check_sender_format(draft: _SmsDraft) -> None:
    if checks.sender_invalid(draft.sender):
        raise SenderInvalidError(local=True, detail=f"sender {draft.sender!r}")


def _check_iys_list(draft: _SmsDraft) -> None:
    if draft.iys and not checks.iys_list_ok(draft.iys_list):
        raise IysListRequiredError(local=True, detail=f"iys_list must be one of {IYS_LISTS} when iys=True")


def _check_text_present(draft: _SmsDraft) -> None:
    if not draft.blocks:
        raise EmptyTextError(local=True, detail="no message")
    if any(checks.text_missing(body) for body, _ in draft.blocks):
        raise EmptyTextError(local=True)


def _check_size(draft: _SmsDraft) -> None:
    for body, _ in draft.blocks:
        analysis = text.analyze(body)
        if analysis.too_long:
            raise OrderTooLargeError(
                local=True,
                detail=f"a text of {analysis.length} {analysis.encoding} units needs {analysis.parts} parts, "
                f"more than {text.MAX_PARTS}",
            )
    total = sum(len(numbers) for _, numbers in draft.blocks)
    if total > MAX_RECIPIENTS:
        raise OrderTooLargeError(local=True, detail=f"{total} recipients, more than {MAX_RECIPIENTS}")


def _check_schedule(draft: _SmsDraft) -> None:
    if draft.schedule is not None:
        draft.send_date_time = format_schedule(draft.schedule)


def _check_recipients(draft: _SmsDraft) -> None:
    checked: list[tuple[str, list[str | int]]] = []
    valid = 0
    for body, numbers in draft.blocks:
        if not numbers:
            raise InvalidRecipientsError(local=True, detail="a message without recipients")
        normalized: list[str | int] = []
        for number in numbers:
            canonical = phone.try_normalize(number)
            if canonical is not None:
                valid += 1
            # an invalid number among valid ones is the server's to report (a free 112 row, OQ-6)
            normalized.append(canonical if canonical is not None else number)
        checked.append((body, normalized))
    if valid == 0:
        raise InvalidRecipientsError(local=True, detail="no valid Turkish mobile number among the recipients")
    draft.blocks = checked


# 450, 467, 468 (the client always sends 0 or 1) and 470 need the account: only the server checks them
_LOCAL_CHECKS: tuple[Callable[[_SmsDraft], None], ...] = checks.in_order(
    {
        Code.SENDER_EMPTY: _check_sender_present,
        Code.SENDER_INVALID: _check_sender_format,
        Code.IYS_LIST_REQUIRED: _check_iys_list,
        Code.EMPTY_TEXT: _check_text_present,
        Code.ORDER_TOO_LARGE: _check_size,
        Code.INVALID_SEND_DATE: _check_schedule,
        Code.INVALID_RECIPIENTS: _check_recipients,
    },
    complete=False,
)


class ClientCore:
    """The I/O-free half of both clients. One instance per client; immutable after construction."""

    def __init__(
        self,
        *,
        base_url: str,
        credentials: Credentials,
        sender: str | None = None,
        validate: bool = True,
        user_agent: str | None = None,
    ) -> None:
        self.base_url = base_url
        self.sender = sender
        self.validate = validate
        # the envelope of CONTRACT §1.2, as `wire.envelope.request_envelope` builds it, with the
        # authentication object serialised once per client rather than once per call
        self._auth_wire = dump(Authentication(key=credentials.key, hash=credentials.hash))
        self._headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": user_agent or _USER_AGENT,
        }

    # --- generic ---------------------------------------------------------------------------------------

    def call(
        self,
        name: str,
        payload: BaseModel | dict[str, Any] | None,
        parse: Callable[[Mapping[str, Any]], T],
        *,
        retry_if_maybe_sent: bool = False,
    ) -> Call[T]:
        endpoint = ENDPOINTS[name]
        content: dict[str, Any] = {"authentication": self._auth_wire}
        if payload is not None:
            assert endpoint.payload_key is not None
            content[endpoint.payload_key] = payload if isinstance(payload, dict) else dump(payload)
        body = json_codec.dumps({"request": content})
        request = RawRequest("POST", self.base_url + endpoint.json_path, self._headers, body)
        return Call(endpoint, request, parse, endpoint.read_only, retry_if_maybe_sent or endpoint.read_only)

    def finish(self, call: Call[T], raw: RawResponse) -> T:
        """The call's result from a response, or the `IletiError` it stands for."""
        name = call.endpoint.name
        try:
            body = json_codec.loads(raw.body)
        except DecodeError:
            raise InvalidResponseError(
                f"{name}: the server answered HTTP {raw.status} "
                f"({raw.headers.get('content-type', 'no content type')}) with a body that is not JSON: "
                f"{_excerpt(raw.body)}",
                endpoint=name,
                response=raw,
            ) from None
        try:
            code, message = read_status(body)
        except DecodeError as exc:
            # CONTRACT §9: the HTTP status is the fallback when the envelope has no usable status
            if raw.status != 200 and error_class(raw.status) is not ApiStatusError:
                raise error_class(raw.status)(endpoint=name, response=raw) from None
            raise InvalidResponseError(
                f"{name}: the response is JSON but not an API envelope ({exc}): {_excerpt(raw.body)}",
                endpoint=name,
                response=raw,
            ) from None
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s answered %d (HTTP %d, %d bytes)", name, code, raw.status, len(raw.body))
        if code != 200:
            raise error_class(code)(message or None, code=code, endpoint=name, response=raw)
        try:
            return call.parse(body["response"])
        except (ValidationError, KeyError, TypeError) as exc:
            raise InvalidResponseError(
                f"{name}: the success response does not have the documented shape: {exc}",
                endpoint=name,
                response=raw,
            ) from None

    # --- sms -------------------------------------------------------------------------------------------

    def send_sms(
        self,
        to: Recipients | None,
        text_: str | None,
        *,
        messages: Sequence[Message] | Mapping[Number, str] | None,
        sender: str | None,
        schedule: datetime | str | None,
        iys: bool,
        iys_list: IysList | None,
        retry: bool | None,
        retry_default: bool,
    ) -> Call[SentOrder]:
        blocks = self._message_blocks(to, text_, messages)
        sender = sender if sender is not None else self.sender
        if sender is None:
            raise ValueError("no sender: pass sender= to send_sms or to the client")
        if self.validate:
            draft = _SmsDraft(sender, iys, iys_list, schedule, blocks)
            for check in _LOCAL_CHECKS:  # OQ-2's order, as the sandbox runs it (ileti.checks)
                check(draft)
            blocks, send_date_time = draft.blocks, draft.send_date_time
        else:
            send_date_time = _lenient_schedule(schedule) if schedule is not None else None
        # The hot path of the API: the order is built as wire data directly, with the names taken from the
        # wire models' aliases (so `receipents` is still spelt in one place). Every value is already a checked
        # str, so validating it again through the models would only cost time (tests pin it to wire.dump).
        order: dict[str, Any] = {_SMS["sender"]: sender, _SMS["iys"]: "1" if iys else "0"}
        if send_date_time is not None:
            order[_SMS["send_date_time"]] = send_date_time
        if iys and iys_list is not None:
            order[_SMS["iys_list"]] = iys_list
        order[_SMS["messages"]] = [
            {_MSG["text"]: body, _MSG["recipients"]: {_RCP["numbers"]: [str(n) for n in numbers]}}
            for body, numbers in blocks
        ]
        payload = order
        opted_in = retry_default if retry is None else retry
        return self.call("send-sms", payload, _sent_order, retry_if_maybe_sent=opted_in)

    @staticmethod
    def _message_blocks(
        to: Recipients | None,
        text_: str | None,
        messages: Sequence[Message] | Mapping[Number, str] | None,
    ) -> list[tuple[str, list[str | int]]]:
        if messages is not None:
            if to is not None or text_ is not None:
                raise ValueError("pass either to= and text=, or messages=, not both")
            if isinstance(messages, Mapping):
                return [(body, [number_value(number)]) for number, body in messages.items()]
            return [(message.text, _as_list(message.to)) for message in messages]
        if to is None or text_ is None:
            raise ValueError("send_sms needs to= and text=, or messages=")
        return [(text_, _as_list(to))]

    def cancel_order(self, order_id: int | str) -> Call[None]:
        return self.call("cancel-order", wm.CancelOrderRequest(id=_order_id(order_id)), _none)

    def get_report(self, order_id: int | str, *, page: int, row_count: int) -> Call[OrderReport]:
        payload = wm.GetReportRequest(id=_order_id(order_id), page=str(page), row_count=str(row_count))
        return self.call("get-report", payload, _order_report)

    def get_reports(self, start: date | str, end: date | str, *, page: int) -> Call[wm.GetReportsResponse]:
        first, last = as_date(start, "start"), as_date(end, "end")
        if self.validate and (last < first or (last - first).days > REPORTS_WINDOW_DAYS):
            raise InvalidDateRangeError(
                local=True,
                detail=f"{first}..{last}: end before start or more than 10 days (iter_reports splits)",
            )
        payload = wm.GetReportsRequest(start=first.isoformat(), end=last.isoformat(), page=str(page))
        return self.call("get-reports", payload, wm.GetReportsResponse.model_validate)

    # --- account ---------------------------------------------------------------------------------------

    def get_balance(self) -> Call[wm.Balance]:
        return self.call("get-balance", None, _balance)

    def get_senders(self) -> Call[list[str]]:
        return self.call("get-sender", None, _senders)

    # --- blacklist -------------------------------------------------------------------------------------

    def get_blacklist(
        self, *, page: int, row_count: int, start: datetime | str | None, end: datetime | str | None
    ) -> Call[wm.Blacklist]:
        flt = None
        if start is not None or end is not None:
            flt = wm.BlacklistFilter(
                start=_timestamp(start) if start is not None else None,
                end=_timestamp(end) if end is not None else None,
            )
        payload = wm.GetBlacklistRequest(filter=flt, page=str(page), row_count=str(row_count))
        return self.call("get-blacklist", payload, _blacklist)

    def add_blacklist(self, number: Number) -> Call[None]:
        return self.call(
            "add-blacklist", wm.AddBlacklistRequest(number=self._blacklist_number(number)), _none
        )

    def delete_blacklist(self, number: Number) -> Call[None]:
        payload = wm.DeleteBlacklistRequest(number=self._blacklist_number(number))
        return self.call("delete-blacklist", payload, _none)

    def _blacklist_number(self, given: Number) -> str:
        number = number_value(given)
        if not self.validate:
            return str(number)
        canonical = phone.try_normalize(number)
        if canonical is None:
            raise error_class(466)(local=True, detail=f"{number!r} is not a Turkish mobile number")
        return canonical

    # --- İYS consent -----------------------------------------------------------------------------------

    def create_consents(
        self, brand_code: int | str, records: Sequence[wm.ConsentRecordIn | Mapping[str, Any]]
    ) -> Call[None]:
        items = [_consent_record(record) for record in records]
        if self.validate and len(items) > CONSENT_BATCH:
            raise IysBatchTooLargeError(local=True, detail=f"{len(items)} records (create_consents splits)")
        payload = wm.ConsentCreateRequest(brand_code=str(brand_code), records=items)
        return self.call("consent/create", payload, _none)

    def show_consent(
        self, brand_code: int | str, recipient: Number, *, recipient_type: str, type: str
    ) -> Call[wm.Consent | None]:
        payload = wm.ConsentShowRequest(
            brand_code=str(brand_code),
            recipient=str(number_value(recipient)),
            recipient_type=recipient_type,
            type=type,
        )
        return self.call("consent/show", payload, _consent)

    # --- groups and contacts ---------------------------------------------------------------------------

    def add_group(self, name: str, parent: int | str | None) -> Call[wm.Group]:
        payload = wm.AddGroupRequest(name=name, parent=_opt(parent) or "")
        return self.call("add-group", payload, _group)

    def edit_group(self, group_id: int | str, name: str, parent: int | str | None) -> Call[wm.Group]:
        payload = wm.EditGroupRequest(id=str(group_id), name=name, parent=_opt(parent) or "")
        return self.call("edit-group", payload, _group)

    def delete_group(self, group_id: int | str) -> Call[None]:
        return self.call("delete-group", wm.DeleteGroupRequest(id=str(group_id)), _none)

    def get_groups(self) -> Call[list[wm.Group]]:
        return self.call("get-groups", None, _groups)

    def get_group(self, group_id: int | str) -> Call[wm.Group]:
        return self.call("get-group", wm.GetGroupRequest(id=str(group_id)), _group)

    def get_group_contacts(self, group_id: int | str, *, page: int, row_count: int) -> Call[list[wm.Contact]]:
        payload = wm.GetGroupContactsRequest(id=str(group_id), page=str(page), row_count=str(row_count))
        return self.call("get-group-contacts", payload, _contacts)

    def add_contact(self, fields: ContactFields) -> Call[wm.Contact]:
        payload = wm.AddContactRequest(**fields.wire())
        return self.call("add-contact", payload, _contact)

    def edit_contact(self, contact_id: int | str, fields: ContactFields) -> Call[wm.Contact]:
        payload = wm.EditContactRequest(id=str(contact_id), **fields.wire())
        return self.call("edit-contact", payload, _contact)

    def delete_contact(self, contact_id: int | str) -> Call[None]:
        return self.call("delete-contact", wm.DeleteContactRequest(id=str(contact_id)), _none)

    def get_contact(self, contact_id: int | str) -> Call[wm.Contact]:
        return self.call("get-contact", wm.GetContactRequest(id=str(contact_id)), _contact)

    def search_contacts(self, key: str, *, page: int, row_count: int) -> Call[list[wm.Contact]]:
        payload = wm.SearchContactsRequest(key=key, page=str(page), row_count=str(row_count))
        return self.call("search-contacts", payload, _contacts)


@dataclass(frozen=True, slots=True)
class ContactFields:
    """The settable fields of a contact; None leaves a field out of the request."""

    name: str | None = None
    surname: str | None = None
    email: str | None = None
    gsm: Number | None = None
    custom_fields: Mapping[int, str] | None = None
    groups: Iterable[int] | None = None

    def wire(self) -> dict[str, Any]:
        fields: dict[str, Any] = {"name": self.name, "surname": self.surname, "email": self.email}
        gsm = str(number_value(self.gsm)) if self.gsm is not None else None
        fields["gsm"] = (phone.try_normalize(gsm) or gsm) if gsm else gsm
        if self.custom_fields is not None:
            fields["custom_fields"] = [
                wm.CustomFieldIn(id=str(key), value=value) for key, value in self.custom_fields.items()
            ]
        if self.groups is not None:
            fields["groups"] = [str(group) for group in self.groups]
        return fields


def _lenient_schedule(when: datetime | str) -> str:
    return format_schedule(when) if isinstance(when, datetime) else when


def _opt(value: int | str | None) -> str | None:
    return None if value is None else str(value)


def _excerpt(body: bytes, limit: int = 200) -> str:
    text_ = body[:limit].decode("utf-8", errors="replace")
    return repr(text_ + ("…" if len(body) > limit else "")) if body else "(empty body)"


def _consent_record(record: wm.ConsentRecordIn | Mapping[str, Any]) -> wm.ConsentRecordIn:
    if isinstance(record, wm.ConsentRecordIn):
        return record
    fields = dict(record)
    if "recipient" in fields and not isinstance(fields["recipient"], str):
        fields["recipient"] = str(number_value(fields["recipient"]))
    for key in ("consent_date", "consentDate"):
        if isinstance(fields.get(key), datetime):
            fields[key] = _timestamp(fields[key])
    return wm.ConsentRecordIn.model_validate(fields)


def _sent_order(response: Mapping[str, Any]) -> SentOrder:
    return SentOrder.model_validate(response["order"])


def _order_report(response: Mapping[str, Any]) -> OrderReport:
    return OrderReport.model_validate(response["order"])


def _balance(response: Mapping[str, Any]) -> wm.Balance:
    return wm.Balance.model_validate(response["balance"])


def _senders(response: Mapping[str, Any]) -> list[str]:
    return wm.GetSenderResponse.model_validate(response).senders.sender


def _blacklist(response: Mapping[str, Any]) -> wm.Blacklist:
    return wm.Blacklist.model_validate(response["blacklist"])


def _consent(response: Mapping[str, Any]) -> wm.Consent | None:
    return wm.ConsentShowResponse.model_validate(response).consent


def _group(response: Mapping[str, Any]) -> wm.Group:
    return wm.Group.model_validate(response["group"])


def _groups(response: Mapping[str, Any]) -> list[wm.Group]:
    return wm.GetGroupsResponse.model_validate(response).groups


def _contact(response: Mapping[str, Any]) -> wm.Contact:
    return wm.Contact.model_validate(response["contact"])


def _contacts(response: Mapping[str, Any]) -> list[wm.Contact]:
    return wm.SearchContactsResponse.model_validate(response).contacts
