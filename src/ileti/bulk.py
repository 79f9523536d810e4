"""Bulk sending from a CSV file: one row per recipient, an optional text per row, sent in orders of a fixed
size (`ileti bulk`). A library module: it never prints; the CLI shows progress and the summary.

    rows = read_rows("customers.csv", default_text="Kampanya başladı")
    for batch in send_in_orders(client, rows, order_size=1000, sender="ACME"):
        ...                                   # progress: `batch` rows now carry their outcome
    write_results("customers.results.csv", rows)

A row that cannot be sent (a bad number, an empty or over-long text) is marked failed before anything is
sent; an order the API refuses (402, 451, …) marks its rows failed with that code; a connection failure
marks them `unknown` when the order may have been created. None of these stops the run.

The file: UTF-8 (an Excel BOM is fine), comma, semicolon or tab separated. A header row names the columns:
the number is `number` (or `phone`, `gsm`, `to`, `recipient`, `numara`, `telefon`), the text `text` (or
`message`, `mesaj`, `body`). Without a header the first column is the number and the second, if any, the text.
"""

from __future__ import annotations

import csv
import enum
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

from ileti import phone
from ileti.client.errors import ApiStatusError, TransportError
from ileti.client.models import Message, SentOrder
from ileti.codes import Code
from ileti.text import analyze

if TYPE_CHECKING:
    from _csv import Reader  # the type `csv.reader` returns

__all__ = [
    "NUMBER_COLUMNS",
    "TEXT_COLUMNS",
    "BulkFileError",
    "BulkRow",
    "RowStatus",
    "Sender",
    "Summary",
    "order_messages",
    "read_rows",
    "send_in_orders",
    "summarize",
    "write_results",
]

NUMBER_COLUMNS = ("number", "phone", "gsm", "to", "recipient", "numara", "telefon")
TEXT_COLUMNS = ("text", "message", "mesaj", "body")
RESULT_COLUMNS = ("line", "number", "status", "order_id", "code", "error")


class RowStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"  # accepted by the API in an order (delivery is then the carrier's business)
    FAILED = "failed"  # refused locally or by the API: nothing was created for it
    UNKNOWN = "unknown"  # the connection failed after the request may have reached the server


class BulkFileError(ValueError):
    """The file cannot be used at all (unreadable, empty, no number column): a usage error."""


@dataclass(slots=True)
class BulkRow:
    """One recipient row and what became of it."""

    line: int  # line in the file, 1-based (the header is line 1 when there is one)
    raw_number: str
    text: str
    number: str | None = None  # normalised "+905…" once valid
    parts: int = 0
    status: RowStatus = RowStatus.PENDING
    order_id: int | None = None
    code: int | None = None
    error: str | None = None

    def fail(self, error: str, code: int | None = None, status: RowStatus = RowStatus.FAILED) -> None:
        self.status, self.error, self.code = status, error, code


class Sender(Protocol):
    """What `send_in_orders` needs from a client (`ileti.Client.send_sms`)."""

    def send_sms(
        self,
        to: None = None,
        text: None = None,
        *,
        messages: Sequence[Message],
        sender: str | None = None,
        schedule: datetime | str | None = None,
        iys: bool = False,
        iys_list: Literal["BIREYSEL", "TACIR"] | None = None,
    ) -> SentOrder: ...


def _code_error(code: Code) -> str:
    return f"{int(code)} {code.meaning}"


def _validate(row: BulkRow) -> None:
    """Refuse locally what the API would refuse or silently drop (CONTRACT §7, §8, OQ-6)."""
    if not row.raw_number.strip():
        row.fail("no number in this row", int(Code.INVALID_RECIPIENTS))
        return
    try:
        row.number = phone.normalize(row.raw_number)
    except phone.InvalidPhoneNumber as exc:
        row.fail(f"invalid number: {exc.detail}", int(Code.INVALID_RECIPIENTS))
        return
    if not row.text.strip():
        row.fail(_code_error(Code.EMPTY_TEXT), int(Code.EMPTY_TEXT))
        return
    sms = analyze(row.text)
    if sms.too_long:
        row.fail(
            f"{_code_error(Code.ORDER_TOO_LARGE)}: {sms.parts} parts in {sms.encoding.value}",
            int(Code.ORDER_TOO_LARGE),
        )
        return
    row.parts = sms.parts


def _layout(header: Sequence[str]) -> tuple[int, int | None] | None:
    names = [cell.strip().lower() for cell in header]
    number = next((names.index(name) for name in NUMBER_COLUMNS if name in names), None)
    if number is None:
        return None
    text = next((names.index(name) for name in TEXT_COLUMNS if name in names), None)
    return number, text


def _records(reader: Reader) -> list[tuple[int, list[str]]]:
    """Each record with the file line it starts on (a quoted text may span several lines)."""
    records = []
    line = 1
    for record in reader:
        records.append((line, record))
        line = reader.line_num + 1
    return records


def read_rows(path: str | Path, *, default_text: str | None = None) -> list[BulkRow]:
    """Every data row of the CSV file, validated; raises `BulkFileError` when the file is unusable."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            sample = handle.read(8192)
            handle.seek(0)
            try:
                dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
            except csv.Error:
                dialect = csv.excel  # one column, or nothing to tell from: commas
            records = _records(csv.reader(handle, dialect))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise BulkFileError(f"cannot read {path}: {exc}") from exc
    if not records:
        raise BulkFileError(f"{path} is empty")
    header = records[0][1]
    layout = _layout(header)
    if layout is None:
        if not header or phone.try_normalize(header[0]) is None:
            raise BulkFileError(
                f"{path}: no number column; name it one of {', '.join(NUMBER_COLUMNS)} in a header row"
            )
        layout = (0, 1 if len(header) > 1 else None)
    else:
        records = records[1:]
    number_at, text_at = layout
    rows = []
    for line, record in records:
        if not any(cell.strip() for cell in record):
            continue  # blank lines are not recipients
        raw = record[number_at] if number_at < len(record) else ""
        text = record[text_at] if text_at is not None and text_at < len(record) else ""
        row = BulkRow(line=line, raw_number=raw.strip(), text=text if text.strip() else (default_text or ""))
        _validate(row)
        rows.append(row)
    return rows


def order_messages(batch: Sequence[BulkRow]) -> list[Message]:
    """One message block per distinct text, in the order the texts first appear (one order, many texts)."""
    numbers: dict[str, list[str]] = {}
    for row in batch:
        assert row.number is not None
        numbers.setdefault(row.text, []).append(row.number)
    return [Message(text, to) for text, to in numbers.items()]


def send_in_orders(
    client: Sender,
    rows: Sequence[BulkRow],
    *,
    order_size: int,
    sender: str | None = None,
    schedule: datetime | str | None = None,
    iys_list: Literal["BIREYSEL", "TACIR"] | None = None,
) -> Iterator[list[BulkRow]]:
    """Send the valid pending rows in orders of at most `order_size` rows; yield each batch once done.

    A refused order fails its rows with the code; a transport failure marks them `unknown` when the order
    may exist (the client never retries a send that may have reached the server) and failed otherwise.
    """
    if order_size < 1:
        raise ValueError("order_size must be at least 1")
    pending = [row for row in rows if row.status is RowStatus.PENDING]
    for start in range(0, len(pending), order_size):
        batch = pending[start : start + order_size]
        try:
            order = client.send_sms(
                messages=order_messages(batch),
                sender=sender,
                schedule=schedule,
                iys=iys_list is not None,
                iys_list=iys_list,
            )
        except ApiStatusError as exc:
            for row in batch:
                row.fail(f"{exc.code} {exc.meaning} ({exc.message})", exc.code)
        except TransportError as exc:
            maybe = exc.may_have_reached_server
            for row in batch:
                detail = f"{type(exc).__name__}: {exc}"
                row.fail(
                    detail + ("; the order may have been created" if maybe else ""),
                    status=RowStatus.UNKNOWN if maybe else RowStatus.FAILED,
                )
        else:
            for row in batch:
                row.status, row.order_id = RowStatus.SENT, order.id
        yield batch


def write_results(path: str | Path, rows: Sequence[BulkRow]) -> None:
    """One line per input row: line, number, status, order id, code, error."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(RESULT_COLUMNS)
        for row in rows:
            writer.writerow(
                [
                    row.line,
                    row.number or row.raw_number,
                    row.status.value,
                    "" if row.order_id is None else row.order_id,
                    "" if row.code is None else row.code,
                    row.error or "",
                ]
            )


@dataclass(frozen=True, slots=True)
class Summary:
    rows: int
    sent: int
    failed: int
    unknown: int
    orders: int
    parts: int  # SMS parts in the accepted orders (what they cost before refunds of undelivered messages)
    reasons: list[tuple[str, int]]  # failure reasons, most frequent first


def summarize(rows: Sequence[BulkRow]) -> Summary:
    counts = dict.fromkeys(RowStatus, 0)
    reasons: dict[str, int] = {}
    for row in rows:
        counts[row.status] += 1
        if row.status in (RowStatus.FAILED, RowStatus.UNKNOWN):
            # the reason without its row-specific detail (after the colon): "invalid number", "402 …"
            key = (row.error or "unknown").split(":", 1)[0]
            reasons[key] = reasons.get(key, 0) + 1
    sent = [row for row in rows if row.status is RowStatus.SENT]
    return Summary(
        rows=len(rows),
        sent=counts[RowStatus.SENT],
        failed=counts[RowStatus.FAILED],
        unknown=counts[RowStatus.UNKNOWN],
        orders=len({row.order_id for row in sent}),
        parts=sum(row.parts for row in sent),
        reasons=sorted(reasons.items(), key=lambda item: (-item[1], item[0])),
    )
