"""What each control endpoint does, as data: `@operations(Op("GET", "summary"), Op("POST", …, body=Model))`
on a handler says, per method, its summary, query parameters, body model and answer. `openapi.py` builds the
control API's document from the route table (`routes.CONTROL_ROUTES`: paths and methods) and these."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel

__all__ = ["Op", "Param", "operations", "operations_of"]

F = TypeVar("F", bound=Callable[..., Any])
_ATTRIBUTE = "_control_operations"


@dataclass(frozen=True, slots=True)
class Param:
    """A query parameter."""

    name: str
    description: str
    schema: Mapping[str, Any] = field(default_factory=lambda: {"type": "string"})


@dataclass(frozen=True, slots=True)
class Op:
    """One method of a control route."""

    method: str
    summary: str
    body: type[BaseModel] | None = None
    body_required: bool = True
    query: tuple[Param, ...] = ()
    status: int = 200
    answer: str = "JSON"
    other: Mapping[int, str] = field(default_factory=dict)
    """answers besides `status` and the refusals (4xx): e.g. readyz's 503"""


def operations(*ops: Op) -> Callable[[F], F]:
    """Describe an endpoint's methods (one `Op` per method it answers)."""

    def describe(endpoint: F) -> F:
        setattr(endpoint, _ATTRIBUTE, ops)
        return endpoint

    return describe


def operations_of(endpoint: Callable[..., Any]) -> tuple[Op, ...]:
    ops: tuple[Op, ...] = getattr(endpoint, _ATTRIBUTE, ())
    return ops


def integer(low: int = 0, high: int | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "integer", "minimum": low}
    if high is not None:
        schema["maximum"] = high
    return schema
