"""The `ileti` command line: the only place where errors become messages and exit codes."""

from __future__ import annotations

import click

from ileti import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ileti")
def main() -> None:
    """ileti: the iletiMerkezi SMS API sandbox, client and tools."""


@main.command()
@click.option("--host", default=None, help="Interface to listen on (default 127.0.0.1; env ILETI_HOST).")
@click.option("--port", type=int, default=None, help="TCP port (default 8080; env ILETI_PORT).")
@click.option("--db", default=None, help="SQLite file, created on first start (default ./ileti-sandbox.db; "
              "env ILETI_DB).")
@click.option("--settle-delay", type=float, default=None, help="Seconds before a 110 message settles (2).")
@click.option("--sqlite-synchronous", type=click.Choice(["NORMAL", "FULL"]), default=None,
              help="NORMAL survives a process crash; FULL also a power cut.")
@click.option("--webhook-timeout", type=float, default=None, help="Seconds per webhook attempt (10).")
@click.option("--webhook-retries", type=int, default=None, help="Webhook retries after a failure (3).")
@click.option("--webhook-backoff", type=float, default=None, help="Seconds before the first retry (1).")
@click.option("--tolerate-missing-iys/--no-tolerate-missing-iys", default=None,
              help="Read a missing send-sms iys flag as '0' instead of answering 468 (OQ-3).")
@click.option("--strict-recipients/--no-strict-recipients", default=None,
              help="452 when any recipient is invalid or blacklisted (OQ-6).")
@click.option("--always-http-200/--no-always-http-200", default=None,
              help="Answer HTTP 200 whatever status.code says (OQ-1).")
@click.option("--apitest-text", default=None, help="Fixed text of APITEST sends (OQ-26).")
@click.option("--log-level", default=None, help="uvicorn log level (info).")
def serve(**options: object) -> None:
    """Run the sandbox: the iletiMerkezi API on a local ASGI server, with a SQLite store.

    Every option also reads an ILETI_* environment variable (ILETI_PORT, ILETI_DB, ...); a flag wins.
    """
    try:
        import uvicorn

        from ileti.sandbox.app import create_app, prepare
        from ileti.sandbox.settings import Settings, SettingsError
    except ImportError as exc:
        raise click.ClickException(
            f"the sandbox is not installed ({exc.name} is missing): pip install 'ileti[sandbox]'"
        ) from exc
    try:
        settings = Settings.from_env(**options)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc
    demo = prepare(settings)
    url = f"http://{settings.host}:{settings.port}"
    click.echo(f"ileti sandbox on {url}  (store: {settings.db})")
    if demo is not None:
        account = demo.account
        click.echo("Created a demo account on the empty store:")
        click.echo(f"  key:    {account.key}")
        click.echo(f"  hash:   {account.hash}")
        click.echo(f"  sender: {account.senders[0]}   test number: {account.test_number}")
        body = ('{"request":{"authentication":{"key":"%s","hash":"%s"},"order":{"sender":"%s","iys":"0",'
                '"message":{"text":"Merhaba","receipents":{"number":["5301234567"]}}}}}'
                % (account.key, account.hash, account.senders[0]))
        click.echo("Send a first message:")
        click.echo(f"  curl -s {url}/v1/send-sms/json -H 'Content-Type: application/json' -d '{body}'")
    loop = "uvloop" if _has("uvloop") else "asyncio"
    http = "httptools" if _has("httptools") else "h11"
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, loop=loop, http=http,
                log_level=settings.log_level, access_log=False)


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None
