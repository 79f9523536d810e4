"""The small public helpers: text preview and the webhook parser, as re-exported by `ileti`."""

from __future__ import annotations

import pytest

import ileti


def test_preview_says_encoding_parts_and_characters_left() -> None:
    preview = ileti.preview("Şifreniz: 1234")
    assert preview.encoding == "TURKISH"
    assert preview.parts == 1
    assert preview.remaining == 150 - len("Şifreniz: 1234")
    assert ileti.preview("x" * 156).parts == 2
    assert ileti.preview("x" * 1067).too_long


def test_webhook_payload_parses_with_string_statuses() -> None:
    body = (
        b'{"report": {"id": 1599558518, "packet_id": 104525848, "status": "delivered",'
        b' "to": "+905301234567", "body": "Merhaba"}}'
    )
    report = ileti.parse_webhook(body)
    assert report.packet_id == 104525848
    assert report.status is ileti.MessageStatus.DELIVERED
    with pytest.raises(ileti.WebhookError):
        ileti.parse_webhook(b"<html>")
