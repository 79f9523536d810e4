"""Logging what a request carried without letting it forge log lines (a percent-decoded `%0A` in a path is a
newline).

    log.warning("refused %s", escape(scope["path"]))    # at the source
    EscapeControls()                                     # a logging filter: every argument of every record

`escape` writes control characters (C0, DEL, C1, and the Unicode line and paragraph separators) as
`\\n`, `\\x1b`, `\\u2028`…, so an escaped value is always one line. Backslashes are left as they are, which
makes escaping idempotent (a value escaped at its source passes the filter unchanged). `ileti serve` puts
`EscapeControls` on its log handlers (uvicorn's and the sandbox's), so a value logged through `%s`
arguments is escaped even where the source forgot.
"""

from __future__ import annotations

import logging
import re
from typing import Any

__all__ = ["EscapeControls", "escape"]

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _one(match: re.Match[str]) -> str:
    char = match.group()
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape(value: object) -> str:
    """`value` as text on one line: control characters escaped."""
    text = value if isinstance(value, str) else str(value)
    return _CONTROL.sub(_one, text)


def _escaped(arg: Any) -> Any:
    if isinstance(arg, str):
        return escape(arg)
    if isinstance(arg, bytes | bytearray):
        return escape(bytes(arg).decode("latin-1"))
    return arg


class EscapeControls(logging.Filter):
    """A filter that escapes control characters in the string and bytes arguments of every record it sees
    (its format string is the code's own and left alone)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and args:
            record.args = tuple(_escaped(arg) for arg in args)
        elif isinstance(args, dict) and args:
            record.args = {key: _escaped(value) for key, value in args.items()}
        return True
