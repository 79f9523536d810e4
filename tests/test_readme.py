"""What README.md shows works: its curl body, its client snippet and its pytest example, run as written.

The snippets are read out of the README itself, so a README edit that breaks them fails here.
"""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import httpx
import pytest

from ileti.testing import SandboxHandle

pytest_plugins = ["pytester"]

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.DOTALL)


def _block_containing(language: str, marker: str) -> str:
    [block] = [b for b in _blocks(language) if marker in b]
    return block


def test_the_first_lines_give_the_install_and_test_commands() -> None:
    first = _blocks("bash")[0].splitlines()
    assert first[0].startswith("pip install '.[sandbox]' && ileti serve")
    assert first[1].startswith("pip install -e '.[dev]' && python -m pytest")
    ci = (Path(__file__).parent.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert "pip install --quiet -e '.[dev]'" in ci
    assert "python -m pytest" in ci


def test_the_curl_example_sends_a_first_sms(ileti_sandbox: SandboxHandle) -> None:
    block = _block_containing("bash", "curl -s http://127.0.0.1:8080/v1/send-sms/json")
    body_text = block[block.index("'{") + 1 : block.index("}'") + 1]
    body = json.loads(body_text.replace("<key>", ileti_sandbox.key).replace("<hash>", ileti_sandbox.hash))
    body["request"]["order"]["sender"] = ileti_sandbox.sender  # the README uses the demo account's sender
    answer = httpx.post(f"{ileti_sandbox.url}/v1/send-sms/json", json=body, timeout=10)
    expected = json.loads(block.split("# ", 1)[1].splitlines()[0])
    assert answer.status_code == 200
    got = answer.json()
    assert got["response"]["status"] == expected["response"]["status"]
    assert got["response"]["order"]["id"].isdigit()
    [message] = ileti_sandbox.messages(to="+905301234567")
    assert message["text"] == "Merhaba dünya"


def test_the_client_example_runs_against_the_sandbox(
    ileti_sandbox: SandboxHandle, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code = _block_containing("python", "ileti.Client(sandbox=True")
    code = code.replace("<key>", ileti_sandbox.key).replace("<hash>", ileti_sandbox.hash)
    code = code.replace('"ILETIDEMO"', repr(ileti_sandbox.sender))
    # `sandbox=True` reads ILETI_BASE_URL; the test's sandbox listens on a free port, not 8080
    monkeypatch.setenv("ILETI_BASE_URL", ileti_sandbox.url)
    # the background carrier settles after the default delay (2 s), so `wait` returns by itself
    exec(compile(code, "README.md", "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    assert printed[-1] == "1 0"  # delivered, undelivered


def test_the_pytest_example_passes(pytester: pytest.Pytester) -> None:
    example = _block_containing("python", "def test_the_login_code_reaches_the_phone")
    pytester.makepyfile(test_readme_example=textwrap.dedent(example))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
