"""`ileti bulk` through the real command: thousands of rows with bad ones mixed in, refused orders, dry runs.

A row of empty cells only is a blank line, not a recipient; a row with a text and no number is a bad row.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

from .conftest import Ileti

LONG_TEXT = "Uzun mesaj " * 200  # far beyond 7 parts


def write_csv(
    path: Path, rows: list[list[str]], header: list[str] | None = None, delimiter: str = ","
) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        if header:
            writer.writerow(header)
        writer.writerows(rows)
    return path


def read_results(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def mixed_rows(count: int) -> tuple[list[list[str]], dict[int, str]]:
    """`count` recipient rows, some with their own text, and the expected failure code per bad line."""
    rows: list[list[str]] = []
    bad: dict[int, str] = {}
    for i in range(count):
        line = i + 2  # the header is line 1
        number = f"053{i % 10}{i:07d}"  # 0530…, 0531…: every prefix 530–539 is Turkcell
        text = f"Merhaba {i}" if i % 3 == 0 else ""  # the others take the --text default
        if i % 97 == 13:
            number, bad[line] = "12345", "452"
        elif i % 101 == 7:
            number, text, bad[line] = "", "Numarasız satır", "452"
        elif i % 89 == 5:
            text, bad[line] = LONG_TEXT, "453"
        elif i % 113 == 11:
            number, bad[line] = "+49 151 12345678", "452"
        rows.append([number, text])
    return rows, bad


def test_bulk_sends_thousands_of_rows_and_reports_every_bad_one(ileti: Ileti, tmp_path: Path) -> None:
    rows, bad = mixed_rows(3000)
    source = write_csv(tmp_path / "customers.csv", rows, header=["number", "text"])

    run = ileti("bulk", str(source), "--text", "Kampanya başladı", "--order-size", "500", "--json")

    assert run.code == 1, run.text  # some rows failed; the run still finished
    summary = run.json()
    valid = 3000 - len(bad)
    assert (summary["rows"], summary["sent"], summary["failed"]) == (3000, valid, len(bad))
    assert summary["unknown"] == 0
    assert summary["orders"] == math.ceil(valid / 500)

    results = read_results(tmp_path / "customers.results.csv")
    assert [int(r["line"]) for r in results] == list(range(2, 3002))
    failed = {int(r["line"]): r["code"] for r in results if r["status"] == "failed"}
    assert failed == bad
    assert all(r["order_id"] for r in results if r["status"] == "sent")

    messages = ileti.sandbox.messages(account=ileti.sandbox.key, limit=100_000)
    assert len(messages) == valid
    texts = {m["to"]: m["text"] for m in messages}
    assert texts["+905300000000"] == "Merhaba 0"  # a row with its own text
    assert texts["+905310000001"] == "Kampanya başladı"  # a row without one


def test_a_refused_order_marks_its_rows_and_the_run_goes_on(ileti: Ileti, tmp_path: Path) -> None:
    poor = ileti.sandbox.create_account(balance={"sms": 250}, senders=["ACME"])
    source = write_csv(tmp_path / "list.csv", [[f"0532{i:07d}"] for i in range(600)], header=["telefon"])

    run = ileti(
        "bulk",
        str(source),
        "--text",
        "Merhaba",
        "--order-size",
        "200",
        "--sender",
        "ACME",
        "--results",
        str(tmp_path / "out.csv"),
        env={"ILETI_API_KEY": poor["key"], "ILETI_API_HASH": poor["hash"]},
    )

    assert run.code == 1, run.text
    assert "402" in run.out  # the summary names the reason
    results = read_results(tmp_path / "out.csv")
    assert [r["status"] for r in results[:200]] == ["sent"] * 200
    assert {(r["status"], r["code"]) for r in results[200:]} == {("failed", "402")}
    assert len({r["order_id"] for r in results[:200]}) == 1


def test_dry_run_checks_a_headerless_semicolon_file_and_sends_nothing(ileti: Ileti, tmp_path: Path) -> None:
    rows = [["5301234567", "Selam"], ["5991234567", "Selam"], ["5321234567", ""]]
    source = write_csv(tmp_path / "plain.csv", rows, delimiter=";")

    run = ileti("bulk", str(source), "--dry-run", "--json")

    assert run.code == 1  # two bad rows: a made-up prefix and an empty text without --text
    summary = run.json()
    assert (summary["rows"], summary["failed"], summary["sent"]) == (3, 2, 0)
    assert ileti.sandbox.messages() == []
    results = read_results(tmp_path / "plain.results.csv")
    assert [(r["line"], r["status"], r["code"]) for r in results] == [
        ("1", "pending", ""),
        ("2", "failed", "452"),
        ("3", "failed", "454"),
    ]


def test_a_file_without_a_number_column_is_a_usage_error(ileti: Ileti, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "wrong.csv", [["Ayşe", "x"]], header=["name", "text"])
    run = ileti("bulk", str(source))
    assert run.code == 2
    assert "no number column" in run.err


def test_an_unwritable_results_file_stops_the_run_before_sending(ileti: Ileti, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "list.csv", [["5301234567"]], header=["number"])
    run = ileti("bulk", str(source), "--text", "x", "--results", str(tmp_path / "missing" / "out.csv"))
    assert run.code == 2
    assert "cannot write the results file" in run.err
    assert ileti.sandbox.messages() == []
