"""The `ileti` command line: the only place where errors become messages and exit codes.

    ileti [--base-url URL | --sandbox] [--key KEY] [--hash HASH] [--json] COMMAND [ARGS]

`main(args)` runs one command line in process and returns its exit code (the `ileti` script and
`python -m ileti` call it). Commands talk to the API through `ileti.Client` only and raise what it raises;
`main` alone turns exceptions into messages and exit codes, never a traceback:

| exit | meaning |
|---|---|
| 0 | success |
| 1 | the API refused (a status code other than 200), or some `bulk` rows / `blacklist` numbers failed |
| 2 | usage error: a bad option or argument, missing credentials, an unreadable file |
| 3 | transport error: no connection, a timeout, a response that is not the API's |
| 4 | `report --wait` gave up before the order was final |
| 70 | internal error (a bug in ileti) |
| 130 | interrupted (Ctrl-C) |

Global options have environment twins: `ILETI_BASE_URL`, `ILETI_API_KEY`, `ILETI_API_HASH`; `--json` prints
machine-readable JSON on stdout (errors too, as `{"error": {...}}`). docs/cli.md documents every command.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from fnmatch import fnmatch
from pathlib import Path
from typing import Any, Literal, TypeVar
from zoneinfo import ZoneInfo

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

import ileti
from ileti import __version__
from ileti import bulk as bulk_sending
from ileti.client import ConsentRecord, OrderReport
from ileti.client.errors import (
    ApiStatusError,
    IletiError,
    ScheduleNotReachedError,
    TransportError,
    WaitTimeoutError,
)
from ileti.text import MAX_PARTS, Encoding

EXIT_OK = 0
EXIT_API_ERROR = 1
EXIT_USAGE = 2
EXIT_TRANSPORT = 3
EXIT_WAIT_TIMEOUT = 4
EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130

ISTANBUL = ZoneInfo("Europe/Istanbul")  # the API's time zone (CONTRACT §3)
SANDBOX_URL = "http://127.0.0.1:8080"  # where `ileti serve` listens by default

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class Cli:
    """What every command gets (`ctx.obj`): the global options and the two consoles."""

    out: Console = field(default_factory=Console)
    err: Console = field(default_factory=lambda: Console(stderr=True))
    base_url: str | None = None
    key: str | None = None
    hash: str | None = None
    json: bool = False
    _clients: list[ileti.Client] = field(default_factory=list)

    def client(self, *, sender: str | None = None) -> ileti.Client:
        """An `ileti.Client` for the global options; missing credentials are a usage error."""
        try:
            client = ileti.Client(self.key, self.hash, base_url=self.base_url, sender=sender)
        except ValueError:
            raise click.UsageError(
                "API credentials are missing: pass --key and --hash, or set ILETI_API_KEY and ILETI_API_HASH"
            ) from None
        self._clients.append(client)
        return client

    def close(self) -> None:
        for client in self._clients:
            client.close()

    def emit(self, data: Any) -> None:
        """JSON for scripts: one document on stdout."""
        click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def json_flag(command: F) -> F:
    """`--json` on a command, the same as the global `ileti --json`."""

    def turn_on(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
        if value:
            ctx.ensure_object(Cli).json = True

    return click.option(
        "--json",
        "json_output",
        is_flag=True,
        expose_value=False,
        callback=turn_on,
        help="Print JSON for scripts.",
    )(command)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="ileti")
@click.option(
    "--base-url",
    envvar="ILETI_BASE_URL",
    metavar="URL",
    help="API origin [env ILETI_BASE_URL; default: the live API, https://api.iletimerkezi.com].",
)
@click.option(
    "--sandbox",
    is_flag=True,
    help=f"Use a local `ileti serve` at {SANDBOX_URL} (unless --base-url / ILETI_BASE_URL is set).",
)
@click.option("--key", envvar="ILETI_API_KEY", metavar="KEY", help="API key [env ILETI_API_KEY].")
@click.option(
    "--hash", "hash_", envvar="ILETI_API_HASH", metavar="HASH", help="API hash [env ILETI_API_HASH]."
)
@click.option("--json", "json_output", is_flag=True, help="Print JSON for scripts (every command).")
@click.pass_context
def cli(
    ctx: click.Context,
    base_url: str | None,
    sandbox: bool,
    key: str | None,
    hash_: str | None,
    json_output: bool,
) -> None:
    """ileti: the iletiMerkezi SMS API sandbox, client and tools.

    Point it at a sandbox with --sandbox or ILETI_BASE_URL=http://127.0.0.1:8080, and give the account's
    credentials with ILETI_API_KEY and ILETI_API_HASH (or --key/--hash).
    """
    state = ctx.ensure_object(Cli)
    state.base_url = base_url or (SANDBOX_URL if sandbox else None)
    state.key, state.hash = key, hash_
    state.json = state.json or json_output
    ctx.call_on_close(state.close)


# ---------------------------------------------------------------------------------------------- serve


class InvalidSeed(click.ClickException):
    """An invalid seed file: exit 2 (a usage error), the store untouched."""

    exit_code = EXIT_USAGE


@cli.command()
@click.option("--host", default=None, help="Interface to listen on (default 127.0.0.1; env ILETI_HOST).")
@click.option("--port", type=int, default=None, help="TCP port (default 8080; env ILETI_PORT).")
@click.option(
    "--db",
    default=None,
    help="SQLite file, created on first start (default ./ileti-sandbox.db), "
    "or postgresql://user:password@host/database (env ILETI_DB).",
)
@click.option(
    "--workers", type=int, default=None, help="Worker processes over one store (1; env ILETI_WORKERS)."
)
@click.option(
    "--control-port",
    type=int,
    default=None,
    help="Serve the control API and the inbox only on this port (env ILETI_CONTROL_PORT).",
)
@click.option("--control-host", default=None, help="Interface of --control-port (127.0.0.1).")
@click.option("--max-body-bytes", type=int, default=None, help="Largest request body read (32 MiB).")
@click.option(
    "--max-messages",
    type=int,
    default=None,
    help="Keep at most this many messages; the oldest orders beyond it go (0: no limit).",
)
@click.option(
    "--journal-size",
    type=int,
    default=None,
    help="/v1 calls the request journal keeps (10000; 0: off; env ILETI_JOURNAL_SIZE).",
)
@click.option("--settle-delay", type=float, default=None, help="Seconds before a 110 message settles (2).")
@click.option(
    "--sqlite-synchronous",
    type=click.Choice(["NORMAL", "FULL"]),
    default=None,
    help="NORMAL survives a process crash; FULL also a power cut.",
)
@click.option("--webhook-timeout", type=float, default=None, help="Seconds per webhook attempt (10).")
@click.option("--webhook-retries", type=int, default=None, help="Webhook retries after a failure (3).")
@click.option("--webhook-backoff", type=float, default=None, help="Seconds before the first retry (1).")
@click.option(
    "--tolerate-missing-iys/--no-tolerate-missing-iys",
    default=None,
    help="Read a missing send-sms iys flag as '0' instead of answering 468 (OQ-3).",
)
@click.option(
    "--strict-recipients/--no-strict-recipients",
    default=None,
    help="452 when any recipient is invalid or blacklisted (OQ-6).",
)
@click.option(
    "--always-http-200/--no-always-http-200",
    default=None,
    help="Answer HTTP 200 whatever status.code says (OQ-1).",
)
@click.option("--apitest-text", default=None, help="Fixed text of APITEST sends (OQ-26).")
@click.option("--log-level", default=None, help="uvicorn log level (info).")
@click.option(
    "--allowed-hosts",
    default=None,
    metavar="HOSTS",
    help="Comma-separated Host names served besides loopback ones (.example.com: with subdomains; "
    "*: any; env ILETI_ALLOWED_HOSTS).",
)
@click.option(
    "--control-open/--no-control-open",
    default=None,
    help="On a non-loopback address, serve the control API and the inbox without a token "
    "(env ILETI_CONTROL_OPEN=1). Without it a token is generated unless ILETI_CONTROL_TOKEN "
    "is set.",
)
@click.option(
    "--webhook-allowed-hosts",
    default=None,
    metavar="HOSTS",
    help="Comma-separated hosts webhooks may go to (default: any; env ILETI_WEBHOOK_ALLOWED_HOSTS).",
)
@click.option(
    "--max-header-bytes", type=int, default=None, help="Largest request head (64 KiB); more is 431."
)
@click.option(
    "--head-timeout",
    type=float,
    default=None,
    help="Seconds a connection may take to send a request head (10).",
)
@click.option(
    "--max-buffered-bytes",
    type=int,
    default=None,
    help="Request body bytes held at once per process (128 MiB); more is 503.",
)
@click.option("--max-event-streams", type=int, default=None, help="Inbox event streams at once (32).")
@click.option(
    "--seed",
    default=None,
    metavar="FILE",
    help="Seed file (JSON or TOML) applied at start and by every reset (env ILETI_SEED; docs/sandbox.md).",
)
def serve(**options: object) -> None:
    """Run the sandbox: the iletiMerkezi API on a local ASGI server, with a SQLite store.

    Every option also reads an ILETI_* environment variable (ILETI_PORT, ILETI_DB, ...); a flag wins.
    """
    import gc

    gc.disable()  # no collection while the sandbox loads: `serving.serve` freezes it all and enables it again
    try:
        from ileti.sandbox import serving
        from ileti.sandbox.app import prepare
        from ileti.sandbox.seed import SeedError
        from ileti.sandbox.settings import Settings, SettingsError
        from ileti.sandbox.store.postgres import redacted
    except ImportError as exc:
        raise click.ClickException(
            f"the sandbox is not installed ({exc.name} is missing): pip install 'ileti[sandbox]'"
        ) from exc
    from ileti.sandbox.access import ControlMode, secure

    try:
        settings = Settings.from_env(options)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc
    settings, control_mode = secure(settings)
    try:
        demo = prepare(settings)
    except SeedError as exc:  # before anything is written and before the server listens
        raise InvalidSeed(str(exc)) from exc
    except _store_errors() as exc:  # a folder that does not exist, a server that does not answer, …
        raise click.UsageError(f"cannot open the store {redacted(settings.db)}: {exc}") from exc
    url = f"http://{settings.host}:{settings.port}"
    click.echo(f"ileti sandbox on {url}  (store: {redacted(settings.db)})")
    click.echo(f"Web inbox: {url}/")
    if demo is not None:
        account = demo.account
        click.echo("Created a demo account on the empty store:")
        click.echo(f"  key:    {account.key}")
        click.echo(f"  hash:   {account.hash}")
        click.echo(f"  sender: {account.senders[0]}   test number: {account.test_number}")
        body = (
            f'{{"request":{{"authentication":{{"key":"{account.key}","hash":"{account.hash}"}},'
            f'"order":{{"sender":"{account.senders[0]}","iys":"0",'
            '"message":{"text":"Merhaba","receipents":{"number":["5301234567"]}}}}}'
        )
        click.echo("Send a first message:")
        click.echo(f"  curl -s {url}/v1/send-sms/json -H 'Content-Type: application/json' -d '{body}'")
    if settings.seed:
        click.echo(f"Seed file: {settings.seed} (POST /_sandbox/reset returns to it)")
    control_url = f"http://{settings.control_host}:{settings.control_port}" if settings.control_port else url
    if settings.control_port:
        click.echo(f"Control API and inbox: {control_url}/")
    click.echo(f"Control API and inbox: {control_mode.value}")
    if control_mode is ControlMode.GENERATED:
        token = settings.control_token
        click.echo(f"  token:  {token}   (set ILETI_CONTROL_TOKEN to choose it, or --control-open)")
        click.echo(f"  inbox:  {control_url}/?token={token}")
        click.echo(f"  curl -H 'Authorization: Bearer {token}' {control_url}/_sandbox/accounts")
    serving.serve(settings)


# ---------------------------------------------------------------------------------------------- helpers


def _store_errors() -> tuple[type[Exception], ...]:
    """The errors of opening a store that are the operator's to fix, not a bug: SQLite's and SQLAlchemy's,
    and psycopg's when it is installed."""
    import sqlite3

    from sqlalchemy.exc import SQLAlchemyError

    errors: tuple[type[Exception], ...] = (sqlite3.Error, SQLAlchemyError)
    try:
        import psycopg
    except ImportError:
        return errors
    return (*errors, psycopg.Error)


def _state(ctx: click.Context) -> Cli:
    return ctx.ensure_object(Cli)


def _read_text(text: str | None) -> str:
    """`--text`, else standard input (a pipe or a file); a terminal with no --text is a usage error."""
    if text is not None:
        return text
    if sys.stdin is None or sys.stdin.isatty():
        raise click.UsageError("give the message with --text, or pipe it on standard input")
    return sys.stdin.read().removesuffix("\n")


def _parse_schedule(value: str | None) -> datetime | str | None:
    """`--schedule`: the API's `DD/MM/YYYY HH:MM`, or ISO `YYYY-MM-DD HH:MM` (Istanbul time unless an
    offset is given)."""
    if value is None:
        return None
    try:
        datetime.strptime(value, "%d/%m/%Y %H:%M")
    except ValueError:
        pass
    else:
        return value  # already the wire form
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            "use DD/MM/YYYY HH:MM or YYYY-MM-DD HH:MM (Istanbul time)", param_hint="--schedule"
        ) from None


def _today() -> date:
    return datetime.now(ISTANBUL).date()


_STATUS_COLOURS = {110: "yellow", 111: "green", 112: "red", 113: "yellow", 114: "green", 115: "red"}


def _status_label(code: int) -> str:
    """A report status's short English name (`delivered`, `completed`, …), from the `codes` enums."""
    for enum_type in (ileti.MessageStatus, ileti.OrderStatus):
        try:
            return enum_type(code).name.lower()
        except ValueError:
            continue
    return ""


def _status(code: int, *, long: bool = False) -> Text:
    """A report status as the terminal shows it: the code and its name, or (`long`) the Turkish wire
    message from `codes` as well."""
    colour = _STATUS_COLOURS.get(code, "")
    text = Text.assemble((str(code), f"bold {colour}"), " ", (_status_label(code), colour))
    if long:
        text.append(f" · {ileti.Code(code).message}")
    return text


def _table(*columns: str, title: str | None = None) -> Table:
    return Table(*columns, title=title, title_justify="left", header_style="bold", box=None, pad_edge=False)


def _pairs(title: str | None = None) -> Table:
    """A two-column name/value table without a header."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="dim")
    table.add_column()
    if title:
        table.title, table.title_justify = title, "left"
    return table


commercial_option = click.option(
    "--commercial",
    type=click.Choice(["BIREYSEL", "TACIR"]),
    default=None,
    help="A commercial message, checked against İYS consent: the İYS list to check (iys=1). "
    "Without it the message is transactional (iys=0).",
)
schedule_option = click.option(
    "--schedule", metavar="WHEN", help="Send later: DD/MM/YYYY HH:MM or YYYY-MM-DD HH:MM (Istanbul time)."
)
sender_option = click.option(
    "--sender",
    envvar="ILETI_SENDER",
    metavar="SENDER",
    help="Approved sender ID (header) [env ILETI_SENDER].",
)


# ---------------------------------------------------------------------------------------------- send


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


# ---------------------------------------------------------------------------------------------- reports


def _report_json(report: OrderReport) -> dict[str, Any]:
    data: dict[str, Any] = report.model_dump(mode="json", exclude={"messages"})
    return data


def _print_report(state: Cli, report: OrderReport) -> None:
    state.out.print(
        Text.assemble("Order ", (str(report.id), "bold"), "  ", _status(int(report.status), long=True))
    )
    table = _pairs()
    table.add_row("sender", str(report.sender))
    table.add_row(
        "messages",
        f"{report.total} total · {report.delivered} delivered · "
        f"{report.undelivered} undelivered · {report.waiting} waiting",
    )
    table.add_row("submitted", str(report.submit_at))
    table.add_row("send at", str(report.send_at))
    table.add_row("price", str(report.price))
    state.out.print(table)


def _wait_for(
    state: Cli, client: ileti.Client, order_id: int, timeout: float, interval: float
) -> OrderReport:
    """Poll get-report until the order is final, showing live progress; WaitTimeoutError after `timeout`."""
    deadline = time.monotonic() + timeout
    report: OrderReport | None = None
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=state.err,
        transient=True,
        disable=state.json,
    )
    with progress:
        task = progress.add_task(f"order {order_id}", total=None)
        while True:
            try:
                report = client.get_report(order_id)
            except ScheduleNotReachedError:  # 456: scheduled, not reportable until its send time
                progress.update(task, description=f"order {order_id} · scheduled, not reportable yet")
            else:
                # the counters are None only in the 2024 report shape, which the live API no longer sends
                total, waiting = report.total or 0, report.waiting or 0
                progress.update(
                    task,
                    total=total,
                    completed=total - waiting,
                    description=f"order {order_id} · {report.delivered} delivered · "
                    f"{report.undelivered} undelivered · {report.waiting} waiting",
                )
                if int(report.status) != int(ileti.OrderStatus.SENDING):
                    return report
            if time.monotonic() + interval > deadline:
                raise WaitTimeoutError(order_id, timeout, report)
            time.sleep(interval)


@cli.command()
@click.argument("order_id", type=int)
@click.option("--wait", is_flag=True, help="Show live progress until the order is final (114 or 115).")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0),
    default=300.0,
    show_default=True,
    help="Seconds --wait waits before giving up (exit 4).",
)
@click.option(
    "--interval",
    type=click.FloatRange(min=0.05),
    default=1.0,
    show_default=True,
    help="Seconds between polls with --wait.",
)
@click.option("--rows", is_flag=True, help="Also list every recipient with its status.")
@json_flag
@click.pass_context
def report(
    ctx: click.Context, order_id: int, wait: bool, timeout: float, interval: float, rows: bool
) -> None:
    """Delivery report of ORDER_ID (--wait: live until final)."""
    state = _state(ctx)
    with state.client() as client:
        if wait:
            result = _wait_for(state, client, order_id, timeout, interval)
        else:
            result = client.get_report(order_id)
        messages = list(client.iter_report(order_id)) if rows else []
    if state.json:
        data = _report_json(result)
        if rows:
            data["messages"] = [{"number": m.number, "status": int(m.status)} for m in messages]
        state.emit(data)
        return
    _print_report(state, result)
    if rows:
        table = _table("number", "status")
        for message in messages:
            table.add_row(message.number, _status(int(message.status)))
        state.out.print(table)


def _date_option(name: str, help_text: str) -> Callable[[F], F]:
    return click.option(name, type=click.DateTime(["%Y-%m-%d"]), default=None, help=help_text)


@cli.command()
@_date_option("--from", "First day, YYYY-MM-DD (default: today, Istanbul).")
@_date_option(
    "--to", "Last day, inclusive (default: --from). Any range: it is fetched in the windows the API allows."
)
@json_flag
@click.pass_context
def reports(ctx: click.Context, /, **dates: datetime | None) -> None:
    """Orders submitted between --from and --to."""
    state = _state(ctx)
    start = dates["from"].date() if dates["from"] else _today()
    end = dates["to"].date() if dates["to"] else start
    if end < start:
        raise click.BadParameter("--to is before --from", param_hint="--to")
    with state.client() as client:
        orders = list(client.iter_reports(start, end))
    if state.json:
        state.emit(
            {
                "from": start.isoformat(),
                "to": end.isoformat(),
                "count": len(orders),
                "orders": [order.model_dump(mode="json") for order in orders],
            }
        )
        return
    table = _table(
        "order",
        "status",
        "total",
        "delivered",
        "undelivered",
        "waiting",
        "submitted",
        "sender",
        title=f"{len(orders)} order(s) from {start} to {end}",
    )
    for order in orders:
        table.add_row(
            str(order.id),
            _status(int(order.status)),
            str(order.total),
            str(order.delivered),
            str(order.undelivered),
            str(order.waiting),
            str(order.submit_at),
            order.sender,
        )
    state.out.print(table)


# ---------------------------------------------------------------------------------------------- account


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


# ---------------------------------------------------------------------------------------------- blacklist


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


# ---------------------------------------------------------------------------------------------- consent


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
    when = consent_date or datetime.now(ISTANBUL).strftime("%Y-%m-%d %H:%M:%S")
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


# ---------------------------------------------------------------------------------------------- openapi


@cli.command()
@click.option(
    "--server",
    default=None,
    metavar="URL",
    help="Put URL in the document's servers list (e.g. http://127.0.0.1:8080).",
)
def openapi(server: str | None) -> None:
    """Print the OpenAPI 3.1 document of the iletiMerkezi API as ileti emulates it (JSON, offline).

    Generated from ileti.wire: every endpoint's JSON path, its request and 200 bodies, and each code it can
    answer with its Turkish message. A running sandbox serves the same at /_sandbox/openapi/iletimerkezi.json.
    """
    from ileti.wire.openapi import openapi_document

    click.echo(json.dumps(openapi_document(server), ensure_ascii=False, indent=2))


# ---------------------------------------------------------------------------------------------- segments


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


# ---------------------------------------------------------------------------------------------- bulk


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--text", help="Text for rows without one (a `text` column overrides it per row).")
@sender_option
@click.option(
    "--order-size",
    type=click.IntRange(min=1),
    default=1000,
    show_default=True,
    help="Recipients per order (one send-sms request each).",
)
@click.option(
    "--results",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the per-row results CSV (default: FILE with .results.csv).",
)
@schedule_option
@commercial_option
@click.option("--dry-run", is_flag=True, help="Check the file and report what would be sent; send nothing.")
@json_flag
@click.pass_context
def bulk(
    ctx: click.Context,
    file: Path,
    text: str | None,
    sender: str | None,
    order_size: int,
    results: Path | None,
    schedule: str | None,
    commercial: Literal["BIREYSEL", "TACIR"] | None,
    dry_run: bool,
) -> int:
    """Send to every row of a CSV FILE, in orders, with a results file.

    One row per recipient, an optional per-row text. Rows go out in orders of --order-size. A bad row
    (number, empty or over-long text) or a refused order never stops the run: it is marked failed in the
    results file, and the exit code is 1.

    \b
      number,text
      5301234567,Merhaba Ayşe
      +905321234567,
    """
    state = _state(ctx)
    when = _parse_schedule(schedule)
    try:
        rows = bulk_sending.read_rows(file, default_text=text)
    except bulk_sending.BulkFileError as exc:
        raise click.UsageError(str(exc)) from None
    results_path = results or file.with_name(file.stem + ".results.csv")
    try:  # find out now, not after sending, that the results cannot be written
        bulk_sending.write_results(results_path, rows)
    except OSError as exc:
        raise click.UsageError(f"cannot write the results file {results_path}: {exc.strerror}") from None
    interrupted = False
    if not dry_run:
        pending = sum(1 for row in rows if row.status is bulk_sending.RowStatus.PENDING)
        progress = Progress(
            TextColumn("sending"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=state.err,
            disable=state.json,
        )
        with state.client(sender=sender) as client, progress:
            task = progress.add_task("rows", total=pending)
            batches = bulk_sending.send_in_orders(
                client, rows, order_size=order_size, schedule=when, iys_list=commercial
            )
            try:
                for batch in batches:
                    progress.advance(task, len(batch))
            except KeyboardInterrupt:
                interrupted = True  # keep what was sent: the results file says which rows went out
    bulk_sending.write_results(results_path, rows)
    summary = bulk_sending.summarize(rows)
    _print_bulk_summary(state, summary, results_path, dry_run)
    if interrupted:
        raise KeyboardInterrupt
    if summary.unknown:
        return EXIT_TRANSPORT
    return EXIT_API_ERROR if summary.failed else EXIT_OK


def _print_bulk_summary(state: Cli, summary: bulk_sending.Summary, results_path: Path, dry_run: bool) -> None:
    if state.json:
        state.emit(
            {
                "rows": summary.rows,
                "sent": summary.sent,
                "failed": summary.failed,
                "unknown": summary.unknown,
                "orders": summary.orders,
                "parts": summary.parts,
                "reasons": dict(summary.reasons),
                "results": str(results_path),
                "dry_run": dry_run,
            }
        )
        return
    table = _pairs(title="Dry run: nothing was sent" if dry_run else "Bulk send")
    table.add_row("rows", str(summary.rows))
    if not dry_run:
        table.add_row("sent", Text(str(summary.sent), "green"))
        table.add_row("orders", str(summary.orders))
        table.add_row("SMS parts", str(summary.parts))
    table.add_row("failed", Text(str(summary.failed), "red" if summary.failed else ""))
    if summary.unknown:
        table.add_row("unknown", Text(f"{summary.unknown} (connection failed; the order may exist)", "red"))
    for reason, count in summary.reasons[:8]:
        table.add_row("", f"{count} × {reason}")
    table.add_row("results", str(results_path))
    state.out.print(table)


# ---------------------------------------------------------------------------------------------- conformance


@cli.command()
@click.option(
    "--base-url",
    "url",
    metavar="URL",
    help="Server to probe (default: the global --base-url / ILETI_BASE_URL, else the live API).",
)
@click.option("--key", metavar="KEY", help="API key (default: the global --key / ILETI_API_KEY).")
@click.option(
    "--hash", "hash_", metavar="HASH", help="API hash (default: the global --hash / ILETI_API_HASH)."
)
@sender_option
@click.option(
    "--brand-code",
    envvar="ILETI_BRAND_CODE",
    metavar="CODE",
    help="The account's İYS brand code, if it has one [env ILETI_BRAND_CODE].",
)
@click.option(
    "--compare",
    is_flag=True,
    help="Also run the battery against an in-process sandbox configured like the account.",
)
@click.option(
    "--json",
    "json_file",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write the whole record (no credentials) to this file, for a bug report.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=30.0,
    show_default=True,
    metavar="SECONDS",
    help="Seconds per request.",
)
@click.option(
    "--only",
    "patterns",
    multiple=True,
    metavar="PATTERN",
    help="Run only the probes whose name matches (shell pattern, e.g. 'send-sms/*'; repeatable).",
)
@click.option("--list", "list_only", is_flag=True, help="List the probes and what they send; send nothing.")
@click.pass_context
def conformance(
    ctx: click.Context,
    url: str | None,
    key: str | None,
    hash_: str | None,
    sender: str | None,
    brand_code: str | None,
    compare: bool,
    json_file: Path | None,
    timeout: float,
    patterns: tuple[str, ...],
    list_only: bool,
) -> int:
    """Probe a server with requests the API refuses or only reads; compare each answer with the contract.

    No probe can send an SMS or change anything (docs/conformance.md). Exit 0 when every answer agrees
    with the contract (and, with --compare, the sandbox with the server), 1 otherwise.

    \b
      ileti conformance --compare --sender ACME --json conformance.json
    """
    from ileti import conformance as battery
    from ileti.client import DEFAULT_BASE_URL
    from ileti.conformance import report

    state = _state(ctx)
    probes = [p for p in battery.battery() if not patterns or any(fnmatch(p.name, x) for x in patterns)]
    if not probes:
        raise click.UsageError(f"no probe matches {', '.join(patterns)} (see ileti conformance --list)")
    if list_only:
        if state.json:
            state.emit({"probes": report.probe_list(probes)})
        else:
            report.print_probes(state.out, probes)
        return EXIT_OK
    key, hash_ = key or state.key, hash_ or state.hash
    if not key or not hash_:
        raise click.UsageError(
            "API credentials are missing: pass --key and --hash, or set ILETI_API_KEY and ILETI_API_HASH"
        )
    if compare:
        try:  # the in-process sandbox needs the extra
            import uvicorn  # noqa: F401

            import ileti.sandbox  # noqa: F401
        except ImportError as exc:
            raise click.UsageError("--compare needs the sandbox: pip install 'ileti[sandbox]'") from exc
    base_url = url or state.base_url or DEFAULT_BASE_URL
    try:
        record = battery.check(
            base_url,
            battery.Credentials(key, hash_),
            sender=sender,
            brand_code=brand_code,
            compare=compare,
            timeout=timeout,
            probes=probes,
        )
    except battery.DiscoveryError as exc:
        if exc.no_answer:
            state.err.print(Text.assemble(("Could not talk to the server: ", "bold red"), str(exc)))
            return EXIT_TRANSPORT
        raise click.UsageError(str(exc)) from exc
    if json_file is not None:
        report.write_json(json_file, record)
    if state.json:
        state.emit(record.as_json())
    else:
        report.print_record(state.out, record)
        if json_file is not None:
            state.err.print(f"record written to {json_file}")
    return EXIT_API_ERROR if record.differing else EXIT_OK


# ---------------------------------------------------------------------------------------------- errors


def _error_json(exc: BaseException) -> dict[str, Any]:
    if isinstance(exc, ApiStatusError):
        return {
            "error": {
                "code": exc.code,
                "message": exc.message,
                "meaning": exc.meaning,
                "hint": exc.hint,
                "detail": exc.detail,
                "local": exc.local,
                "endpoint": exc.endpoint,
            }
        }
    return {"error": {"type": type(exc).__name__, "detail": str(exc)}}


def _error_text(exc: BaseException) -> Text:
    """An API error as the terminal shows it: code and Turkish message, English meaning, hint."""
    if not isinstance(exc, ApiStatusError):
        return Text(str(exc))
    text = Text.assemble((f"{exc.code} ", "bold red"), (exc.message, "red"), " · ", exc.meaning)
    if exc.detail:
        text.append(f"\n  {exc.detail}")
    if exc.hint:
        text.append(f"\n  hint: {exc.hint}", "dim")
    if exc.local:
        text.append("\n  refused locally, nothing was sent", "dim")
    return text


def _report(state: Cli, exc: BaseException, title: str, code: int) -> int:
    if state.json:
        state.emit(_error_json(exc))
    else:
        state.err.print(Text.assemble((f"{title}: ", "bold red"), _error_text(exc)))
    return code


@contextmanager
def _handle_errors(state: Cli) -> Iterator[list[int]]:
    """The one place where exceptions become messages and exit codes (yields a one-item list to fill)."""
    outcome = [EXIT_OK]
    try:
        yield outcome
    except click.exceptions.Exit as exc:
        outcome[0] = exc.exit_code
    except click.Abort:
        state.err.print("Aborted.")
        outcome[0] = EXIT_INTERRUPTED
    except click.ClickException as exc:  # usage errors (2) and the sandbox's own refusals (1)
        exc.show(file=sys.stderr)
        outcome[0] = exc.exit_code
    except KeyboardInterrupt:
        state.err.print("Interrupted.")
        outcome[0] = EXIT_INTERRUPTED
    except ApiStatusError as exc:
        outcome[0] = _report(state, exc, "Error", EXIT_API_ERROR)
    except TransportError as exc:
        where = state.base_url or "the live API"
        outcome[0] = _report(state, exc, f"Could not talk to {where}", EXIT_TRANSPORT)
        if not state.json and state.base_url and "127.0.0.1" in state.base_url:
            state.err.print("  Is the sandbox running? Start it with: ileti serve")
    except WaitTimeoutError as exc:
        outcome[0] = _report(state, exc, "Gave up waiting", EXIT_WAIT_TIMEOUT)
    except IletiError as exc:
        outcome[0] = _report(state, exc, "Error", EXIT_API_ERROR)
    except Exception as exc:  # noqa: BLE001 -- a bug in ileti: say so plainly, never a traceback (STYLE)
        outcome[0] = _report(
            state, exc, f"Internal error ({type(exc).__name__}), please report it", EXIT_INTERNAL
        )


def main(args: Sequence[str] | None = None) -> int:
    """Run one `ileti` command line (default: `sys.argv[1:]`) and return its exit code."""
    state = Cli(
        out=Console(soft_wrap=True, highlight=False),
        err=Console(stderr=True, soft_wrap=True, highlight=False),
    )
    with _handle_errors(state) as outcome:
        result = cli.main(
            args=list(args) if args is not None else None, prog_name="ileti", obj=state, standalone_mode=False
        )
        outcome[0] = result if isinstance(result, int) else EXIT_OK
    return outcome[0]
