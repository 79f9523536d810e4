"""`ileti serve` whose carrier settles nothing during the run (a settle delay of an hour): what settling the
messages costs a send. `sandbox_send.py --variant`."""

import os

from ileti.cli import main

os.environ["ILETI_SETTLE_DELAY"] = "3600"
main()
