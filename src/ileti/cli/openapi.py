"""`ileti openapi`: the API's OpenAPI document."""

from __future__ import annotations

import json

import click

from ileti.cli.base import (
    cli,
)


@cli.command()
@click.option(
    "--server",
    default=None,
    metavar="URL",
    help="Put URL in the document's servers list (e.g. http://127.0.0.1:8080).",
)
def openapi(server: str | None) -> None:
    """Print the OpenAPI 3.1 document of the iletiMerkezi API as ileti emulates it (JSON, offline).

    Generated from ileti.wire: every endpoint's JSON path, its request and 200 bodies, and each code it can
    answer with its Turkish message. A running sandbox serves the same at /_sandbox/openapi/iletimerkezi.json.
    """
    from ileti.wire.openapi import openapi_document

    click.echo(json.dumps(openapi_document(server), ensure_ascii=False, indent=2))
