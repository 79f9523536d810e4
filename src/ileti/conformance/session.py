"""One conformance run: learn the account's profile, run the battery against the server (and, with `compare`,
against an in-process sandbox configured like the account), and compare every answer.

    record = check("https://api.iletimerkezi.com", Credentials(key, hash), sender="ACME", compare=True)
    record.differing        # the probes where contract, sandbox and live do not all agree
    record.as_json()        # the whole record, without credentials
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ileti import __version__
from ileti.conformance.compare import against_contract, between
from ileti.conformance.probes import (
    REDACTED,
    Credentials,
    Expected,
    Probe,
    Profile,
    Setup,
    battery,
    xml_available,
)
from ileti.conformance.runner import Observation, Target, discover, existing_order, run
from ileti.times import in_istanbul

__all__ = ["LIVE", "SANDBOX", "SERVER", "ProbeResult", "Record", "check"]

SANDBOX, LIVE, SERVER = "sandbox", "live", "server"
"""Answer labels: with `compare`, the in-process sandbox and the probed URL; without, the probed URL."""

_BODY_SHOWN = 2000  # characters of a request body kept in the record


@dataclass(slots=True)
class ProbeResult:
    probe: Probe
    expected: Expected
    answers: dict[str, Observation]
    differences: dict[str, list[str]] = field(default_factory=dict)

    @property
    def differs(self) -> bool:
        return any(self.differences.values())


@dataclass(slots=True)
class Record:
    base_url: str
    profile: Profile
    compare: bool
    started_at: str
    results: list[ProbeResult]

    @property
    def differing(self) -> list[ProbeResult]:
        return [r for r in self.results if r.differs]

    @property
    def labels(self) -> tuple[str, ...]:
        return (SANDBOX, LIVE) if self.compare else (SERVER,)

    def as_json(self) -> dict[str, Any]:
        """The whole record for a bug report: requests with the credentials replaced, every answer's status,
        message, field types and time; never a credential or a payload value."""
        day = in_istanbul(datetime.fromisoformat(self.started_at)).date()
        setup = Setup(REDACTED, self.profile, day, order_id="<order id>")
        return {
            "tool": f"ileti conformance {__version__}",
            "started_at": self.started_at,
            "base_url": self.base_url,
            "compare": self.compare,
            "profile": {
                "sender": self.profile.sender,
                "senders": len(self.profile.senders),
                "iys_active": self.profile.iys_active,
                "brand_code": self.profile.brand_code,
            },
            "summary": {
                "probes": len(self.results),
                "differing": len(self.differing),
                "skipped": sum(1 for r in self.results if any(a.skipped for a in r.answers.values())),
            },
            "probes": [_probe_json(r, setup) for r in self.results],
        }


def _request_json(probe: Probe, setup: Setup) -> dict[str, Any]:
    if probe.variant != "json" and not xml_available():
        return {}
    request = probe.build(setup)
    out: dict[str, Any] = {"method": request.method, "path": request.path}
    if request.query:
        out["query"] = dict(request.query)
    if request.body is not None:
        body = request.body.decode("utf-8", "replace")
        out["content_type"] = request.content_type
        out["body"] = (
            body if len(body) <= _BODY_SHOWN else f"{body[:_BODY_SHOWN]}… ({len(request.body)} bytes)"
        )
    return out


def _probe_json(result: ProbeResult, setup: Setup) -> dict[str, Any]:
    probe, expected = result.probe, result.expected
    return {
        "name": probe.name,
        "about": probe.about,
        "endpoint": probe.endpoint,
        "variant": probe.variant,
        "safety": probe.safety.value,
        "request": _request_json(probe, setup),
        "expected": {
            "http_status": expected.http_status,
            "code": expected.code,
            "message": expected.message,
            "media_type": expected.media_type,
            "fields": dict(expected.fields),
        },
        "answers": {label: answer.as_dict() for label, answer in result.answers.items()},
        "differences": result.differences,
    }


def public_url(url: str) -> str:
    """The URL without user info, query or fragment (nothing secret goes into the record)."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    if parts.port:
        netloc += f":{parts.port}"
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))


def check(
    base_url: str,
    credentials: Credentials,
    *,
    sender: str | None = None,
    brand_code: str | None = None,
    compare: bool = False,
    timeout: float = 30.0,
    probes: list[Probe] | None = None,
) -> Record:
    """Run the battery; raises `runner.DiscoveryError` when the server will not list the account's senders."""
    started = datetime.now(UTC)
    today = in_istanbul(started).date()
    probes = battery() if probes is None else probes
    target = Target(LIVE if compare else SERVER, base_url, timeout=timeout)
    try:
        profile = discover(target, credentials, sender=sender, brand_code=brand_code)
        order_id = existing_order(target, credentials, today)
        answers = {target.name: run(target, probes, Setup(credentials, profile, today, order_id))}
        if compare:
            from ileti.conformance.local import LocalSandbox

            with LocalSandbox(profile, with_order=order_id is not None) as sandbox:
                local = Target(SANDBOX, sandbox.url, timeout=timeout)
                try:
                    local_order = existing_order(local, sandbox.credentials, today)
                    setup = Setup(sandbox.credentials, profile, today, local_order)
                    answers[SANDBOX] = run(local, probes, setup)
                finally:
                    local.close()
    finally:
        target.close()
    results = []
    for index, probe in enumerate(probes):
        expected = probe.expected(profile)
        got = {label: answers[label][index] for label in ((SANDBOX, LIVE) if compare else (SERVER,))}
        differences = {label: against_contract(expected, answer) for label, answer in got.items()}
        if compare:
            differences["live vs sandbox"] = between(got[SANDBOX], got[LIVE], expected)
        results.append(ProbeResult(probe, expected, got, differences))
    return Record(public_url(base_url), profile, compare, started.isoformat(timespec="seconds"), results)
