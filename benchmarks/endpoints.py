"""Benchmark: the median latency of every /v1 endpoint of the contract, against `ileti serve` on a real
socket, as a ratio to a bare ASGI app (`sandbox_bare_app.py`) answering fixed JSON in the same run.

    python benchmarks/endpoints.py [--rounds 5] [--calls 40] [--variant name=path/to/src ...]

Each `--variant` is a source tree (a `src` directory holding `ileti`); its server runs with that tree on
`PYTHONPATH`. Without one, the tree of this checkout is measured. All servers (each variant's and the bare
app) are started first and pinned to core 0; the client runs on core 1. In every round each variant in turn
answers `--calls` calls of each endpoint, one after another on one keep-alive connection, so variants
alternate within the same minutes of this noisy machine. Per endpoint the report gives each variant's median
over all its calls, the ratio to the bare app's median, and, with two or more variants, each variant's median
relative to the first's.

The calls are what a user makes: send-sms to one new recipient list each time (a 200, a committed order),
get-report of a 1,000-recipient order's full page, blacklist add then delete of new numbers, new groups and
contacts created, read, edited and deleted, İYS consents created and shown, scheduled orders cancelled. The
answer code of each endpoint is shown so that variants are seen to do the same thing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
from child_processes import exit_on_signals, spawn, stop
from sandbox_send import free_port, pin, wait_ready

ROOT = Path(__file__).resolve().parent.parent
BRAND = "100000"
ISTANBUL = ZoneInfo("Europe/Istanbul")


@dataclass
class Variant:
    name: str
    src: Path
    base: str = ""
    server: subprocess.Popen[bytes] | None = None
    client: httpx.Client | None = None
    auth: dict[str, str] = field(default_factory=dict)
    report_order: str = ""
    group: str = ""
    contact: str = ""
    counter: int = 0


def start_variant(variant: Variant, tmp: Path) -> None:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(variant.src)}
    command = [
        *pin(0),
        sys.executable,
        "-c",
        "from ileti.cli import main; main()",
        "serve",
        "--db",
        str(tmp / f"{variant.name}.db"),
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    variant.server = spawn(command, stdout=subprocess.DEVNULL, env=env)
    variant.base = f"http://127.0.0.1:{port}"
    wait_ready(variant.base + "/readyz", variant.server)
    variant.client = httpx.Client(base_url=variant.base, timeout=30.0)
    account = variant.client.post(
        "/_sandbox/accounts",
        json={"senders": ["BENCH"], "balance": {"sms": 10**9}, "iys": {"brand_code": BRAND, "active": True}},
    ).json()
    variant.auth = {"key": account["key"], "hash": account["hash"]}
    numbers = [f"+9053{i:08d}" for i in range(1000)]
    sent = call(variant, "send-sms", {"order": order("rapor", numbers)})
    variant.report_order = sent["order"]["id"]
    variant.group = call(variant, "add-group", {"group": {"name": "kalıcı"}})["group"]["id"]
    variant.contact = call(variant, "add-contact", {"contact": {"name": "Ayşe", "gsm": "+905320000001"}})[
        "contact"
    ]["id"]


def start_bare(tmp: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    server = spawn(
        [
            *pin(0),
            sys.executable,
            "-m",
            "uvicorn",
            "sandbox_bare_app:app",
            "--port",
            str(port),
            "--loop",
            "uvloop",
            "--http",
            "httptools",
            "--log-level",
            "warning",
            "--app-dir",
            str(Path(__file__).resolve().parent),
        ],
        stdout=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    wait_ready(base + "/", server)
    return server, base


def order(text: str, numbers: list[str], when: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "sender": "BENCH",
        "iys": "0",
        "message": {"text": text, "receipents": {"number": numbers}},
    }
    if when:
        body["sendDateTime"] = when
    return body


def post(variant: Variant, endpoint: str, payload: dict[str, Any]) -> tuple[float, int, Any]:
    assert variant.client is not None
    body = orjson.dumps({"request": {"authentication": variant.auth, **payload}})
    started = time.perf_counter()
    response = variant.client.post(
        f"/v1/{endpoint}/json", content=body, headers={"Content-Type": "application/json"}
    )
    elapsed = time.perf_counter() - started
    answer = orjson.loads(response.content)["response"]
    return elapsed, int(answer["status"]["code"]), answer


def call(variant: Variant, endpoint: str, payload: dict[str, Any]) -> Any:
    _, code, answer = post(variant, endpoint, payload)
    assert code == 200, (endpoint, answer)
    return answer


Payload = Callable[[Variant], dict[str, Any]]


def fresh(variant: Variant) -> int:
    variant.counter += 1
    return variant.counter


def later() -> str:
    return (datetime.now(ISTANBUL) + timedelta(days=2)).strftime("%d/%m/%Y %H:%M")


def today() -> str:
    return datetime.now(ISTANBUL).date().isoformat()


def number(n: int) -> str:
    return f"+90544{n:07d}"


def plan() -> list[tuple[str, str, Payload, Callable[[Variant, Any], None] | None]]:
    """(label, endpoint, payload of the next call, what to remember from its answer)."""
    scheduled: dict[str, list[str]] = defaultdict(list)
    blacklisted: dict[str, list[str]] = defaultdict(list)
    groups: dict[str, list[str]] = defaultdict(list)
    contacts: dict[str, list[str]] = defaultdict(list)

    def pop(store: dict[str, list[str]], v: Variant) -> str:
        return store[v.name].pop() if store[v.name] else "0"

    def remember_number(store: dict[str, list[str]], v: Variant) -> str:
        store[v.name].append(number(fresh(v)))
        return store[v.name][-1]

    return [
        (
            "send-sms, 1 recipient",
            "send-sms",
            lambda v: {"order": order(f"m{fresh(v)}", ["+905320000001"])},
            None,
        ),
        (
            "send-sms, scheduled",
            "send-sms",
            lambda v: {"order": order(f"s{fresh(v)}", ["+905320000001"], later())},
            lambda v, a: scheduled[v.name].append(a["order"]["id"]),
        ),
        ("cancel-order", "cancel-order", lambda v: {"order": {"id": pop(scheduled, v)}}, None),
        (
            "get-report, 1,000 rows",
            "get-report",
            lambda v: {"order": {"id": v.report_order, "page": "1", "rowCount": "1000"}},
            None,
        ),
        ("get-reports", "get-reports", lambda v: {"filter": {"start": today(), "end": today()}}, None),
        ("get-balance", "get-balance", lambda v: {}, None),
        ("get-sender", "get-sender", lambda v: {}, None),
        (
            "add-blacklist",
            "add-blacklist",
            lambda v: {"blacklist": {"number": remember_number(blacklisted, v)}},
            None,
        ),
        ("get-blacklist", "get-blacklist", lambda v: {"blacklist": {"page": "1", "rowCount": "100"}}, None),
        (
            "delete-blacklist",
            "delete-blacklist",
            lambda v: {"blacklist": {"number": pop(blacklisted, v)}},
            None,
        ),
        (
            "add-group",
            "add-group",
            lambda v: {"group": {"name": f"grup {fresh(v)}"}},
            lambda v, a: groups[v.name].append(a["group"]["id"]),
        ),
        ("get-groups", "get-groups", lambda v: {}, None),
        ("get-group", "get-group", lambda v: {"group": {"id": v.group}}, None),
        ("edit-group", "edit-group", lambda v: {"group": {"id": v.group, "name": f"ad {fresh(v)}"}}, None),
        ("delete-group", "delete-group", lambda v: {"group": {"id": pop(groups, v)}}, None),
        (
            "add-contact",
            "add-contact",
            lambda v: {"contact": {"name": "Ali", "gsm": number(fresh(v)), "groups": [v.group]}},
            lambda v, a: contacts[v.name].append(a["contact"]["id"]),
        ),
        ("get-contact", "get-contact", lambda v: {"contact": {"id": v.contact}}, None),
        (
            "edit-contact",
            "edit-contact",
            lambda v: {"contact": {"id": v.contact, "name": f"Ayşe {fresh(v)}"}},
            None,
        ),
        (
            "get-group-contacts",
            "get-group-contacts",
            lambda v: {"group": {"id": v.group, "page": "1", "rowCount": "100"}},
            None,
        ),
        ("search-contacts", "search-contacts", lambda v: {"search": {"key": "Ali"}}, None),
        ("delete-contact", "delete-contact", lambda v: {"contact": {"id": pop(contacts, v)}}, None),
        (
            "consent/create",
            "consent/create",
            lambda v: {
                "consent": {
                    "brandCode": BRAND,
                    "list": [
                        {
                            "recipient": number(fresh(v)),
                            "recipientType": "BIREYSEL",
                            "type": "MESAJ",
                            "status": "ONAY",
                            "source": "HS_WEB",
                            "consentDate": datetime.now(ISTANBUL).strftime("%Y-%m-%d %H:%M:%S"),
                        }
                    ],
                }
            },
            None,
        ),
        (
            "consent/show",
            "consent/show",
            lambda v: {
                "consent": {
                    "brandCode": BRAND,
                    "recipient": number(v.counter),
                    "recipientType": "BIREYSEL",
                    "type": "MESAJ",
                }
            },
            None,
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=40, help="calls of each endpoint per round and variant")
    parser.add_argument("--variant", action="append", default=[], metavar="NAME=SRC")
    args = parser.parse_args()
    exit_on_signals()
    specs = args.variant or [f"this={ROOT / 'src'}"]
    variants = [Variant(name, Path(src).resolve()) for name, src in (s.split("=", 1) for s in specs)]
    os.sched_setaffinity(0, {1}) if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) >= 2 else None

    times: dict[tuple[str, str], list[float]] = defaultdict(list)
    codes: dict[tuple[str, str], set[int]] = defaultdict(set)
    floor: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        bare, bare_base = start_bare(Path(tmp))
        try:
            for variant in variants:
                start_variant(variant, Path(tmp))
            steps = plan()
            with httpx.Client(base_url=bare_base) as bare_client:
                body = orjson.dumps({"request": {"authentication": {"key": "k", "hash": "h"}}})
                for _ in range(50):  # warm up: connections, caches, the first calls' imports
                    bare_client.post("/v1/get-balance/json", content=body)
                for variant in variants:
                    for _, endpoint, payload, remember in steps:
                        _, code, answer = post(variant, endpoint, payload(variant))
                        if remember is not None and code == 200:
                            remember(variant, answer)
                for _ in range(args.rounds):
                    for _ in range(args.calls):
                        started = time.perf_counter()
                        bare_client.post("/v1/get-balance/json", content=body)
                        floor.append(time.perf_counter() - started)
                    for variant in variants:
                        for label, endpoint, payload, remember in steps:
                            for _ in range(args.calls):
                                elapsed, code, answer = post(variant, endpoint, payload(variant))
                                times[variant.name, label].append(elapsed)
                                codes[variant.name, label].add(code)
                                if remember is not None and code == 200:
                                    remember(variant, answer)
        finally:
            for variant in variants:
                if variant.client is not None:
                    variant.client.close()
                if variant.server is not None:
                    stop(variant.server)
            stop(bare)

    floor_median = statistics.median(floor)
    print(
        f"bare ASGI app (floor): median {floor_median * 1000:.2f} ms over {len(floor)} calls; "
        f"{args.rounds} rounds x {args.calls} calls per endpoint and variant"
    )
    names = [v.name for v in variants]
    header = ["endpoint"] + [f"{n} ms (x floor)" for n in names]
    header += [f"{n} / {names[0]}" for n in names[1:]] + ["codes"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for label, _, _, _ in plan():
        medians = [statistics.median(times[n, label]) for n in names]
        row = [label] + [f"{m * 1000:.2f} ({m / floor_median:.1f}x)" for m in medians]
        row += [f"{m / medians[0]:.2f}" for m in medians[1:]]
        row.append(" ".join(f"{n}:{','.join(map(str, sorted(codes[n, label])))}" for n in names))
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
