"""The ileti sandbox: a faithful, stateful, persistent iletiMerkezi API (`ileti serve`).

`create_app(settings)` builds the ASGI app; see `docs/sandbox.md` for the control API and magic numbers.
The two names load on first use, so `ileti.sandbox.settings` (which `ileti serve`'s flags are built from)
can be read without importing the server.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ileti.sandbox.app import create_app
    from ileti.sandbox.settings import Settings

__all__ = ["Settings", "create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from ileti.sandbox.app import create_app

        return create_app
    if name == "Settings":
        from ileti.sandbox.settings import Settings

        return Settings
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
