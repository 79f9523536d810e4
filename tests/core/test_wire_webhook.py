"""ileti.wire.webhook: the §6 delivery report, parsed from every body form and built for the sandbox."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ileti.codes import MessageStatus
from ileti.wire import WebhookError, WebhookReport, parse_webhook, webhook_payload
from ileti.wire.json_codec import dumps

DATA = Path(__file__).parent.parent / "data" / "wire" / "webhook"


@pytest.mark.parametrize(
    ("name", "status", "report_id", "to"),
    [
        ("accepted.json", MessageStatus.WAITING, 1599558518, "+905301234567"),
        ("delivered.json", MessageStatus.DELIVERED, 1599558518, "+905301234567"),
        ("undelivered.json", MessageStatus.UNDELIVERED, 1599558519, "+905301234568"),
    ],
)
@pytest.mark.parametrize("form", ["bytes", "str", "dict"])
def test_parses_all_three_statuses_from_every_body_form(
    name: str, status: MessageStatus, report_id: int, to: str, form: str
) -> None:
    raw = (DATA / name).read_bytes()
    body: Any = {"bytes": raw, "str": raw.decode(), "dict": json.loads(raw)}[form]
    report = parse_webhook(body)
    assert (report.id, report.packet_id, report.status, report.to) == (report_id, 104525848, status, to)


def test_body_text_is_kept_verbatim() -> None:
    assert parse_webhook((DATA / "delivered.json").read_bytes()).body == "Şifreniz 1234 <b>&"


@pytest.mark.parametrize("status", list(MessageStatus), ids=lambda s: s.webhook_status)
def test_payload_round_trips(status: MessageStatus) -> None:
    payload = webhook_payload(id=7, packet_id=8, status=status, to="+905301234567", body="ç")
    assert payload == {
        "report": {
            "id": 7,
            "packet_id": 8,
            "status": status.webhook_status,
            "to": "+905301234567",
            "body": "ç",
        }
    }
    assert parse_webhook(dumps(payload)) == WebhookReport(
        id=7, packet_id=8, status=status, to="+905301234567", body="ç"
    )


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"not json", id="not-json"),
        pytest.param("[1, 2]", id="array"),
        pytest.param({"id": 1}, id="no-report-key"),
        pytest.param({"report": "x"}, id="report-not-object"),
        pytest.param(
            {"report": {"id": 1, "packet_id": 2, "status": 110, "to": "+90", "body": ""}}, id="numeric-status"
        ),
        pytest.param(
            {"report": {"id": 1, "packet_id": 2, "status": "sent", "to": "+90", "body": ""}},
            id="unknown-status",
        ),
        pytest.param(
            {"report": {"id": 1, "packet_id": 2, "status": "Delivered", "to": "+90", "body": ""}},
            id="status-case-matters",
        ),
        pytest.param(
            {"report": {"id": "x", "packet_id": 2, "status": "accepted", "to": "+90", "body": ""}},
            id="non-numeric-id",
        ),
        pytest.param(
            {"report": {"id": 1, "status": "accepted", "to": "+90", "body": ""}}, id="missing-packet-id"
        ),
        pytest.param(
            {"report": {"id": 1, "packet_id": 2, "status": "accepted", "to": {"n": 1}, "body": ""}},
            id="to-is-object",
        ),
    ],
)
def test_bad_payloads_raise_webhook_error(body: Any) -> None:
    with pytest.raises(WebhookError):
        parse_webhook(body)


def test_webhook_error_is_a_value_error() -> None:
    assert issubclass(WebhookError, ValueError)
