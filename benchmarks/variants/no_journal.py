"""`ileti serve` without the request journal (`journal_size` 0): what journaling every call costs a send.
`sandbox_send.py --variant`."""

import os

from ileti.cli import main

os.environ["ILETI_JOURNAL_SIZE"] = "0"
main()
