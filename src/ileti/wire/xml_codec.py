"""XML bodies (CONTRACT §1.1): the same dict shapes as JSON, written to and read from the legacy XML forms.

    to_xml({"response": {"status": {"code": 200, "message": "İşlem başarılı"}}})
    → <?xml version="1.0" encoding="UTF-8"?><response><status><code>200</code><message>İşlem başarılı
      </message></status></response>   (UTF-8 bytes, no whitespace between tags)

Mapping rules, both ways:

- The envelope's one key is the root element (`request` / `response`); an object is a run of child elements.
- A list is its tag repeated (`<message>`, `<number>`, `<sender>`), except under a wrapper tag, where each
  item gets the wrapper's item tag: `groups/group` (objects) or `groups/id` (ids), `children/child`,
  `custom_fields/custom_field`, `contacts/contact`, `orders/order`. An empty wrapper reads back as `[]`.
- A repeatable tag that may appear once still reads as a list where the models expect one
  (`ALWAYS_LIST`): `order/message`, `receipents/number`, `senders/sender`, and `response/blacklist/number`
  (`request/blacklist/number` is a single number). Any other tag that repeats also becomes a list.
- An empty element reads as `{}` when it is a direct child of the root (a payload such as `<order/>`,
  `<senders/>`) or the parent of an always-list tag (`<receipents/>`); otherwise it reads as `""`.
  So XML cannot carry send-sms's list form of `sendDateTime`: `[]` is left out and `["…"]` reads back as
  `"…"`, which `SendSmsRequest.schedule` treats alike.
- Scalars are text: numbers are written with `str`, `True`/`False` as "1"/"0", `None` is left out. Text goes
  in CDATA when it holds `<`, `>` or `&`, and always for `text` and `body` (the docs want SMS text in CDATA).
  A text containing a carriage return is escaped instead (`&#13;`), because parsers fold CR inside CDATA.

`from_xml` is hardened: defusedxml with DTDs, entity declarations and external references forbidden (billion
laughs, XXE), and size and nesting limits checked before and during parsing. Every failure is a `DecodeError`.
This module needs `defusedxml` (the `sandbox` extra), so `ileti.wire` does not import it.
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Mapping
from typing import Any
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from ileti.wire.errors import DecodeError

__all__ = ["ALWAYS_LIST", "MAX_XML_BYTES", "MAX_XML_DEPTH", "WRAPPERS", "from_xml", "to_xml"]

MAX_XML_BYTES = 16 * 1024 * 1024
"""Largest body `from_xml` reads: 50,000 recipients in XML are about 1.5 MiB, so this leaves ample room."""

MAX_XML_DEPTH = 32
"""Deepest element nesting `from_xml` accepts; the deepest documented form (contacts) has 6 levels."""

WRAPPERS: Mapping[str, tuple[str, ...]] = {
    "groups": ("group", "id"),
    "children": ("child",),
    "custom_fields": ("custom_field",),
    "contacts": ("contact",),
    "orders": ("order",),
}
"""Wrapper tag → the item tags it holds; a list under a wrapper is written with the first item tag for objects
and the last one for scalars (`groups` → `group` / `id`)."""

ALWAYS_LIST: frozenset[tuple[str, ...]] = frozenset(
    {
        ("order", "message"),
        ("receipents", "number"),
        ("senders", "sender"),
        ("response", "blacklist", "number"),
    }
)
"""Path suffixes (parent tags, then the tag) of repeatable tags that read as a list even when seen once."""

_LIST_PARENTS = frozenset(suffix[-2] for suffix in ALWAYS_LIST)
_CDATA_TAGS = frozenset({"text", "body"})
_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'
_MARKUP = re.compile(r"[<>&]")
# characters XML 1.0 cannot carry at all, not even in CDATA or as character references
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# anything that needs more than plain text: one search decides the common case
_SPECIAL = re.compile("[<>&\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")


# -------------------- writing


def to_xml(envelope: Mapping[str, Any]) -> bytes:
    """The UTF-8 XML document for a one-key envelope dict (`{"request": …}` or `{"response": …}`).

    Raises ValueError for a dict that has no XML form: not exactly one root key, a key that is not an XML
    name, or text holding a character XML cannot carry (control characters other than tab, LF and CR).
    """
    if not isinstance(envelope, Mapping) or len(envelope) != 1:
        raise ValueError("an envelope has exactly one root key")
    ((root, value),) = envelope.items()
    out: list[str] = [_DECLARATION]
    _write(out, root, {} if value is None else value)
    return "".join(out).encode("utf-8")


@functools.lru_cache(maxsize=512)
def _checked_name(tag: str) -> str:
    if not isinstance(tag, str) or not _NAME.fullmatch(tag) or tag.lower().startswith("xml"):
        raise ValueError(f"not an XML element name: {tag!r}")
    return tag


def _write(out: list[str], tag: str, value: Any) -> None:
    tag = _checked_name(tag)
    if value is None:
        return
    if isinstance(value, Mapping):
        out.append(f"<{tag}>")
        for key, item in value.items():
            _write(out, key, item)
        out.append(f"</{tag}>")
    elif isinstance(value, list | tuple):
        items = WRAPPERS.get(tag)
        if items is None:
            for item in value:
                if isinstance(item, str):  # fast path: 50,000 <number>s
                    out.append(f"<{tag}>{_text(tag, item)}</{tag}>")
                else:
                    _write(out, tag, item)
            return
        out.append(f"<{tag}>")
        for item in value:
            _write(out, items[0] if isinstance(item, Mapping) else items[-1], item)
        out.append(f"</{tag}>")
    else:
        out.append(f"<{tag}>{_text(tag, _scalar(value))}</{tag}>")


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(int(value))  # IntEnum → its number
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, enum.Enum):
        return str(value.value)
    return str(value)


def _text(tag: str, text: str) -> str:
    if tag not in _CDATA_TAGS and not _SPECIAL.search(text):
        return text
    if _NOT_XML.search(text):
        raise ValueError(f"<{tag}> holds a character XML cannot carry")
    if "\r" in text:
        # a CR inside CDATA would come back as LF; a character reference survives
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    if tag in _CDATA_TAGS or _MARKUP.search(text):
        return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"
    return text


# -------------------- reading


class _Node:
    __slots__ = ("children", "tag", "text")

    def __init__(self, tag: str) -> None:
        self.tag = tag
        self.children: list[_Node] = []
        self.text: list[str] = []


class _TooDeepError(Exception):
    pass


class _Builder:
    """Parser target: a light tree of `_Node`s, refusing nesting beyond `max_depth` as soon as it happens."""

    def __init__(self, max_depth: int) -> None:
        self._max_depth = max_depth
        self._stack: list[_Node] = []
        self.root: _Node | None = None

    def start(self, tag: str, attrib: Mapping[str, str]) -> None:
        if len(self._stack) >= self._max_depth:
            raise _TooDeepError
        node = _Node(tag)
        if self._stack:
            self._stack[-1].children.append(node)
        else:
            self.root = node
        self._stack.append(node)

    def end(self, tag: str) -> None:
        self._stack.pop()

    def data(self, text: str) -> None:
        if self._stack:
            self._stack[-1].text.append(text)

    def close(self) -> _Node | None:
        return self.root


def from_xml(
    data: bytes | bytearray | memoryview | str,
    *,
    max_bytes: int = MAX_XML_BYTES,
    max_depth: int = MAX_XML_DEPTH,
) -> dict[str, Any]:
    """The envelope dict of an XML document, `{root_tag: value}`, by the rules of the module docstring.

    Raises `DecodeError(format="xml")` for malformed XML, a DTD or entity declaration, an external reference,
    a body over `max_bytes` or nesting over `max_depth`.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    if len(raw) > max_bytes:
        raise DecodeError(f"XML body is larger than {max_bytes} bytes", format="xml")
    builder = _Builder(max_depth)
    parser = DefusedXMLParser(target=builder, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    try:
        parser.feed(raw)
        root = parser.close()
    except _TooDeepError:
        raise DecodeError(f"XML nests deeper than {max_depth} levels", format="xml") from None
    except DefusedXmlException as exc:
        raise DecodeError(f"forbidden XML construct: {type(exc).__name__}", format="xml") from exc
    except (ParseError, ValueError, LookupError) as exc:
        raise DecodeError(f"invalid XML: {exc}", format="xml") from exc
    if not isinstance(root, _Node):
        raise DecodeError("XML document has no root element", format="xml")
    value = _read(root, (root.tag,))
    return {root.tag: {} if value == "" else value}


def _always_list(path: tuple[str, ...]) -> bool:
    return path[-2:] in ALWAYS_LIST or path[-3:] in ALWAYS_LIST


def _read(node: _Node, path: tuple[str, ...]) -> Any:
    children = node.children
    items = WRAPPERS.get(node.tag)
    if items is not None and all(child.tag in items for child in children):
        if children:
            return [_read(child, (*path, child.tag)) for child in children]
        if not "".join(node.text).strip():
            return []
    if not children:
        return _leaf(node, len(path) == 2)
    result: dict[str, Any] = {}
    repeated: set[str] = set()
    at_root = len(path) == 1
    for child in children:
        tag = child.tag
        # leaves are most of a bulk body (50,000 <number>s): no recursion, no path tuple for them
        leaf = not child.children and tag not in WRAPPERS
        value = _leaf(child, at_root) if leaf else _read(child, (*path, tag))
        if tag in repeated:
            result[tag].append(value)
        elif tag in result:
            result[tag] = [result[tag], value]
            repeated.add(tag)
        elif _always_list((*path, tag)):
            result[tag] = [value]
            repeated.add(tag)
        else:
            result[tag] = value
    return result


def _leaf(node: _Node, root_child: bool) -> Any:
    """A childless element: its text, or `{}` for an empty payload object or list parent."""
    text = node.text[0] if len(node.text) == 1 else "".join(node.text)
    if (root_child or node.tag in _LIST_PARENTS) and not text.strip():
        return {}
    return text
