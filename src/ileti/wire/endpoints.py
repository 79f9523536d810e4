"""The endpoint registry: each endpoint of CONTRACT §4, its payload key, its models and its transports.

The sandbox registers its routes from `ENDPOINTS` and the client builds its calls from it, so a path, a
payload key or a model is written once. Transport flags follow OQ-22: XML for every endpoint with a 2024 XML
page, JSON only for get-reports, get-group and consent/*, the GET variant for send-sms only. `read_only` marks
the calls that change nothing and are safe to retry. get-inbox is not implemented (OQ-28).

    >>> ENDPOINTS["send-sms"].payload_key
    'order'
    >>> lookup("get-report-summary").name
    'get-reports'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from pydantic import BaseModel

from ileti.wire import models as m

__all__ = ["ENDPOINTS", "GENERIC_ERRORS", "Endpoint", "lookup"]


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One endpoint: `name` is the path segment after `/v1/` ("send-sms", "consent/create").

    `request_model` validates the object under `request.<payload_key>` (both None when the call takes only
    authentication); `response_model` validates `response` (None when success is status only). `hoisted` lists
    top-level `request` keys that `envelope.read_request` folds into the payload when the payload lacks them.
    """

    name: str
    payload_key: str | None
    request_model: type[BaseModel] | None
    response_model: type[BaseModel] | None
    xml: bool = True
    get: bool = False
    read_only: bool = False
    aliases: tuple[str, ...] = ()
    hoisted: tuple[str, ...] = ()
    errors: tuple[int, ...] = ()
    """The codes besides 200 and `GENERIC_ERRORS` this endpoint answers with (CONTRACT §4; `openapi.py`)."""

    @property
    def json_path(self) -> str:
        """`/v1/<name>/json`."""
        return f"/v1/{self.name}/json"

    @property
    def xml_path(self) -> str | None:
        """`/v1/<name>` when the endpoint has an XML variant."""
        return f"/v1/{self.name}" if self.xml else None

    @property
    def get_path(self) -> str | None:
        """`/v1/<name>/get/` when the endpoint has the query-string variant (send-sms only)."""
        return f"/v1/{self.name}/get/" if self.get else None


GENERIC_ERRORS: tuple[int, ...] = (400, 401, 422, 503)
"""§1.7: codes any endpoint can answer (body unreadable, authentication, a value of the wrong shape, a fault
injected by the sandbox). 404 is a path that is no endpoint."""

_ALL: tuple[Endpoint, ...] = (
    # sms and reports (§4.1–4.4)
    Endpoint(
        "send-sms",
        "order",
        m.SendSmsRequest,
        m.SendSmsResponse,
        get=True,
        errors=(402, 450, 451, 452, 453, 454, 457, 459, 460, 467, 468, 469, 470),
    ),
    Endpoint("cancel-order", "order", m.CancelOrderRequest, None, errors=(455,)),
    Endpoint(
        "get-report", "order", m.GetReportRequest, m.GetReportResponse, read_only=True, errors=(455, 456, 464)
    ),
    Endpoint(
        "get-reports",
        "filter",
        m.GetReportsRequest,
        m.GetReportsResponse,
        xml=False,
        read_only=True,
        aliases=("get-report-summary",),
        hoisted=("page",),  # PY/PHP send request.page instead of filter.page (§4.4)
        errors=(458, 464),
    ),
    # account (§4.5–4.6)
    Endpoint("get-balance", None, None, m.GetBalanceResponse, read_only=True),
    Endpoint("get-sender", None, None, m.GetSenderResponse, read_only=True),
    # blacklist (§4.7–4.9)
    Endpoint(
        "get-blacklist",
        "blacklist",
        m.GetBlacklistRequest,
        m.GetBlacklistResponse,
        read_only=True,
        errors=(464,),
    ),
    Endpoint("add-blacklist", "blacklist", m.AddBlacklistRequest, None, errors=(466,)),
    Endpoint("delete-blacklist", "blacklist", m.DeleteBlacklistRequest, None, errors=(466, 474)),
    # İYS consent (§4.10–4.11)
    Endpoint("consent/create", "consent", m.ConsentCreateRequest, None, xml=False, errors=(403, 405, 475)),
    Endpoint(
        "consent/show",
        "consent",
        m.ConsentShowRequest,
        m.ConsentShowResponse,
        xml=False,
        read_only=True,
        errors=(403,),
    ),
    # contacts and groups, beta (§4.13, OQ-29)
    Endpoint("add-group", "group", m.AddGroupRequest, m.AddGroupResponse, errors=(461, 463)),
    Endpoint("edit-group", "group", m.EditGroupRequest, m.EditGroupResponse, errors=(461, 462, 463)),
    Endpoint("delete-group", "group", m.DeleteGroupRequest, None, errors=(462, 463)),
    Endpoint("get-groups", None, None, m.GetGroupsResponse, read_only=True),
    Endpoint(
        "get-group",
        "group",
        m.GetGroupRequest,
        m.GetGroupResponse,
        xml=False,
        read_only=True,
        errors=(462, 463),
    ),
    Endpoint(
        "get-group-contacts",
        "group",
        m.GetGroupContactsRequest,
        m.GetGroupContactsResponse,
        read_only=True,
        errors=(462, 463, 464, 465),
    ),
    Endpoint(
        "add-contact", "contact", m.AddContactRequest, m.AddContactResponse, errors=(463, 466, 472, 473)
    ),
    Endpoint(
        "edit-contact",
        "contact",
        m.EditContactRequest,
        m.EditContactResponse,
        errors=(463, 465, 466, 472, 473),
    ),
    Endpoint("delete-contact", "contact", m.DeleteContactRequest, None, errors=(465,)),
    Endpoint(
        "get-contact", "contact", m.GetContactRequest, m.GetContactResponse, read_only=True, errors=(465,)
    ),
    Endpoint(
        "search-contacts",
        "search",
        m.SearchContactsRequest,
        m.SearchContactsResponse,
        read_only=True,
        errors=(464, 465, 471),
    ),
)

ENDPOINTS: Mapping[str, Endpoint] = MappingProxyType({endpoint.name: endpoint for endpoint in _ALL})
"""Every endpoint by canonical name, in CONTRACT §4 order."""

_BY_ANY_NAME: Mapping[str, Endpoint] = MappingProxyType(
    {name: endpoint for endpoint in _ALL for name in (endpoint.name, *endpoint.aliases)}
)


def lookup(name: str) -> Endpoint:
    """The endpoint for a canonical name or an alias ("get-report-summary"); KeyError when there is none."""
    return _BY_ANY_NAME[name]
