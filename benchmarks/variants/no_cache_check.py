"""`ileti serve` with the account cache trusted without its per-request `PRAGMA data_version` check (not
correct when another process writes the file; only to measure what the check costs): `sandbox_send.py
--variant`."""

from ileti.cli import main
from ileti.sandbox.store.accounts import Accounts

Accounts._cache_valid = lambda self: not self._postgres  # type: ignore[method-assign]
main()
