"""The `ileti` command line: the only place where errors become messages and exit codes."""

from __future__ import annotations

import click

from ileti import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ileti")
def main() -> None:
    """ileti: the iletiMerkezi SMS API sandbox, client and tools."""
