"""`ileti serve` without `serving.tune_gc` (the collector as Python sets it): `sandbox_send.py --variant`."""

import ileti.sandbox.serving
from ileti.cli import main

ileti.sandbox.serving.tune_gc = lambda: None
main()
