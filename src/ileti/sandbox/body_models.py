"""The base of the control API's body models (and the seed file's, which takes the same bodies): pydantic
models that refuse unknown fields and coerce nothing (`"1"` is not a number, `1` is not `true`), and
`checked`, which turns a refused body into `ControlError(422)` naming each bad field
(`rules[0].probability: …`).

The models are the one description of each body: the handlers read them, and `control/openapi.py` publishes
their JSON schemas.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, PlainValidator, ValidationError, WithJsonSchema, model_validator
from pydantic_core import ErrorDetails, PydanticCustomError

from ileti import phone
from ileti.sandbox.errors import ControlError
from ileti.times import parse_timestamp

__all__ = ["BodyModel", "BrandCode", "PhoneNumber", "Timestamp", "checked", "describe"]

M = TypeVar("M", bound=BaseModel)

TIMESTAMP_FORMAT = "YYYY-MM-DD HH:MM:SS"


def _schema(schema: dict[str, Any], model: type[Any]) -> None:
    """The JSON schema of a `BodyModel`: a field outside `NULLABLE` is optional, not nullable; plus the
    model's `SCHEMA_EXTRA`."""
    schema.update(getattr(model, "SCHEMA_EXTRA", {}))
    nullable: frozenset[str] = getattr(model, "NULLABLE", frozenset())
    for name, prop in schema.get("properties", {}).items():
        if name in nullable or "anyOf" not in prop:
            continue
        kinds = [kind for kind in prop["anyOf"] if kind != {"type": "null"}]
        if prop.get("default", 0) is None:
            del prop["default"]
        if len(kinds) == 1:
            del prop["anyOf"]
            prop.update(kinds[0])
        else:
            prop["anyOf"] = kinds


class BodyModel(BaseModel):
    """A control API body: unknown fields refused, values taken only in their own JSON type. A field may be
    left out; `null` is a value only for the fields named in `NULLABLE`."""

    model_config = ConfigDict(
        extra="forbid", strict=True, frozen=True, allow_inf_nan=False, json_schema_extra=_schema
    )
    NULLABLE: ClassVar[frozenset[str]] = frozenset()
    SCHEMA_EXTRA: ClassVar[dict[str, Any]] = {}

    @model_validator(mode="before")
    @classmethod
    def _refuse_null(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for name, value in data.items():
                if value is None and name in cls.model_fields and name not in cls.NULLABLE:
                    raise PydanticCustomError("null", "{field}: may not be null", {"field": name})
        return data


def _phone(value: Any) -> str:
    canonical = (
        phone.try_normalize(value) if isinstance(value, str | int) and not isinstance(value, bool) else None
    )
    if canonical is None:
        raise ValueError(f"{value!r} is not a Turkish mobile number")
    return canonical


def _timestamp(value: Any) -> str:
    try:
        if isinstance(value, str):
            parse_timestamp(value)
            return value
    except ValueError:
        pass
    raise ValueError(f'"{TIMESTAMP_FORMAT}" (Istanbul time)')


def _brand_code(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
        return str(value)
    raise ValueError("a string, an integer or null")


PhoneNumber = Annotated[
    str,
    PlainValidator(_phone),
    WithJsonSchema(
        {"type": ["string", "integer"], "description": "a Turkish mobile number (+905…, 905…, 05…, 5…)"}
    ),
]
"""A Turkish mobile number, as a string or an integer; read as its canonical `+905…` form."""

Timestamp = Annotated[
    str,
    PlainValidator(_timestamp),
    WithJsonSchema({"type": "string", "description": f"{TIMESTAMP_FORMAT}, Istanbul time"}),
]
"""A `YYYY-MM-DD HH:MM:SS` time in Istanbul (checked; kept as written)."""

BrandCode = Annotated[
    str | None,
    PlainValidator(_brand_code),
    WithJsonSchema({"type": ["string", "integer", "null"], "description": "the İYS brand code"}),
]
"""An İYS brand code: a string or an integer, read as a string; null or "" for none."""


def _where(loc: tuple[int | str, ...]) -> str:
    where = ""
    for part in loc:
        if part == "[key]":  # the error is about a key of an object, which `loc` has named already
            continue
        where += f"[{part}]" if isinstance(part, int) else (f".{part}" if where else str(part))
    return where


def _message(error: ErrorDetails) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown field"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return "must be an object"
    if kind == "value_error":  # a validator's own sentence, without pydantic's "Value error, "
        return str(error.get("ctx", {}).get("error", error["msg"]))
    return error["msg"]


def describe(exc: ValidationError) -> str:
    """Every error of a refused body, each as `field: what is wrong`."""
    parts = []
    for error in exc.errors(include_url=False):
        where = _where(error["loc"])
        if not where and error["type"] in ("model_type", "dict_type"):
            parts.append("the body must be a JSON object")
        else:
            parts.append(f"{where}: {_message(error)}" if where else _message(error))
    return "; ".join(parts)


def checked(model: type[M], body: Any) -> M:
    """`body` (parsed JSON) as `model`; a `ControlError(422)` naming every bad field otherwise."""
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise ControlError(422, describe(exc)) from exc
