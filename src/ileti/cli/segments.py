"""`ileti segments`: how a text splits into SMS parts, offline."""

from __future__ import annotations

import click
from rich.text import Text

import ileti
from ileti.cli.base import (
    _pairs,
    _read_text,
    _state,
    cli,
    json_flag,
)
from ileti.text import MAX_PARTS, Encoding


@cli.command()
@click.argument("text", required=False)
@json_flag
@click.pass_context
def segments(ctx: click.Context, text: str | None) -> None:
    """Preview TEXT: encoding, length, SMS parts (offline).

    Reads standard input when TEXT is not given. Lists the characters that made the text Turkish or UCS-2.
    """
    state = _state(ctx)
    body = _read_text(text)
    sms = ileti.preview(body)
    # the characters that moved the text out of GSM-7, in order of appearance
    costly = list(dict.fromkeys(ch for ch in body if ileti.preview(ch).encoding is not Encoding.GSM7))
    if state.json:
        state.emit(
            {
                "encoding": sms.encoding.value,
                "length": sms.length,
                "parts": sms.parts,
                "remaining": sms.remaining,
                "max_length": sms.max_length,
                "max_parts": MAX_PARTS,
                "too_long": sms.too_long,
                "non_gsm_characters": costly,
            }
        )
        return
    table = _pairs()
    table.add_row("encoding", sms.encoding.value)
    table.add_row("length", f"{sms.length} units")
    table.add_row(
        "parts",
        Text(f"{sms.parts} (over the {MAX_PARTS}-part limit: 453)", "red")
        if sms.too_long
        else Text(str(sms.parts)),
    )
    table.add_row("remaining", f"{sms.remaining} units left in the last part")
    table.add_row("max length", f"{sms.max_length} units in {MAX_PARTS} parts")
    if costly:
        table.add_row("because of", " ".join(repr(ch) for ch in costly[:20]))
    state.out.print(table)
