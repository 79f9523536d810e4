"""One comparer: what differs between the contract's expectation and an answer, or between two answers.

Differences are short sentences that name the aspect (`http 200 ≠ 404`, `code …`, `message …`, `type …`,
`field … missing`, `field … extra`). Two rules keep them meaningful:

- A JSON integer satisfies a `number` the contract expects (`amount: 10` is a float that happens to be whole),
  and two answers with integer/number at such a path do not differ.
- Item paths (`blacklist.number[]`) are compared only when both lists have items: an empty list says nothing
  about its items' types, and the sandbox's account need not hold the live account's data. For the same reason
  paths the contract leaves open (`any`: XML lists, whose tags vanish when the list is empty) are not compared
  between two answers.
"""

from __future__ import annotations

from collections.abc import Mapping

from ileti.conformance.probes import Expected
from ileti.conformance.runner import Observation

__all__ = ["against_contract", "between"]

ANY = "any"


def _compatible(expected: str, observed: str) -> bool:
    return expected == observed or (expected == "number" and observed == "integer")


def _under_any(path: str, expected: Mapping[str, str]) -> bool:
    """Whether `path` lies under a path the contract leaves open (`any`: any type, may be absent)."""
    return any(t == ANY and path.startswith((p + ".", p + "[]")) for p, t in expected.items())


def _items_unseen(path: str, fields: Mapping[str, str]) -> bool:
    """Whether `path` sits inside list items that `fields` has none of (an empty or absent list)."""
    while "[]" in path:
        array = path[: path.rindex("[]")]
        if not any(p.startswith(array + "[]") for p in fields):
            return True
        path = array
    return False


def _message(expected: str | None, observed: str | None) -> str:
    return f"message {observed!r} ≠ {expected!r}"


def against_contract(expected: Expected, observed: Observation) -> list[str]:
    """How an answer departs from the contract; empty when it conforms (or the probe was skipped)."""
    if observed.skipped:
        return []
    if observed.error and observed.http_status is None:
        return [observed.error]
    out = []
    if observed.http_status != expected.http_status:
        out.append(f"http {observed.http_status} ≠ {expected.http_status}")
    if observed.error:
        return [*out, observed.error]
    if observed.code != expected.code:
        out.append(f"code {observed.code} ≠ {expected.code}")
    if observed.message != expected.message:
        out.append(_message(expected.message, observed.message))
    if observed.media_type != expected.media_type:
        out.append(f"content-type {observed.media_type} ≠ {expected.media_type}")
    fields = observed.fields
    for path, kind in expected.fields.items():
        if kind == ANY or _under_any(path, expected.fields):
            continue
        if path in fields:
            if not _compatible(kind, fields[path]):
                out.append(f"type {path}: {fields[path]} ≠ {kind}")
        elif not _items_unseen(path, fields):
            out.append(f"field {path} missing")
    out.extend(
        f"field {path} extra ({kind})"
        for path, kind in fields.items()
        if path not in expected.fields and not _under_any(path, expected.fields)
    )
    return out


def between(first: Observation, second: Observation, expected: Expected) -> list[str]:
    """How `second` differs from `first` (two servers' answers to the same probe)."""
    if first.skipped or second.skipped:
        return (
            []
            if first.skipped == second.skipped
            else [f"skipped on one side: {first.skipped or second.skipped}"]
        )
    out = []
    for aspect in ("http_status", "code", "media_type", "error"):
        a, b = getattr(first, aspect), getattr(second, aspect)
        if a != b:
            out.append(f"{aspect.replace('_status', '')} {b} ≠ {a}")
    if first.message != second.message:
        out.append(_message(first.message, second.message))
    a_fields, b_fields = first.fields, second.fields
    for path in sorted(set(a_fields) | set(b_fields)):
        if expected.fields.get(path) == ANY or _under_any(path, expected.fields):
            continue  # left open by the contract: an XML list, which vanishes when empty
        if path in a_fields and path in b_fields:
            a, b = a_fields[path], b_fields[path]
            kind = expected.fields.get(path, "")
            if a != b and not (kind == "number" and {a, b} <= {"integer", "number"}):
                out.append(f"type {path}: {b} ≠ {a}")
        elif path in a_fields and not _items_unseen(path, b_fields):
            out.append(f"field {path} missing")
        elif path in b_fields and not _items_unseen(path, a_fields):
            out.append(f"field {path} extra ({b_fields[path]})")
    return out
