"""What every command shares: the exit codes, the global options and `ctx.obj`, the `ileti` group,
the terminal helpers and the options several commands take."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

import ileti
from ileti import __version__, times
from ileti.client.errors import ApiStatusError

EXIT_OK = 0
EXIT_API_ERROR = 1
EXIT_USAGE = 2
EXIT_TRANSPORT = 3
EXIT_WAIT_TIMEOUT = 4
EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130

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
        datetime.strptime(value, times.SCHEDULE_FORMAT)
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


def _date_option(name: str, help_text: str) -> Callable[[F], F]:
    return click.option(name, type=click.DateTime(["%Y-%m-%d"]), default=None, help=help_text)


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
