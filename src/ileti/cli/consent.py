"""`ileti consent add|show`: İYS consent."""

from __future__ import annotations

import time

import click
from rich.text import Text

from ileti.cli.base import (
    _pairs,
    _state,
    cli,
    json_flag,
)
from ileti.client import ConsentRecord
from ileti.times import format_timestamp


@cli.group()
def consent() -> None:
    """Register or show İYS consent records."""


brand_option = click.option(
    "--brand-code",
    envvar="ILETI_BRAND_CODE",
    required=True,
    metavar="CODE",
    help="The account's İYS brand code [env ILETI_BRAND_CODE].",
)
type_option = click.option(
    "--type",
    "channel",
    type=click.Choice(["MESAJ", "EPOSTA", "ARAMA"]),
    default="MESAJ",
    show_default=True,
    help="Channel.",
)
recipient_type_option = click.option(
    "--recipient-type",
    type=click.Choice(["BIREYSEL", "TACIR"]),
    default="BIREYSEL",
    show_default=True,
    help="Individual or merchant.",
)


@consent.command("add")
@click.argument("recipients", nargs=-1, required=True)
@brand_option
@type_option
@recipient_type_option
@click.option(
    "--status",
    type=click.Choice(["ONAY", "RET"]),
    default="ONAY",
    show_default=True,
    help="Consent (ONAY) or opt-out (RET).",
)
@click.option("--source", default="HS_WEB", show_default=True, help="Where the consent was collected.")
@click.option(
    "--date",
    "consent_date",
    metavar="'YYYY-MM-DD HH:MM:SS'",
    help="When it was given (default: now, Istanbul time).",
)
@json_flag
@click.pass_context
def consent_add(
    ctx: click.Context,
    recipients: tuple[str, ...],
    brand_code: str,
    channel: str,
    recipient_type: str,
    status: str,
    source: str,
    consent_date: str | None,
) -> None:
    """Register consent for RECIPIENTS (phone numbers or e-mail addresses).

    Many recipients are sent in consecutive batches of the size the API allows.
    """
    state = _state(ctx)
    when = consent_date or format_timestamp(time.time())
    records = [
        ConsentRecord(
            recipient=recipient,
            recipient_type=recipient_type,
            type=channel,
            status=status,
            source=source,
            consent_date=when,
        )
        for recipient in recipients
    ]
    with state.client() as client:
        client.create_consents(brand_code, records)
    if state.json:
        state.emit({"registered": len(records), "status": status, "type": channel, "consent_date": when})
        return
    state.out.print(
        Text.assemble(
            ("✓ ", "green"),
            f"{len(records)} {status} record(s) registered ({channel}, {recipient_type}, {when})",
        )
    )


@consent.command("show")
@click.argument("recipient")
@brand_option
@type_option
@recipient_type_option
@json_flag
@click.pass_context
def consent_show(
    ctx: click.Context, recipient: str, brand_code: str, channel: str, recipient_type: str
) -> None:
    """The İYS record of RECIPIENT for one channel."""
    state = _state(ctx)
    with state.client() as client:
        record = client.show_consent(brand_code, recipient, recipient_type=recipient_type, type=channel)
    if state.json:
        state.emit({"consent": None if record is None else record.model_dump(mode="json")})
        return
    if record is None:
        state.out.print(f"No {channel}/{recipient_type} record for {recipient} under brand {brand_code}.")
        return
    table = _pairs()
    for name, value in record.model_dump(mode="json").items():
        table.add_row(name, str(value))
    state.out.print(table)
