"""The legacy transports as `Format`s of `formats.py` (CONTRACT §1.1, OQ-22, OQ-24, OQ-25).

    POST /v1/<endpoint>        XML `<request>` as the raw body (text/xml, application/xml),
                               or as the form field `data=<xml>` (application/x-www-form-urlencoded)
    GET  /v1/send-sms/get/     the query string of §4.1 (`receipents` comma-separated)

Both answer XML `<response>` documents (`text/xml; charset=utf-8`) with the same codes as JSON. They only turn
bytes into the same envelope dict the JSON format produces, so the handlers, the rules and the store are
shared: nothing here knows an endpoint. An unreadable body (malformed XML, a DTD or entity, too deep, a form
without `data`) is a `DecodeError`, which the pipeline answers with 400 in XML.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request

from ileti.sandbox.api.body import read_body
from ileti.wire import envelope
from ileti.wire.errors import DecodeError
from ileti.wire.models import dump
from ileti.wire.xml_codec import from_xml, to_xml

__all__ = ["GET_FORMAT", "XML", "GetFormat", "XmlFormat"]

_FORM = "application/x-www-form-urlencoded"
# characters XML 1.0 cannot carry; a value stored through JSON may hold one, and an answer must still go out
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_safe(value: Any) -> Any:
    if isinstance(value, str):
        return _NOT_XML.sub("\ufffd", value)
    if isinstance(value, dict):
        return {key: _xml_safe(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_xml_safe(item) for item in value]
    return value


def encode_xml(body: dict[str, Any]) -> bytes:
    """The response envelope as an XML document; text XML cannot carry becomes U+FFFD instead of failing."""
    try:
        return to_xml(body)
    except ValueError:
        return to_xml(_xml_safe(body))


class XmlFormat:
    """`POST /v1/<endpoint>` with an XML body, raw or in the form field `data` (§1.1)."""

    name = "xml"
    media_type = "text/xml; charset=utf-8"  # OQ-24
    method = "POST"

    async def decode(self, request: Request) -> Any:
        raw = await read_body(request)
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        # the Java and Python samples post a form; the PHP ones a raw document. A body that starts with
        # markup is a document whatever its header says; a form is recognised by its header or its `data=`
        if raw.lstrip()[:1] != b"<" and (content_type == _FORM or raw.startswith(b"data=")):
            raw = self._form_data(raw)
        return from_xml(raw)

    @staticmethod
    def _form_data(raw: bytes) -> bytes:
        try:
            fields = parse_qsl(
                raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False, max_num_fields=1000
            )
        except (UnicodeDecodeError, ValueError) as exc:
            raise DecodeError(f"the form body cannot be read: {exc}", format="xml") from exc
        for name, value in fields:
            if name == "data":
                return value.encode("utf-8")
        raise DecodeError("the form has no data field", format="xml")

    def encode(self, body: dict[str, Any]) -> bytes:
        return encode_xml(body)


class GetFormat:
    """`GET /v1/send-sms/get/?key=…&hash=…&text=…&receipents=…&sender=…&iys=…&iysList=…` (§4.1), answered in
    XML. The query becomes the same `{"request": {"authentication", "order"}}` envelope as a JSON body."""

    name = "get"
    media_type = "text/xml; charset=utf-8"  # OQ-24
    method = "GET"

    async def decode(self, request: Request) -> Any:
        # a repeated parameter counts once (the last), as most form readers do
        try:
            params = dict(parse_qsl(request.url.query, keep_blank_values=True, max_num_fields=1000))
        except ValueError as exc:  # more fields than any send-sms query has
            raise DecodeError(f"the query cannot be read: {exc}", format="envelope") from exc
        auth, order = envelope.read_get_request(params)
        return {"request": {"authentication": dump(auth), "order": order}}

    def encode(self, body: dict[str, Any]) -> bytes:
        return encode_xml(body)


XML = XmlFormat()
GET_FORMAT = GetFormat()
