"""`ileti report` and `ileti reports`: one order's report, or the orders of a date range."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

import ileti
from ileti.cli.base import (
    Cli,
    _date_option,
    _pairs,
    _state,
    _status,
    _table,
    cli,
    json_flag,
)
from ileti.client import OrderReport
from ileti.client.errors import (
    ScheduleNotReachedError,
    WaitTimeoutError,
)
from ileti.times import today


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
    start = dates["from"].date() if dates["from"] else today()
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
