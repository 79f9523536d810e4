"""`ileti send`: one order to one or more numbers."""

from __future__ import annotations

from typing import Literal

import click
from rich.text import Text

import ileti
from ileti.cli.base import (
    _pairs,
    _parse_schedule,
    _read_text,
    _state,
    cli,
    commercial_option,
    json_flag,
    schedule_option,
    sender_option,
)


@cli.command()
@click.argument("numbers", nargs=-1, required=True)
@click.option("--text", help="The message; read from standard input when omitted.")
@sender_option
@schedule_option
@commercial_option
@json_flag
@click.pass_context
def send(
    ctx: click.Context,
    numbers: tuple[str, ...],
    text: str | None,
    sender: str | None,
    schedule: str | None,
    commercial: Literal["BIREYSEL", "TACIR"] | None,
) -> None:
    """Send a text to NUMBERS; prints the order id, encoding and parts.

    \b
      ileti send 5301234567 --text "Merhaba"
      echo "Kodunuz 1234" | ileti send +905301234567 05321234567 --sender ACME
    """
    state = _state(ctx)
    body = _read_text(text)
    when = _parse_schedule(schedule)
    sms = ileti.preview(body)
    with state.client(sender=sender) as client:
        order = client.send_sms(
            list(numbers), body, schedule=when, iys=commercial is not None, iys_list=commercial
        )
    result = {
        "order_id": order.id,
        "recipients": len(numbers),
        "encoding": sms.encoding.value,
        "parts": sms.parts,
        "length": sms.length,
        "cost_parts": sms.parts * len(numbers),
        "schedule": None if when is None else ileti.format_schedule(when),
        "commercial": commercial,
    }
    if state.json:
        state.emit(result)
        return
    state.out.print(Text.assemble(("✓ ", "green"), "Order ", (str(order.id), "bold"), " accepted"))
    details = _pairs()
    details.add_row("recipients", str(len(numbers)))
    details.add_row(
        "text",
        f"{sms.encoding.value} · {sms.parts} part{'s' if sms.parts != 1 else ''} · "
        f"{sms.length} units, {sms.remaining} left in the last part",
    )
    details.add_row("cost", f"{sms.parts * len(numbers)} SMS (parts × recipients)")
    if when is not None:
        details.add_row("schedule", ileti.format_schedule(when) + " (Istanbul)")
    state.out.print(details)
