"""`ileti.bulk` in process: reading CSV files of every shape, checking rows, grouping texts into orders."""

from __future__ import annotations

from pathlib import Path

import pytest

from ileti import Message
from ileti.bulk import BulkFileError, RowStatus, order_messages, read_rows, summarize


def write(tmp_path: Path, content: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "rows.csv"
    path.write_text(content, encoding=encoding)
    return path


@pytest.mark.parametrize(
    ("content", "encoding"),
    [
        ("number,text\n5301234567,Merhaba\n", "utf-8"),
        ("\ufeffTelefon;Mesaj\n0530 123 45 67;Merhaba\n", "utf-8"),  # Excel: BOM, semicolons, Turkish headers
        ("gsm\tbody\n+905301234567\tMerhaba\n", "utf-8"),
        ("5301234567,Merhaba\n", "utf-8"),  # no header
    ],
    ids=["comma", "excel-semicolon-bom", "tab", "headerless"],
)
def test_files_of_every_common_shape_read_the_same(tmp_path: Path, content: str, encoding: str) -> None:
    [row] = read_rows(write(tmp_path, content, encoding))
    assert (row.number, row.text, row.status) == ("+905301234567", "Merhaba", RowStatus.PENDING)
    assert row.parts == 1


def test_rows_without_text_take_the_default_and_blank_lines_are_skipped(tmp_path: Path) -> None:
    rows = read_rows(
        write(tmp_path, "number,text\n5301234567,\n\n,\n5321234567,Kendi metni\n"), default_text="Varsayılan"
    )
    assert [(r.line, r.text) for r in rows] == [(2, "Varsayılan"), (5, "Kendi metni")]


@pytest.mark.parametrize(
    ("line", "code", "error"),
    [
        ("abc,Merhaba", 452, "invalid number"),
        ("5991234567,Merhaba", 452, "invalid number"),
        (",Merhaba", 452, "no number"),
        ("5301234567,", 454, "454"),
        ("5301234567," + "ğ" * 1100, 453, "453"),
    ],
    ids=["letters", "unknown-prefix", "no-number", "empty-text", "too-long"],
)
def test_bad_rows_fail_locally_with_the_code_the_api_would_give(
    tmp_path: Path, line: str, code: int, error: str
) -> None:
    [row] = read_rows(write(tmp_path, "number,text\n" + line + "\n"))
    assert row.status is RowStatus.FAILED
    assert row.code == code
    assert error in (row.error or "")


def test_a_file_that_cannot_be_used_is_a_bulk_file_error(tmp_path: Path) -> None:
    with pytest.raises(BulkFileError, match="no number column"):
        read_rows(write(tmp_path, "name,text\nAyşe,x\n"))
    with pytest.raises(BulkFileError, match="empty"):
        read_rows(write(tmp_path, ""))
    with pytest.raises(BulkFileError, match="cannot read"):
        read_rows(tmp_path / "missing.csv")
    with pytest.raises(BulkFileError, match="cannot read"):
        read_rows(write(tmp_path, "number\n5301234567\n", encoding="utf-16"))


def test_one_order_holds_one_message_block_per_text_in_first_seen_order(tmp_path: Path) -> None:
    rows = read_rows(write(tmp_path, "number,text\n5301234567,B\n5321234567,A\n5441234567,B\n"))
    assert order_messages(rows) == [
        Message("B", ["+905301234567", "+905441234567"]),
        Message("A", ["+905321234567"]),
    ]


def test_summary_counts_outcomes_and_groups_reasons(tmp_path: Path) -> None:
    rows = read_rows(write(tmp_path, "number,text\nabc,x\nxyz,x\n5301234567,\n5321234567,ok\n"))
    summary = summarize(rows)
    assert (summary.rows, summary.failed, summary.sent) == (4, 3, 0)
    assert summary.reasons == [("invalid number", 2), ("454 Empty message text", 1)]


def test_line_numbers_are_file_lines_even_after_a_text_of_several_lines(tmp_path: Path) -> None:
    rows = read_rows(write(tmp_path, 'number,text\n5301234567,"iki\nsatır"\nabc,x\n'))
    assert [(r.line, r.text, r.status) for r in rows] == [
        (2, "iki\nsatır", RowStatus.PENDING),
        (4, "x", RowStatus.FAILED),
    ]
