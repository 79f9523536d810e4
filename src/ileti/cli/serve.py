"""`ileti serve`: run the sandbox."""

from __future__ import annotations

import dataclasses
from typing import Any, get_args

import click

from ileti.cli.base import (
    EXIT_USAGE,
    F,
    cli,
)


def _store_errors() -> tuple[type[Exception], ...]:
    """The errors of opening a store that are the operator's to fix, not a bug: SQLite's and SQLAlchemy's,
    and psycopg's when it is installed."""
    import sqlite3

    from sqlalchemy.exc import SQLAlchemyError

    errors: tuple[type[Exception], ...] = (sqlite3.Error, SQLAlchemyError)
    try:
        import psycopg
    except ImportError:
        return errors
    return (*errors, psycopg.Error)


class InvalidSeed(click.ClickException):
    """An invalid seed file: exit 2 (a usage error), the store untouched."""

    exit_code = EXIT_USAGE


def _settings_options(command: F) -> F:
    """One option per `Settings` field (but `ENV_ONLY`), from its name, type, default and `help` metadata.

    `ileti.sandbox.settings` imports neither the server nor the store, so every command line may read it.
    """
    from ileti.sandbox.settings import ENV_ONLY, Settings, Synchronous

    for f in reversed(dataclasses.fields(Settings)):
        if f.name in ENV_ONLY:
            continue
        flag, kind = "--" + f.name.replace("_", "-"), str(f.type)
        text = str(f.metadata["help"])
        default = f.default if f.default != "" else "empty"
        text = f"{text[0].upper()}{text[1:]} (default {default}; env {Settings.env_name(f.name)})."
        if kind == "bool":
            option = click.option(f"{flag}/--no-{flag[2:]}", f.name, default=None, help=text)
        else:
            types: dict[str, Any] = {
                "int": int,
                "float": float,
                "Synchronous": click.Choice(get_args(Synchronous)),
            }
            option = click.option(flag, f.name, type=types.get(kind, str), default=None, help=text)
        command = option(command)
    return command


@cli.command()
@_settings_options
def serve(**options: object) -> None:
    """Run the sandbox: the iletiMerkezi API on a local ASGI server, with a SQLite store.

    Every option also reads an ILETI_* environment variable (ILETI_PORT, ILETI_DB, ...); a flag wins.
    """
    import gc

    gc.disable()  # no collection while the sandbox loads: `serving.serve` freezes it all and enables it again
    try:
        from ileti.sandbox import serving
        from ileti.sandbox.app import prepare
        from ileti.sandbox.seed import SeedError
        from ileti.sandbox.settings import Settings, SettingsError
        from ileti.sandbox.store.postgres import redacted
    except ImportError as exc:
        raise click.ClickException(
            f"the sandbox is not installed ({exc.name} is missing): pip install 'ileti[sandbox]'"
        ) from exc
    from ileti.sandbox.control.access import ControlMode, secure

    try:
        settings = Settings.from_env(options)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc
    settings, control_mode = secure(settings)
    try:
        demo = prepare(settings)
    except SeedError as exc:  # before anything is written and before the server listens
        raise InvalidSeed(str(exc)) from exc
    except _store_errors() as exc:  # a folder that does not exist, a server that does not answer, …
        raise click.UsageError(f"cannot open the store {redacted(settings.db)}: {exc}") from exc
    url = f"http://{settings.host}:{settings.port}"
    click.echo(f"ileti sandbox on {url}  (store: {redacted(settings.db)})")
    click.echo(f"Web inbox: {url}/")
    if demo is not None:
        account = demo.account
        click.echo("Created a demo account on the empty store:")
        click.echo(f"  key:    {account.key}")
        click.echo(f"  hash:   {account.hash}")
        click.echo(f"  sender: {account.senders[0]}   test number: {account.test_number}")
        body = (
            f'{{"request":{{"authentication":{{"key":"{account.key}","hash":"{account.hash}"}},'
            f'"order":{{"sender":"{account.senders[0]}","iys":"0",'
            '"message":{"text":"Merhaba","receipents":{"number":["5301234567"]}}}}}'
        )
        click.echo("Send a first message:")
        click.echo(f"  curl -s {url}/v1/send-sms/json -H 'Content-Type: application/json' -d '{body}'")
    if settings.seed:
        click.echo(f"Seed file: {settings.seed} (POST /_sandbox/reset returns to it)")
    control_url = f"http://{settings.control_host}:{settings.control_port}" if settings.control_port else url
    if settings.control_port:
        click.echo(f"Control API and inbox: {control_url}/")
    click.echo(f"Control API and inbox: {control_mode.value}")
    if control_mode is ControlMode.GENERATED:
        token = settings.control_token
        click.echo(f"  token:  {token}   (set ILETI_CONTROL_TOKEN to choose it, or --control-open)")
        click.echo(f"  inbox:  {control_url}/?token={token}")
        click.echo(f"  curl -H 'Authorization: Bearer {token}' {control_url}/_sandbox/accounts")
    serving.serve(settings)
