"""The one error the wire layer raises for a body it cannot read.

`DecodeError` means "these bytes are not a well-formed JSON/XML envelope": the sandbox answers 400, the client
reports a transport-level failure. A body that parses but holds a value of the wrong shape is a pydantic
`ValidationError` instead (sandbox: 422).
"""

from __future__ import annotations

from typing import Literal

__all__ = ["DecodeError", "DecodeFormat"]

DecodeFormat = Literal["json", "xml", "envelope"]


class DecodeError(ValueError):
    """Raised when a body is not valid JSON or XML, breaks a parser limit, or is not an envelope.

    `format` says which layer refused it: "json", "xml" or "envelope" (parsed, but not the
    `{"request": …}` / `{"response": {"status": …}}` shape).
    """

    def __init__(self, message: str, *, format: DecodeFormat) -> None:
        super().__init__(message)
        self.format: DecodeFormat = format

    def __repr__(self) -> str:
        return f"DecodeError({str(self)!r}, format={self.format!r})"
