"""`ileti conformance`: probe a server against the contract."""

from __future__ import annotations

from fnmatch import fnmatch
from pathlib import Path

import click
from rich.text import Text

from ileti.cli.base import (
    EXIT_API_ERROR,
    EXIT_OK,
    EXIT_TRANSPORT,
    _state,
    cli,
    sender_option,
)


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
