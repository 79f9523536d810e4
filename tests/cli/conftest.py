"""Fixtures for command-line tests: the real `ileti` command in a subprocess, against the plugin's sandbox."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ileti.testing import SandboxHandle


@dataclass(frozen=True)
class Run:
    """What one command line did."""

    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)

    @property
    def text(self) -> str:
        return self.out + self.err


class Ileti:
    """Runs `python -m ileti …` with the sandbox URL and the test account's credentials in the environment."""

    def __init__(self, sandbox: SandboxHandle, tmp_path: Path) -> None:
        self.sandbox = sandbox
        self.tmp_path = tmp_path
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("ILETI_")},
            **sandbox.env,
            "NO_COLOR": "1",
            "COLUMNS": "200",
        }

    def send(self, text: str, *numbers: str) -> int:
        """Set up an order through the plugin's client in process (cheaper than another subprocess)."""
        return self.sandbox.client.send_sms(list(numbers), text).id

    def __call__(
        self,
        *args: str,
        stdin: str = "",
        env: dict[str, str] | None = None,
        executable: list[str] | None = None,
    ) -> Run:
        command = executable or [sys.executable, "-m", "ileti"]
        done = subprocess.run(
            [*command, *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=90,
            env={**self.env, **(env or {})},
            cwd=self.tmp_path,
            check=False,
        )
        assert "Traceback" not in done.stderr, done.stderr  # never, whatever happened
        return Run(done.returncode, done.stdout, done.stderr)


@pytest.fixture
def ileti(ileti_sandbox: SandboxHandle, tmp_path: Path) -> Ileti:
    return Ileti(ileti_sandbox, tmp_path)
