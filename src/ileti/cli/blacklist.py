"""`ileti blacklist list|add|remove`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

import click
from rich.text import Text

from ileti.cli.base import (
    EXIT_API_ERROR,
    EXIT_OK,
    Cli,
    _date_option,
    _error_json,
    _error_text,
    _state,
    cli,
    json_flag,
)
from ileti.client.errors import (
    ApiStatusError,
)


@cli.group()
def blacklist() -> None:
    """List, add or remove blacklisted numbers."""


@blacklist.command("list")
@_date_option("--from", "Only numbers added from this day on (YYYY-MM-DD).")
@_date_option("--to", "Only numbers added up to this day, inclusive.")
@json_flag
@click.pass_context
def blacklist_list(ctx: click.Context, /, **dates: datetime | None) -> None:
    """Every blacklisted number."""
    state = _state(ctx)
    start = dates["from"].strftime("%Y-%m-%d 00:00:00") if dates["from"] else None
    end = dates["to"].strftime("%Y-%m-%d 23:59:59") if dates["to"] else None
    with state.client() as client:
        numbers = list(client.iter_blacklist(start=start, end=end))
    if state.json:
        state.emit({"count": len(numbers), "numbers": numbers})
        return
    for number in numbers:
        state.out.print(number)
    state.err.print(f"{len(numbers)} number(s)")


def _each_number(state: Cli, numbers: Sequence[str], action: Callable[[str], None], done: str) -> int:
    """Run `action` per number; a refusal is reported and the next number still runs (exit 1 if any)."""
    results = []
    for number in numbers:
        try:
            action(number)
        except ApiStatusError as exc:
            results.append({"number": number, "ok": False, "error": _error_json(exc)["error"]})
            if not state.json:
                state.err.print(Text.assemble(("✗ ", "red"), f"{number}: ", _error_text(exc)))
        else:
            results.append({"number": number, "ok": True})
            if not state.json:
                state.out.print(Text.assemble(("✓ ", "green"), f"{number} {done}"))
    if state.json:
        state.emit({"results": results})
    return EXIT_OK if all(r["ok"] for r in results) else EXIT_API_ERROR


@blacklist.command("add")
@click.argument("numbers", nargs=-1, required=True)
@json_flag
@click.pass_context
def blacklist_add(ctx: click.Context, numbers: tuple[str, ...]) -> int:
    """Add NUMBERS to the blacklist (adding one twice is fine)."""
    state = _state(ctx)
    with state.client() as client:
        return _each_number(state, numbers, client.add_blacklist, "blacklisted")


@blacklist.command("remove")
@click.argument("numbers", nargs=-1, required=True)
@json_flag
@click.pass_context
def blacklist_remove(ctx: click.Context, numbers: tuple[str, ...]) -> int:
    """Remove NUMBERS from the blacklist (474 for a number that is not on it)."""
    state = _state(ctx)
    with state.client() as client:
        return _each_number(state, numbers, client.delete_blacklist, "removed from the blacklist")
