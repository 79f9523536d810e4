"""API handlers, one module per endpoint family. `HANDLERS` maps a `wire.ENDPOINTS` name to its handler;
`routes.py` serves exactly these (an endpoint without a handler is a 404 until its family lands)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from ileti.sandbox.api.formats import Handler
from ileti.sandbox.api.handlers import account, blacklist, contacts, iys, reports, sms

__all__ = ["HANDLERS"]

HANDLERS: Mapping[str, Handler] = MappingProxyType(
    {
        "send-sms": sms.send_sms,
        "cancel-order": sms.cancel_order,
        "get-report": reports.get_report,
        "get-reports": reports.get_reports,
        "get-balance": account.get_balance,
        "get-sender": account.get_sender,
        # blacklist (§4.7–4.9), İYS consent (§4.10–4.11), contacts and groups (§4.13)
        "get-blacklist": blacklist.get_blacklist,
        "add-blacklist": blacklist.add_blacklist,
        "delete-blacklist": blacklist.delete_blacklist,
        "consent/create": iys.consent_create,
        "consent/show": iys.consent_show,
        "add-group": contacts.add_group,
        "edit-group": contacts.edit_group,
        "delete-group": contacts.delete_group,
        "get-groups": contacts.get_groups,
        "get-group": contacts.get_group,
        "get-group-contacts": contacts.get_group_contacts,
        "add-contact": contacts.add_contact,
        "edit-contact": contacts.edit_contact,
        "delete-contact": contacts.delete_contact,
        "get-contact": contacts.get_contact,
        "search-contacts": contacts.search_contacts,
    }
)
