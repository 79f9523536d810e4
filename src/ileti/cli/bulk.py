"""`ileti bulk`: send to every row of a CSV file."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from ileti import bulk as bulk_sending
from ileti.cli.base import (
    EXIT_API_ERROR,
    EXIT_OK,
    EXIT_TRANSPORT,
    Cli,
    _pairs,
    _parse_schedule,
    _state,
    cli,
    commercial_option,
    json_flag,
    schedule_option,
    sender_option,
)


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
