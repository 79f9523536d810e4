"""Pydantic models of every endpoint's payload (CONTRACT §4), shared by the client and the sandbox.

For endpoint X, `XRequest` is the object under `request.<payload_key>` and `XResponse` is the `response`
object beside `status` (validate the whole `response`; `status` is ignored). Python names are snake_case;
the wire's spellings, `receipents` included, exist only as aliases. Serialise with `dump(model)`, which is
`model_dump(by_alias=True, exclude_none=True, mode="json")`.

Request models are lenient: every field is optional and scalars are `str | None` (ints are coerced), so
they record what arrived and leave the choice of status code to the sandbox's rules. Only a value of the wrong
shape (a number where an object or a list belongs, an object where a string belongs) raises `ValidationError`.

Response models are typed and accept the type drift of §1.5: ints, floats and enums from numbers or numeric
strings (XML gives text only), `price` also with a decimal comma, phone numbers kept as strings.

The sandbox validates up to 50,000 recipients per request and builds 1,000-row report pages with these models,
so `Recipients.numbers` and `ReportMessage` carry no per-item Python validators.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from ileti.codes import MessageStatus, OrderStatus

__all__ = [
    "AddBlacklistRequest",
    "AddContactRequest",
    "AddContactResponse",
    "AddGroupRequest",
    "AddGroupResponse",
    "Balance",
    "Blacklist",
    "BlacklistFilter",
    "CancelOrderRequest",
    "Consent",
    "ConsentCreateRequest",
    "ConsentRecordIn",
    "ConsentShowRequest",
    "ConsentShowResponse",
    "Contact",
    "CustomField",
    "CustomFieldIn",
    "DeleteBlacklistRequest",
    "DeleteContactRequest",
    "DeleteGroupRequest",
    "EditContactRequest",
    "EditContactResponse",
    "EditGroupRequest",
    "EditGroupResponse",
    "GetBalanceResponse",
    "GetBlacklistRequest",
    "GetBlacklistResponse",
    "GetContactRequest",
    "GetContactResponse",
    "GetGroupContactsRequest",
    "GetGroupContactsResponse",
    "GetGroupRequest",
    "GetGroupResponse",
    "GetGroupsResponse",
    "GetReportRequest",
    "GetReportResponse",
    "GetReportsRequest",
    "GetReportsResponse",
    "GetSenderResponse",
    "Group",
    "OrderRef",
    "OrderSummary",
    "Recipients",
    "Report",
    "ReportMessage",
    "SearchContactsRequest",
    "SearchContactsResponse",
    "SendSmsMessage",
    "SendSmsRequest",
    "SendSmsResponse",
    "Senders",
    "Status",
    "WireModel",
    "dump",
]


class WireModel(BaseModel):
    """Base of every wire model: wire names as aliases, unknown keys ignored, numbers accepted as strings."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore", coerce_numbers_to_str=True)


def dump(model: BaseModel) -> dict[str, Any]:
    """The wire form of a model: aliases, no `None` fields, enums as their values."""
    return model.model_dump(by_alias=True, exclude_none=True, mode="json")


# -------------------- helpers


def _one_or_many(value: Any) -> Any:
    """An object where an array is allowed ("object or array", one XML tag) becomes a one-item list."""
    if isinstance(value, Mapping):
        return [value]
    return value


def _scalar_or_many(value: Any) -> Any:
    """A lone string or number where a list of strings belongs becomes a one-item list."""
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return [value]
    return value


def _decimal_comma(value: Any) -> Any:
    """`"0,0000"` (GO SDK test data) reads as 0.0; other values go on to pydantic's float parsing."""
    if isinstance(value, str):
        return value.strip().replace(",", ".")
    return value


FlexibleFloat = Annotated[float, BeforeValidator(_decimal_comma)]
"""A float that also accepts a numeric string with a decimal comma (§1.5)."""

StrList = Annotated[list[str], BeforeValidator(_scalar_or_many)]
"""A list of strings that also takes one bare string or number (JSON shortcut, or one XML tag)."""


# -------------------- status


class Status(WireModel):
    """`response.status`: the code (int, or numeric string in old JSON and XML) and its Turkish message."""

    code: int
    message: str = ""


# -------------------- send-sms


class Recipients(WireModel):
    """`message.receipents`: the numbers of one message block, as sent (normalising is the sandbox's job)."""

    numbers: StrList | None = Field(default=None, alias="number")


class SendSmsMessage(WireModel):
    """One `order.message` block: a text and its recipients."""

    text: str | None = None
    recipients: Recipients | None = Field(default=None, alias="receipents")


class SendSmsRequest(WireModel):
    """send-sms `request.order` (§4.1)."""

    sender: str | None = None
    send_date_time: str | list[str] | None = Field(default=None, alias="sendDateTime")
    iys: str | None = None
    iys_list: str | None = Field(default=None, alias="iysList")
    messages: Annotated[list[SendSmsMessage], BeforeValidator(_one_or_many)] | None = Field(
        default=None, alias="message"
    )

    @property
    def schedule(self) -> str | None:
        """The requested send time as one string, or None for "now" (absent, `""`, `[]` or `[""]`).

        A list of more than one item returns its first item; the sandbox's rules decide whether that is 457.
        """
        value = self.send_date_time
        if isinstance(value, list):
            value = value[0] if value else None
        return value or None


class OrderRef(WireModel):
    """send-sms `response.order`: the new order's id (a digit string; ints accepted)."""

    id: str


class SendSmsResponse(WireModel):
    order: OrderRef


# -------------------- cancel-order


class CancelOrderRequest(WireModel):
    """cancel-order `request.order` (§4.2). Success carries no payload."""

    id: str | None = None


# -------------------- get-report


class GetReportRequest(WireModel):
    """get-report `request.order` (§4.3)."""

    id: str | None = None
    page: str | None = None
    row_count: str | None = Field(default=None, alias="rowCount")


class ReportMessage(WireModel):
    """One row of get-report `order.message[]`."""

    number: str
    status: MessageStatus


class Report(WireModel):
    """get-report `response.order`.

    The counters, times, sender and price came with the 2024-10 backend; they are None only when a server
    answers in the older shape (id, status and message[] only).
    """

    id: str
    status: OrderStatus
    total: int | None = None
    delivered: int | None = None
    undelivered: int | None = None
    waiting: int | None = None
    submit_at: str | None = Field(default=None, alias="submitAt")
    send_at: str | None = Field(default=None, alias="sendAt")
    sender: str | None = None
    price: FlexibleFloat | None = None
    messages: list[ReportMessage] = Field(default_factory=list, alias="message")


class GetReportResponse(WireModel):
    order: Report


# -------------------- get-reports


class GetReportsRequest(WireModel):
    """get-reports `request.filter` (§4.4); `envelope.read_request` folds in a top-level `request.page`."""

    start: str | None = None
    end: str | None = None
    page: str | None = None


class OrderSummary(WireModel):
    """One of get-reports `response.orders[]` (no price and no rows, §4.4)."""

    id: int
    status: OrderStatus
    total: int
    delivered: int
    undelivered: int
    waiting: int
    submit_at: str = Field(alias="submitAt")
    send_at: str = Field(alias="sendAt")
    sender: str


class GetReportsResponse(WireModel):
    count: int
    orders: list[OrderSummary] = Field(default_factory=list)


# -------------------- account


class Balance(WireModel):
    """get-balance `response.balance`: TL amount and SMS count (numbers or numeric strings on the wire)."""

    amount: FlexibleFloat
    sms: int


class GetBalanceResponse(WireModel):
    balance: Balance


class Senders(WireModel):
    """get-sender `response.senders`: the approved sender IDs (may be empty)."""

    sender: list[str] = Field(default_factory=list)


class GetSenderResponse(WireModel):
    senders: Senders


# -------------------- blacklist


class BlacklistFilter(WireModel):
    """get-blacklist `request.blacklist.filter`: bounds on the time a number was added."""

    start: str | None = None
    end: str | None = None


class GetBlacklistRequest(WireModel):
    """get-blacklist `request.blacklist` (§4.7); the whole object is optional."""

    filter: BlacklistFilter | None = None
    page: str | None = None
    row_count: str | None = Field(default=None, alias="rowCount")


class Blacklist(WireModel):
    """get-blacklist `response.blacklist`: the account's total and this page's numbers."""

    count: int
    numbers: list[str] = Field(default_factory=list, alias="number")


class GetBlacklistResponse(WireModel):
    blacklist: Blacklist


class AddBlacklistRequest(WireModel):
    """add-blacklist `request.blacklist` (§4.8): one number. Success carries no payload."""

    number: str | None = None


class DeleteBlacklistRequest(WireModel):
    """delete-blacklist `request.blacklist` (§4.9): one number. Success carries no payload."""

    number: str | None = None


# -------------------- consent (İYS)


class ConsentRecordIn(WireModel):
    """One of consent/create `request.consent.list[]`."""

    recipient: str | None = None
    recipient_type: str | None = Field(default=None, alias="recipientType")
    type: str | None = None
    status: str | None = None
    source: str | None = None
    consent_date: str | None = Field(default=None, alias="consentDate")


class ConsentCreateRequest(WireModel):
    """consent/create `request.consent` (§4.10). Success carries no payload (OQ-17)."""

    brand_code: str | None = Field(default=None, alias="brandCode")
    records: Annotated[list[ConsentRecordIn], BeforeValidator(_one_or_many)] | None = Field(
        default=None, alias="list"
    )


class ConsentShowRequest(WireModel):
    """consent/show `request.consent` (§4.11)."""

    brand_code: str | None = Field(default=None, alias="brandCode")
    recipient: str | None = None
    recipient_type: str | None = Field(default=None, alias="recipientType")
    type: str | None = None


class Consent(WireModel):
    """consent/show `response.consent`: the recipient's current İYS record."""

    brand_code: int = Field(alias="brandCode")
    recipient: str
    recipient_type: str = Field(alias="recipientType")
    type: str
    status: str
    source: str | None = None
    consent_date: str | None = Field(default=None, alias="consentDate")


class ConsentShowResponse(WireModel):
    """consent/show `response`. The live quirk `"consent": []` (OQ-18) reads as `consent=None`."""

    consent: Consent | None = None

    @field_validator("consent", mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        if isinstance(value, list | dict | str) and not value:
            return None
        return value


# -------------------- groups


class Group(WireModel):
    """A contact group. add/edit-group answer id and name; get-groups and get-group add count and children."""

    id: int
    name: str
    count: int | None = None
    children: list[Group] | None = None


class AddGroupRequest(WireModel):
    """add-group `request.group`: name, and parent id (empty for a top-level group)."""

    name: str | None = None
    parent: str | None = None


class AddGroupResponse(WireModel):
    group: Group


class EditGroupRequest(WireModel):
    """edit-group `request.group`: parent empty or "0" means top level."""

    id: str | None = None
    name: str | None = None
    parent: str | None = None


class EditGroupResponse(WireModel):
    group: Group


class DeleteGroupRequest(WireModel):
    """delete-group `request.group`. Success carries no payload."""

    id: str | None = None


class GetGroupsResponse(WireModel):
    groups: list[Group] = Field(default_factory=list)


class GetGroupRequest(WireModel):
    """get-group `request.group` (JSON only)."""

    id: str | None = None


class GetGroupResponse(WireModel):
    group: Group


class GetGroupContactsRequest(WireModel):
    """get-group-contacts `request.group`: the group and a page of its contacts."""

    id: str | None = None
    page: str | None = None
    row_count: str | None = Field(default=None, alias="rowCount")


# -------------------- contacts


def _unwrap_custom_fields(value: Any) -> Any:
    """`{"custom_field": [...]}` (the documented JSON, a copy of the XML) or a lone field object → a list."""
    if isinstance(value, Mapping):
        if "custom_field" in value:
            value = value["custom_field"]
        elif not value:
            return []
    return _one_or_many(value)


def _group_id(item: Any) -> Any:
    if isinstance(item, Mapping) and "id" in item:
        return item["id"]
    return item


def _unwrap_group_ids(value: Any) -> Any:
    """`[1, 2]`, `{"id": [...]}`, `{"group": {"id": 1}}` or `{"group": [{"id": 1}, …]}` → a list of ids."""
    if isinstance(value, Mapping):
        if "id" in value:
            value = value["id"]
        elif "group" in value:
            value = _one_or_many(value["group"])
        elif not value:
            return []
        else:
            return value  # an object of another shape: let validation refuse it
    value = _scalar_or_many(value)
    if isinstance(value, list):
        return [_group_id(item) for item in value]
    return value


class CustomField(WireModel):
    """One of a contact's `custom_fields[]`."""

    id: int
    value: str


class Contact(WireModel):
    """The shared contact object of §4.13 (`groups` holds group ids)."""

    id: int
    name: str | None = None
    surname: str | None = None
    email: str | None = None
    gsm: str | None = None
    custom_fields: Annotated[list[CustomField], BeforeValidator(_unwrap_custom_fields)] = Field(
        default_factory=list
    )
    groups: Annotated[list[int], BeforeValidator(_unwrap_group_ids)] = Field(default_factory=list)


class GetGroupContactsResponse(WireModel):
    contacts: list[Contact] = Field(default_factory=list)


class CustomFieldIn(WireModel):
    """One custom field value sent with add-contact / edit-contact."""

    id: str | None = None
    value: str | None = None


class _ContactFields(WireModel):
    name: str | None = None
    surname: str | None = None
    email: str | None = None
    gsm: str | None = None
    custom_fields: Annotated[list[CustomFieldIn], BeforeValidator(_unwrap_custom_fields)] | None = None
    groups: Annotated[list[str], BeforeValidator(_unwrap_group_ids)] | None = None


class AddContactRequest(_ContactFields):
    """add-contact `request.contact`; `custom_fields` and `groups` serialise as plain lists."""


class EditContactRequest(_ContactFields):
    """edit-contact `request.contact`: the contact's id plus the fields to set."""

    id: str | None = None


class AddContactResponse(WireModel):
    contact: Contact


class EditContactResponse(WireModel):
    contact: Contact


class DeleteContactRequest(WireModel):
    """delete-contact `request.contact`. Success carries no payload."""

    id: str | None = None


class GetContactRequest(WireModel):
    """get-contact `request.contact`."""

    id: str | None = None


class GetContactResponse(WireModel):
    contact: Contact


class SearchContactsRequest(WireModel):
    """search-contacts `request.search`: a term matched against phone, name, surname and email."""

    key: str | None = None
    page: str | None = None
    row_count: str | None = Field(default=None, alias="rowCount")


class SearchContactsResponse(WireModel):
    contacts: list[Contact] = Field(default_factory=list)
