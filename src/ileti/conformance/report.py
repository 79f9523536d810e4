"""One report: the record as a Rich table (contract expectation · sandbox · live, differences marked) and as
a JSON file for a bug report."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ileti.conformance.probes import Expected, Probe, Profile
from ileti.conformance.runner import Observation
from ileti.conformance.session import Record

__all__ = ["print_probes", "print_record", "probe_list", "write_json"]


def _expected(expected: Expected) -> Text:
    return Text(
        str(expected.code)
        if expected.code == expected.http_status
        else f"{expected.code} (http {expected.http_status})"
    )


def _answer(answer: Observation, conforms: bool) -> Text:
    if answer.skipped:
        return Text("skipped", "dim")
    if answer.http_status is None:
        return Text("no answer", "bold red")
    label = str(answer.code) if answer.code is not None else "?"
    if answer.http_status != answer.code:
        label += f" (http {answer.http_status})"
    return Text(label, "green" if conforms else "bold red")


def print_record(console: Console, record: Record) -> None:
    """The table, then a one-line verdict."""
    labels = record.labels
    table = Table(
        "probe",
        "contract",
        *labels,
        "differences",
        header_style="bold",
        box=None,
        pad_edge=False,
        title=f"ileti conformance · {record.base_url}",
        title_justify="left",
    )
    for result in record.results:
        cells = [Text(result.probe.name, "bold red" if result.differs else ""), _expected(result.expected)]
        cells += [_answer(result.answers[label], not result.differences.get(label)) for label in labels]
        notes = Text()
        for where, items in result.differences.items():
            for item in items:
                if notes:
                    notes.append("\n")
                notes.append(f"{where}: ", "bold")
                notes.append(item, "red")
        if not notes and any(a.skipped for a in result.answers.values()):
            notes = Text(next(a.skipped for a in result.answers.values() if a.skipped) or "", "dim")
        table.add_row(*cells, notes)
    console.print(table)
    differing, total = len(record.differing), len(record.results)
    skipped = sum(1 for r in record.results if any(a.skipped for a in r.answers.values()))
    tail = f" ({skipped} skipped)" if skipped else ""
    if differing:
        console.print(Text(f"✗ {differing} of {total} probes differ{tail}", "bold red"))
    else:
        console.print(Text(f"✓ all {total} probes agree{tail}", "bold green"))
    times = []
    for label in labels:
        answered = [r.answers[label].elapsed_ms for r in record.results if r.answers[label].http_status]
        if answered:
            times.append(
                f"{label} median {statistics.median(answered):.1f} ms, slowest {max(answered):.0f} ms"
            )
    if times:
        console.print(Text("answer times: " + "; ".join(times), "dim"))


def write_json(path: Path, record: Record) -> None:
    path.write_text(json.dumps(record.as_json(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


_PLAIN = Profile(senders=(), sender=None, iys_active=False)
_IYS = Profile(senders=(), sender=None, iys_active=True)


def probe_list(probes: list[Probe]) -> list[dict[str, object]]:
    """What each probe sends and expects, without credentials or a server (`--list`)."""
    out: list[dict[str, object]] = []
    for probe in probes:
        plain, iys = probe.expected(_PLAIN).code, probe.expected(_IYS).code
        out.append(
            {
                "name": probe.name,
                "endpoint": probe.endpoint,
                "variant": probe.variant,
                "about": probe.about,
                "safety": probe.safety.value,
                "expected": plain,
                "expected_with_iys": iys,
            }
        )
    return out


def print_probes(console: Console, probes: list[Probe]) -> None:
    table = Table(
        "probe", "variant", "contract", "safety", "request", header_style="bold", box=None, pad_edge=False
    )
    for item in probe_list(probes):
        plain, iys = item["expected"], item["expected_with_iys"]
        expected = str(plain) if plain == iys else f"{plain}; {iys} with İYS"
        table.add_row(
            str(item["name"]), str(item["variant"]), expected, str(item["safety"]), str(item["about"])
        )
    console.print(table)
    console.print(
        Text(f"{len(probes)} probes; none can send an SMS or change anything (docs/conformance.md)", "dim")
    )
