"""The seed file (`ileti serve --seed FILE`, `ILETI_SEED`): a known starting state without scripting.

    {"demo": false,                                   # optional: no demo account
     "carrier_rules": {"+905300000001": "delivered"},  # optional: as PUT /_sandbox/carrier/rules takes it
     "clock": {"set": "2026-01-02 09:00:00"},          # optional: as POST /_sandbox/clock takes it
     "accounts": [{                                    # each: a POST /_sandbox/accounts body, plus
        "key": "ci", "secret": "s3cret", "senders": ["ACME"], "iys": {"brand_code": "700100", "active": true},
        "blacklist": ["+905300000009"],                # numbers
        "consents": [{"recipient": "+905300000010", "recipientType": "BIREYSEL", "type": "MESAJ",
                      "status": "ONAY"}],              # consent/create records, under the brand code
        "groups": [{"name": "VIP"}, {"name": "Gold", "parent": "VIP"}],   # add-group bodies
        "contacts": [{"name": "Ada", "gsm": "5300000010", "groups": ["VIP"]}]}]}  # add-contact bodies

JSON or TOML (by the file's suffix; `.toml` is TOML, anything else JSON). Every entry is checked by the code
that checks the same body on the control API or the wire API (`accounts.parse_account_fields`,
`SeedIn` with `carrier.CarrierRulesIn` and `clock.ClockIn`, `directory.consent_record_from`,
`handlers.contacts.new_group` / `new_contact`), before anything is written: a bad seed is a `SeedError`
naming the entry and the field, and the store is untouched. Group ids are the store's, unknown when the seed
is written, so a group's `parent` and a contact's `groups` name groups of the same account by their `name`.

`apply` writes the whole seed in one transaction and records its digest in the store's `meta`; with the
same digest there it does nothing, so restarting on the same store duplicates nothing. A changed seed adds
the accounts whose key the store does not have (an account already there is the store's, not overwritten)
and sets its carrier rules and clock. `POST /_sandbox/reset` applies it again to the emptied store.
An entry without `key` gets one derived from its content, so it too is created once.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError

from ileti.codes import Code
from ileti.sandbox.api.handlers.contacts import new_contact, new_group
from ileti.sandbox.body_models import BodyModel, describe
from ileti.sandbox.control import accounts
from ileti.sandbox.control.carrier import CarrierRulesIn
from ileti.sandbox.control.clock import ClockIn, clock_state_from
from ileti.sandbox.control.directory import consent_record_from
from ileti.sandbox.errors import ApiError, ControlError
from ileti.sandbox.store.records import Account, CarrierOutcome, ContactData, Refusal
from ileti.sandbox.store.sql import SqlStore
from ileti.sandbox.world.clock import Clock, ClockState
from ileti.wire.models import AddContactRequest, AddGroupRequest

__all__ = ["Seed", "SeedAccount", "SeedError", "apply", "load", "parse", "start"]

_META = "seed_digest"
_EXTRA = ("consents", "groups", "contacts")  # an account entry's keys beyond the POST /_sandbox/accounts body


class SeedIn(BodyModel):
    """The seed's top level; each `accounts` entry is checked on its own (`_parse_account`), so that an error
    names the entry by its key."""

    NULLABLE = frozenset({"clock"})

    demo: bool = Field(default=True, description="false: no demo account")
    carrier_rules: CarrierRulesIn | None = None
    clock: ClockIn | None = None
    accounts: list[Any] = Field(
        default_factory=list, description="POST /_sandbox/accounts bodies, plus extras"
    )


class SeedError(ValueError):
    """The seed file cannot be read or one of its entries is invalid; the message names the entry."""


@dataclass(frozen=True, slots=True)
class SeedAccount:
    """One `accounts` entry, checked: the account's store fields (with `blacklist`) and its raw extras."""

    fields: dict[str, Any]
    consents: tuple[Any, ...]
    groups: tuple[dict[str, Any], ...]
    contacts: tuple[dict[str, Any], ...]


@dataclass(frozen=True, slots=True)
class Seed:
    accounts: tuple[SeedAccount, ...]
    carrier_rules: dict[str, CarrierOutcome] | None
    clock: dict[str, Any] | None
    demo: bool
    digest: str


def load(path: str | Path) -> Seed:
    """Read and check a seed file; `SeedError` names the file and what is wrong."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SeedError(f"seed file {path}: cannot be read ({exc.strerror or exc})") from exc
    try:
        data = _plain(tomllib.loads(raw.decode())) if path.suffix.lower() == ".toml" else json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:  # JSONDecodeError and TOMLDecodeError are ValueErrors
        kind = "TOML" if path.suffix.lower() == ".toml" else "JSON"
        raise SeedError(f"seed file {path}: not valid {kind}: {exc}") from exc
    try:
        return parse(data)
    except SeedError as exc:
        raise SeedError(f"seed file {path}: {exc}") from exc


def _plain(value: Any) -> Any:
    """TOML's dates and times as the API writes them (`consentDate = 2026-01-01 10:00:00` is a TOML datetime):
    `YYYY-MM-DD HH:MM:SS`, `YYYY-MM-DD`, `HH:MM:SS`."""
    if isinstance(value, dict):
        return {name: _plain(item) for name, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return value


def _where(index: int, entry: Any) -> str:
    key = entry.get("key") if isinstance(entry, dict) else None
    return f"accounts[{index}]" + (f" (key {key!r})" if isinstance(key, str) else "")


def _list(value: Any, where: str) -> tuple[Any, ...]:
    if not isinstance(value, list):
        raise SeedError(f"{where}: a list")
    return tuple(value)


def _api_detail(exc: ApiError | ValidationError) -> str:
    if isinstance(exc, ApiError):
        return f"{int(exc.code)} {Code(exc.code).message}" + (f" ({exc.reason})" if exc.reason else "")
    return "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())


def parse(data: Any) -> Seed:
    """Check a seed's content (as read from JSON or TOML) without touching any store."""
    if not isinstance(data, dict):
        raise SeedError("the seed must be an object (a JSON object or a TOML document)")
    try:
        top = SeedIn.model_validate(data)
    except ValidationError as exc:
        raise SeedError(describe(exc)) from exc
    rules = None if top.carrier_rules is None else dict(top.carrier_rules.root)
    clock = data.get("clock")
    if clock is not None:
        try:
            clock_state_from(clock, Clock(ClockState()))  # the range, which depends on the clock it moves
        except ControlError as exc:
            raise SeedError(f"clock: {exc.detail}") from exc
    entries = top.accounts
    parsed: list[SeedAccount] = []
    keys: set[str] = set()
    for index, entry in enumerate(entries):
        account = _parse_account(index, entry)
        key = account.fields["key"]
        if key in keys:
            raise SeedError(f"{_where(index, entry)}: key: {key!r} is used by an earlier entry")
        keys.add(key)
        parsed.append(account)
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    return Seed(tuple(parsed), rules, clock, top.demo, digest)


def _parse_account(index: int, entry: Any) -> SeedAccount:
    where = _where(index, entry)
    if not isinstance(entry, dict):
        raise SeedError(f"{where}: an object (a POST /_sandbox/accounts body)")
    body = {name: value for name, value in entry.items() if name not in _EXTRA}
    if "key" not in body:
        # derived from the content: the same entry is the same account on every start
        canonical = json.dumps(entry, sort_keys=True, ensure_ascii=False, default=str).encode()
        body["key"] = "seed-" + hashlib.sha256(canonical).hexdigest()[:27]
    try:
        fields = accounts.parse_account_fields(body, creating=True)
    except ControlError as exc:
        raise SeedError(f"{where}: {exc.detail}") from exc
    consents = _list(entry.get("consents", []), f"{where}.consents")
    if consents and not fields.get("iys_brand_code"):
        raise SeedError(f"{where}.consents: the account needs iys.brand_code to hold consents")
    for n, record in enumerate(consents):
        try:
            consent_record_from(record, 0.0)
        except ControlError as exc:
            raise SeedError(f"{where}.consents[{n}]: {exc.detail}") from exc
    groups = _list(entry.get("groups", []), f"{where}.groups")
    contacts = _list(entry.get("contacts", []), f"{where}.contacts")
    # check groups and contacts as add-group / add-contact would, with stand-in ids for the group names
    names: dict[str, int] = {}
    for n, group in enumerate(groups):
        request = _group_request(group, names, f"{where}.groups[{n}]")
        name, _parent = new_group(request)
        names.setdefault(name, len(names) + 1)
    for n, contact in enumerate(contacts):
        _contact_data(contact, names, f"{where}.contacts[{n}]")
    return SeedAccount(fields, consents, groups, contacts)


def _resolve(value: Any, names: Mapping[str, int], where: str) -> str:
    """A group named in the seed -> its id (as the wire API takes it)."""
    if not isinstance(value, str) or value.strip() not in names:
        raise SeedError(f"{where}: {value!r} names no group listed before it in this account's groups")
    return str(names[value.strip()])


def _group_request(group: Any, names: Mapping[str, int], where: str) -> AddGroupRequest:
    if not isinstance(group, dict):
        raise SeedError(f"{where}: an object (an add-group body: name, parent?)")
    body = dict(group)
    if body.get("parent") not in (None, "", "0", 0):
        body["parent"] = _resolve(body["parent"], names, f"{where}.parent")
    try:
        request = AddGroupRequest.model_validate(body)
        new_group(request)
    except (ApiError, ValidationError) as exc:
        raise SeedError(f"{where}: {_api_detail(exc)}") from exc
    return request


def _contact_data(contact: Any, names: Mapping[str, int], where: str) -> ContactData:
    if not isinstance(contact, dict):
        raise SeedError(f"{where}: an object (an add-contact body)")
    body = dict(contact)
    if "custom_fields" in body:
        raise SeedError(
            f"{where}.custom_fields: not supported in a seed (custom fields are defined through "
            "the control API)"
        )
    if "groups" in body:
        groups = body["groups"]
        if not isinstance(groups, list):
            raise SeedError(f"{where}.groups: a list of group names")
        body["groups"] = [_resolve(g, names, f"{where}.groups[{i}]") for i, g in enumerate(groups)]
    try:
        return new_contact(AddContactRequest.model_validate(body))
    except (ApiError, ValidationError) as exc:
        raise SeedError(f"{where}: {_api_detail(exc)}") from exc


def apply(store: SqlStore, seed: Seed, clock: Clock, *, again: bool = False) -> bool:
    """Write the seed in one transaction; False (and nothing written) when the store has it already.

    `again` (after a reset) writes it whatever the store remembers. The clock, when the seed sets one, is
    loaded into `clock` after the commit.
    """
    state: ClockState | None = None
    with store.transaction():
        if not again and store.get_meta(_META) == seed.digest:
            return False
        now = clock.now()
        for account in seed.accounts:
            _create(store, account, now)
        if seed.carrier_rules is not None:
            store.settlement.set_carrier_rules(seed.carrier_rules)
        if seed.clock is not None:
            state = clock_state_from(seed.clock, clock)
            store.set_clock_state(state)
        store.set_meta(_META, seed.digest)
    if state is not None:
        clock.load(state)
    return True


def _create(store: SqlStore, entry: SeedAccount, now: float) -> None:
    fields = dict(entry.fields)
    if store.accounts.get(fields["key"]) is not None:
        return  # the store's account: changed since, perhaps, by the tests that use it
    blacklist = fields.pop("blacklist", [])
    account = store.accounts.create(Account(**fields, created_ts=now), blacklist)
    if entry.consents:
        assert account.iys_brand_code is not None  # checked by `parse`
        store.consents.seed(
            account.key,
            account.iys_brand_code,
            [consent_record_from(record, now) for record in entry.consents],
            now,
        )
    names: dict[str, int] = {}
    try:
        for group in entry.groups:
            name, parent = new_group(_group_request(group, names, "groups"))
            names.setdefault(name, store.contacts.add_group(account.key, name, parent, now).id)
        for contact in entry.contacts:
            store.contacts.add(account.key, _contact_data(contact, names, "contacts"), now)
    except Refusal as refusal:  # `parse` resolved every reference; a refusal here is a bug
        raise AssertionError(f"seed account {account.key}: {refusal}") from refusal


def start(
    store: SqlStore, clock: Clock, demo_account: bool, seed: Seed | None, *, again: bool = False
) -> tuple[Account, str] | None:
    """The start-up state (at start, and after a reset with `again`): the demo account on an empty store,
    unless the settings or the seed switch it off, then the seed. Returns the demo account and its secret
    when this call created it."""
    demo = None
    if demo_account and (seed is None or seed.demo):
        demo = accounts.ensure_demo(store, clock.now())
    if seed is not None:
        apply(store, seed, clock, again=again)
    return demo
