"""`ileti balance` and `ileti senders`: the account."""

from __future__ import annotations

import click
from rich.text import Text

from ileti.cli.base import (
    _state,
    cli,
    json_flag,
)


@cli.command()
@json_flag
@click.pass_context
def balance(ctx: click.Context) -> None:
    """Account balance: TL amount and SMS credits."""
    state = _state(ctx)
    with state.client() as client:
        result = client.get_balance()
    if state.json:
        state.emit({"amount": result.amount, "sms": result.sms})
        return
    state.out.print(Text.assemble(("Balance ", "bold"), f"{result.amount:g} TL · {result.sms} SMS"))


@cli.command()
@json_flag
@click.pass_context
def senders(ctx: click.Context) -> None:
    """Approved sender IDs (APITEST always works besides these)."""
    state = _state(ctx)
    with state.client() as client:
        names = client.get_senders()
    if state.json:
        state.emit({"senders": names})
        return
    for name in names:
        state.out.print(name)
    if not names:
        state.err.print("No approved sender yet; APITEST works until one is approved.")
