"""Schemathesis against the control API's own OpenAPI document (marker `fuzz`, run by `.ci/run`), on a real
`ileti serve` process: every operation the document declares, with generated path parameters, queries and
bodies, must never answer 5xx, and the server must log no traceback.

Path keys come mostly from a dictionary of existing accounts (so the calls reach the handlers, not only the
404 of an unknown account); `reset` and account deletion run in a second, short pass, so they do not empty
the store under the first one. The run is bounded by time (`--max-time`), about a minute and a half in all.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.scale.harness import Control, ServeProcess

pytestmark = [pytest.mark.fuzz, pytest.mark.timeout(600)]

KEYS = ["fuzz-1", "fuzz-2", "fuzz-3"]
SECONDS = int(os.environ.get("ILETI_FUZZ_SECONDS", "75"))
CONFIG = f"""
[dictionaries.keys]
values = {KEYS!r}

[parameters]
"path.key" = {{ dictionary = "keys", probability = 0.8 }}
"""
DESTRUCTIVE = ["DELETE /_sandbox/accounts/{key}", "POST /_sandbox/reset"]


def _schemathesis(server: ServeProcess, config: Path, seconds: int, *selection: str) -> None:
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "--config-file",
        str(config),
        "--no-color",
        "run",
        f"{server.url}/_sandbox/openapi.json",
        "--url",
        server.url,
        "--checks",
        "not_a_server_error",
        "--max-time",
        str(seconds),
        "--workers",
        "1",
        "--suppress-health-check",
        "all",
        "--request-timeout",
        "45",  # above the 30 s that GET /_sandbox/messages?wait= may hold an answer
        "--warnings",
        "off",
        "--seed",
        "20261204",
        *selection,
    ]
    # in the config's directory: schemathesis keeps a cache of crashes where it runs
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=seconds + 240, check=False, cwd=config.parent
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert " passed" in result.stdout, result.stdout[-3000:]


def test_the_control_api_survives_its_own_schema(tmp_path: Path) -> None:
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG)
    server = ServeProcess(str(tmp_path / "sandbox.db"), tmp_path / "serve.log")
    with server:
        control = Control(server.url)
        for key in KEYS:
            control.account(key, balance={"sms": 1000}, iys={"brand_code": "696422", "active": True})
        control.close()
        _schemathesis(server, config, SECONDS, *(f"--exclude-name={name}" for name in DESTRUCTIVE))
        _schemathesis(
            server, config, max(SECONDS // 5, 5), *(f"--include-name={name}" for name in DESTRUCTIVE)
        )
    log = server.log.read_text(errors="replace")
    assert "Traceback" not in log, log[-3000:]
    assert "unexpected error" not in log, log[-3000:]
