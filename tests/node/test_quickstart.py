"""The official Node SDK's quickstart works on the demo account as it is: its default commercial send
(iys=1, iysList=BIREYSEL) is accepted, and the inbox says why each message was or was not delivered."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from ileti.testing import SandboxHandle, http_client

HERE = Path(__file__).parent
SDK = HERE / "node_modules" / "@iletimerkezi" / "iletimerkezi-node"

pytestmark = [
    pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed (.ci/run installs it)"),
    pytest.mark.skipif(
        not SDK.is_dir(), reason="the Node SDK is not installed: cd tests/node && npm ci (.ci/run does it)"
    ),
]


def test_the_node_quickstart_on_the_demo_account(ileti_sandbox: SandboxHandle) -> None:
    with http_client(ileti_sandbox.url) as http:
        demo = http.post("/_sandbox/reset").json()["demo_account"]
        env = {
            **os.environ,
            "ILETI_URL": ileti_sandbox.url,
            "ILETI_API_KEY": demo["key"],
            "ILETI_API_HASH": demo["hash"],
        }
        result = subprocess.run(
            ["node", str(HERE / "quickstart.js")],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        sent = json.loads(result.stdout)
        assert sent["anyNumber"]["ok"] is True, sent  # was 470 before the demo account had an İYS brand
        assert sent["anyNumber"]["iys"] == 1  # the SDK's default: a commercial message
        assert sent["testNumber"]["ok"] is True, sent
        http.post("/_sandbox/carrier/settle").raise_for_status()
        messages = {m["to"]: m for m in http.get("/_sandbox/messages").json()["messages"]}
    assert messages["+905051234567"]["status"] == 112
    assert messages["+905051234567"]["reason"].startswith(
        "Undelivered: a commercial message (iys=1) and the number has no İYS consent (ONAY) for brand 100000"
    )
    assert messages["+905300000000"]["status"] == 111
    assert messages["+905300000000"]["reason"].startswith("Delivered")
