"""The control API under `/_sandbox/` (DESIGN.md): accounts, inbox, clock, carrier, faults, webhooks, reset,
plus `/livez` and `/readyz`. JSON in and out; a bad body is 400 (unparseable) or 422 (invalid), never a 500.
`docs/sandbox.md` documents every call; `GET /_sandbox/openapi.json` describes them."""

from __future__ import annotations

from ileti.sandbox.control.accounts import account_detail, create_account, list_accounts
from ileti.sandbox.control.base import ControlEndpoint
from ileti.sandbox.control.carrier import carrier_rules, settle
from ileti.sandbox.control.clock import clock
from ileti.sandbox.control.directory import (
    account_blacklist,
    account_consents,
    account_contacts,
    account_iys,
    custom_field_detail,
    custom_fields,
)
from ileti.sandbox.control.faults import faults
from ileti.sandbox.control.messages import clear_messages, list_messages
from ileti.sandbox.control.openapi import api_openapi, openapi
from ileti.sandbox.control.requests import requests_journal
from ileti.sandbox.control.reset import livez, readyz, reset_endpoint
from ileti.sandbox.control.webhooks import webhook_log, webhook_resend, webhook_sample

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
