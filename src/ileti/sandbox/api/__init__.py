"""The emulated iletiMerkezi API under `/v1`: the pipeline and authentication (`formats.py`), the transports
(`xml_format.py`, `body.py`), fault injection (`faults.py`), the request journal (`journal.py`), one handler
per endpoint (`handlers/`) and the business rules they apply (`rules/`)."""
