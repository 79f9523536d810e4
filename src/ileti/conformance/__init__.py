"""`ileti conformance`: how faithful is a server to the iletiMerkezi API contract, at no cost, no SMS sent.

`probes` is the battery as data (each request and the contract's expectation), `runner` sends it over a small
urllib3 layer and records each answer, `compare` names the differences, `session` ties a run together (and
starts the in-process sandbox of `local` for `--compare`), `report` prints the table and writes the JSON.
docs/conformance.md lists every probe and why none can send or change anything.
"""

from __future__ import annotations

from ileti.conformance.probes import Credentials, Probe, Profile, Safety, battery
from ileti.conformance.runner import DiscoveryError
from ileti.conformance.session import Record, check

__all__ = ["Credentials", "DiscoveryError", "Probe", "Profile", "Record", "Safety", "battery", "check"]
