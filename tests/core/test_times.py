"""`ileti.times`: the Istanbul zone and the API's schedule and timestamp forms, shared by both sides."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from ileti import times


def test_istanbul_is_utc_plus_three() -> None:
    assert datetime(2026, 7, 1, 12, 0, tzinfo=times.ISTANBUL).utcoffset() == timedelta(hours=3)
    assert datetime(2026, 1, 1, 12, 0, tzinfo=times.ISTANBUL).utcoffset() == timedelta(hours=3)


def test_a_naive_datetime_keeps_its_wall_time_and_an_aware_one_is_converted() -> None:
    naive = datetime(2026, 3, 1, 9, 30)
    assert times.in_istanbul(naive) == datetime(2026, 3, 1, 9, 30, tzinfo=times.ISTANBUL)
    assert times.in_istanbul(datetime(2026, 3, 1, 9, 30, tzinfo=UTC)).hour == 12


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (datetime(2026, 3, 1, 9, 5), "01/03/2026 09:05"),
        (datetime(2026, 3, 1, 9, 5, 59), "01/03/2026 09:05"),  # seconds dropped (OQ-10)
        (datetime(2026, 12, 31, 22, 0, tzinfo=UTC), "01/01/2027 01:00"),
        (datetime(2026, 3, 1, 9, 5, tzinfo=timezone(timedelta(hours=3))), "01/03/2026 09:05"),
    ],
)
def test_format_schedule(when: datetime, expected: str) -> None:
    assert times.format_schedule(when) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("01/03/2026 09:05", datetime(2026, 3, 1, 9, 5)),
        ("29/02/2028 23:59", datetime(2028, 2, 29, 23, 59)),
        ("29/02/2026 10:00", None),  # not a leap year
        ("31/04/2026 10:00", None),
        ("01/03/2026 24:00", None),
        ("01/03/2026 09:05:00", None),  # with seconds: another form
        ("1/3/2026 09:05", None),  # fields are two digits (four for the year)
        ("2026-03-01 09:05", None),
        (" 01/03/2026 09:05", None),  # exactly; `checks.parse_schedule` strips first
        ("", None),
    ],
)
def test_parse_schedule(text: str, expected: datetime | None) -> None:
    assert times.parse_schedule(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("01/03/2026 09:05:07", True), ("01/03/2026 09:05", False), ("01/03/2026 09:05:7", False)],
)
def test_schedule_has_seconds(text: str, expected: bool) -> None:
    assert times.schedule_has_seconds(text) is expected


def test_timestamps_round_trip_through_epoch_seconds() -> None:
    ts = times.parse_timestamp("2026-03-01 09:05:07")
    assert ts == datetime(2026, 3, 1, 6, 5, 7, tzinfo=UTC).timestamp()
    assert times.format_timestamp(ts) == "2026-03-01 09:05:07"


def test_format_timestamp_takes_a_datetime_too() -> None:
    assert times.format_timestamp(datetime(2026, 3, 1, 6, 5, 7, tzinfo=UTC)) == "2026-03-01 09:05:07"
    assert times.format_timestamp(datetime(2026, 3, 1, 6, 5, 7)) == "2026-03-01 06:05:07"  # naive: Istanbul


def test_a_time_past_what_a_date_holds_prints_as_the_last_or_first_second() -> None:
    assert times.format_timestamp(1e20) == "9999-12-31 23:59:59"
    assert times.format_timestamp(-1e20) == "0001-01-01 00:00:00"


@pytest.mark.parametrize(
    "text", ["2026-03-01", "01/03/2026 09:05", "2026-03-01T09:05:07", "2026-02-30 10:00:00"]
)
def test_parse_timestamp_refuses_another_form(text: str) -> None:
    with pytest.raises(ValueError):
        times.parse_timestamp(text)


def test_local_date_is_the_istanbul_day() -> None:
    assert times.local_date(datetime(2026, 3, 1, 20, 59, tzinfo=UTC).timestamp()) == date(2026, 3, 1)
    assert times.local_date(datetime(2026, 3, 1, 21, 0, tzinfo=UTC).timestamp()) == date(2026, 3, 2)


def test_today_is_the_istanbul_date_now() -> None:
    before = datetime.now(times.ISTANBUL).date()
    assert times.today() in {before, before + timedelta(days=1)}


def test_day_bounds_span_whole_istanbul_days() -> None:
    start, end = times.day_bounds(date(2026, 3, 1), date(2026, 3, 2))
    assert start == datetime(2026, 2, 28, 21, 0, tzinfo=UTC).timestamp()
    assert end - start == 2 * 86400
    assert times.local_date(start) == date(2026, 3, 1)
    assert times.local_date(end - 1) == date(2026, 3, 2)
    assert times.local_date(end) == date(2026, 3, 3)
