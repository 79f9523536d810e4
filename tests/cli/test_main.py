"""`ileti.cli.main(args)` in process: it returns the exit code and never raises, whatever happens."""

from __future__ import annotations

import json

import pytest

from ileti.cli import EXIT_OK, EXIT_TRANSPORT, EXIT_USAGE, main


@pytest.fixture(autouse=True)
def _no_ileti_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ILETI_BASE_URL", "ILETI_API_KEY", "ILETI_API_HASH", "ILETI_SENDER"):
        monkeypatch.delenv(name, raising=False)


def test_main_returns_the_exit_code_and_prints_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--json", "segments", "Şifreniz 1234"]) == EXIT_OK
    assert json.loads(capsys.readouterr().out)["encoding"] == "TURKISH"


def test_help_and_version_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == EXIT_OK
    assert "bulk" in capsys.readouterr().out
    assert main(["--version"]) == EXIT_OK


def test_usage_errors_are_returned_not_raised(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["balance"]) == EXIT_USAGE  # no credentials anywhere
    assert "ILETI_API_KEY" in capsys.readouterr().err
    assert main(["send"]) == EXIT_USAGE


def test_a_connection_failure_is_exit_3_with_a_message(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--json", "--base-url", "http://127.0.0.1:9", "--key", "k", "--hash", "h", "balance"])
    assert code == EXIT_TRANSPORT
    assert json.loads(capsys.readouterr().out)["error"]["type"] == "ConnectError"
