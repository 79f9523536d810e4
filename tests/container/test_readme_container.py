"""The README's container section, checked without a container runtime: its account-creating curl body is
accepted by the control API as written, and its token satisfies the token rule the image applies."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from pathlib import Path

import pytest

from ileti.sandbox.settings import Settings
from ileti.testing import SandboxHandle

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
SECTION = README[README.index("## In a container") : README.index("## From other languages")]


def test_the_curl_body_creates_the_ci_account(ileti_sandbox: SandboxHandle) -> None:
    [block] = [
        b for b in re.findall(r"```bash\n(.*?)```", SECTION, flags=re.DOTALL) if "_sandbox/accounts" in b
    ]
    assert "-H 'Content-Type: application/json'" in block  # the control API takes JSON only
    body = json.loads(block[block.index("'{") + 1 : block.index("}'") + 1])
    created = ileti_sandbox.create_account(**body)
    expected = hmac.new(body["secret"].encode(), body["key"].encode(), hashlib.sha256).hexdigest()
    assert (created["key"], created["hash"]) == (body["key"], expected)
    assert "201" in block.split("# ", 1)[1]


def test_every_token_shown_is_one_the_sandbox_accepts(monkeypatch: pytest.MonkeyPatch) -> None:
    tokens = set(re.findall(r"ILETI_CONTROL_TOKEN[=:] *'?([\w.~-]+)", SECTION))
    assert tokens == {"my-sandbox-token-0123"}
    for token in tokens:
        monkeypatch.setenv("ILETI_CONTROL_TOKEN", token)
        assert Settings.from_env({}).control_token == token  # a token it refuses raises SettingsError


def test_the_build_commands_name_the_containerfile() -> None:
    builds = [
        line for line in SECTION.splitlines() if " build " in line and line.split()[0] in {"docker", "podman"}
    ]
    assert builds
    assert all("-f Containerfile" in line for line in builds)
    assert all("--format docker" in line for line in builds if line.startswith("podman"))
    assert (ROOT / "Containerfile").is_file()
