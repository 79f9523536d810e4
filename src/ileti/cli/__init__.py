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

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import click
from rich.console import Console
from rich.text import Text

# Each command module registers its commands on `cli` when imported.
from ileti.cli import (  # noqa: F401
    account,
    blacklist,
    bulk,
    conformance,
    consent,
    openapi,
    report,
    segments,
    send,
    serve,
)
from ileti.cli.base import (
    EXIT_API_ERROR,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TRANSPORT,
    EXIT_USAGE,
    EXIT_WAIT_TIMEOUT,
    Cli,
    _error_json,
    _error_text,
    cli,
)
from ileti.client.errors import ApiStatusError, IletiError, TransportError, WaitTimeoutError

__all__ = [
    "EXIT_API_ERROR",
    "EXIT_INTERNAL",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_TRANSPORT",
    "EXIT_USAGE",
    "EXIT_WAIT_TIMEOUT",
    "cli",
    "main",
]


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
