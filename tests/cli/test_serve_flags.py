"""`ileti serve`'s flags are generated from `Settings`: one per field but the env-only ones, parsed to the
field's type, and reading them imports neither the server nor the store."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

from ileti.cli import cli
from ileti.sandbox.settings import ENV_ONLY, Settings


def test_every_setting_but_the_env_only_ones_has_a_flag() -> None:
    serve = cli.commands["serve"]
    flags = {param.name for param in serve.params} - {"help"}
    fields = {f.name for f in dataclasses.fields(Settings)}
    assert flags == fields - ENV_ONLY
    assert "control_token" in ENV_ONLY
    assert not any("--control-token" in param.opts for param in serve.params)


def test_flags_reach_the_settings_with_the_field_types() -> None:
    serve = cli.commands["serve"]
    args = [
        "--sms-price",
        "0.1",
        "--webhook-concurrency",
        "4",
        "--no-demo-account",
        "--sqlite-synchronous",
        "FULL",
    ]
    ctx = serve.make_context("serve", args)
    settings = Settings.from_env(ctx.params, environ={})
    assert (settings.sms_price, settings.webhook_concurrency, settings.demo_account) == (0.1, 4, False)
    assert settings.sqlite_synchronous == "FULL"
    assert settings.port == Settings().port  # a flag not given leaves the default (or the environment)


def test_a_client_command_does_not_load_the_server() -> None:
    code = (
        "import sys; from ileti.cli import main; main(['segments', 'merhaba']); "
        "heavy = ('ileti.sandbox.app', 'starlette', 'sqlalchemy'); "
        "print(sorted(m for m in sys.modules if m.startswith(heavy)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"
