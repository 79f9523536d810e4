"""The ileti sandbox: a faithful, stateful, persistent iletiMerkezi API (`ileti serve`).

`create_app(settings)` builds the ASGI app; see `docs/sandbox.md` for the control API and magic numbers.
"""

from ileti.sandbox.app import create_app
from ileti.sandbox.settings import Settings

__all__ = ["Settings", "create_app"]
