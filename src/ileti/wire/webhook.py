"""The delivery-report webhook of CONTRACT §6: the JSON the sandbox posts, and its parser for applications.

    {"report": {"id": 1599558518, "packet_id": 104525848, "status": "accepted",
                "to": "+905XXXXXXXXX", "body": "Message text"}}

`status` is a string on the wire (`accepted`, `delivered`, `undelivered`) and a `MessageStatus` in Python
(110/111/112); the mapping lives in `ileti.codes`. Unlike the official Python SDK, numeric statuses are
refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from pydantic import ValidationError, field_serializer, field_validator

from ileti.codes import MessageStatus
from ileti.wire.models import WireModel

__all__ = ["WebhookError", "WebhookReport", "parse_webhook", "webhook_payload"]


class WebhookError(ValueError):
    """The webhook body is not a §6 delivery report (not JSON, no `report` object, or a bad field)."""


class WebhookReport(WireModel):
    """One delivery-report event: a message (`id`) of an order (`packet_id`) changed status."""

    id: int
    packet_id: int
    status: MessageStatus
    to: str
    body: str

    @field_validator("status", mode="before")
    @classmethod
    def _from_wire(cls, value: Any) -> Any:
        if isinstance(value, MessageStatus):
            return value
        if isinstance(value, str):
            return MessageStatus.from_webhook_status(value)  # ValueError → ValidationError
        raise ValueError(f"webhook status must be accepted, delivered or undelivered, not {value!r}")

    @field_serializer("status")
    def _to_wire(self, status: MessageStatus) -> str:
        return status.webhook_status


def parse_webhook(body: bytes | bytearray | str | Mapping[str, Any]) -> WebhookReport:
    """The report in a webhook request body (raw bytes, text, or already-decoded JSON).

    Raises `WebhookError` when the body is not JSON, has no `report` object, or a field is missing or invalid.
    """
    data: Any = body
    if isinstance(body, bytes | bytearray | str):
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise WebhookError(f"webhook body is not JSON: {exc}") from exc
    report = data.get("report") if isinstance(data, Mapping) else None
    if not isinstance(report, Mapping):
        raise WebhookError("webhook body has no 'report' object")
    try:
        return WebhookReport.model_validate(report)
    except ValidationError as exc:
        raise WebhookError(f"invalid webhook report: {exc}") from exc


def webhook_payload(*, id: int, packet_id: int, status: MessageStatus, to: str, body: str) -> dict[str, Any]:
    """The §6 JSON object for one status change, ready for `json_codec.dumps`: the fields of `WebhookReport`
    in its order, the status as its string.

    Built directly rather than through the model (`test_payload_round_trips` holds the two together): the
    sandbox renders one per message event, 50,000 for a large order, and the model costs ten times as much.
    """
    report = {"id": id, "packet_id": packet_id, "status": status.webhook_status, "to": to, "body": body}
    return {"report": report}
