"""The control API under `/_sandbox/` (DESIGN.md): one module per resource, `access.py` (who may reach it)
and `routes.py` (its route table). JSON in and out; a bad body is 400 (unparseable) or 422 (invalid), never
a 500. `docs/sandbox.md` documents every call; `GET /_sandbox/openapi.json` describes them."""
