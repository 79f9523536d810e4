"""The simulated world behind the API: the sandbox clock (`clock.py`), the carrier that settles messages
(`carrier.py`), the delivery-report webhooks (`webhooks.py`) and why a message is where it is
(`reasons.py`)."""
