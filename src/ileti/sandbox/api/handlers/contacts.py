"""Contacts and groups, the eleven beta endpoints of §4.13 (OQ-29).

Groups nest (a `parent` group id; empty or 0 is the top level) and carry the count of their contacts.
A contact has name, surname, e-mail, a Turkish mobile `gsm`, values of the account's custom fields (defined
through the control API) and group memberships. Codes: 461 empty group name, 462 group id missing (or, in
edit-group, unknown), 463 group not found, 464 page < 1, 465 contact not found, 471 search term shorter than
3 characters, 472 a contact with none of name/surname/gsm/email, 473 unknown custom field id. Checks that
need no store come first; those about stored rows are decided by `store.contacts` in the writing
transaction.
"""

from __future__ import annotations

from collections import defaultdict

from ileti import phone
from ileti.codes import Code
from ileti.limits import SEARCH_MIN_LENGTH
from ileti.sandbox.api.params import parse_page, parse_row_count, plain_id
from ileti.sandbox.context import Context
from ileti.sandbox.errors import ApiError
from ileti.sandbox.store.records import ContactData, ContactRecord, GroupRecord, Refusal, RefusalReason
from ileti.wire.models import (
    AddContactRequest,
    AddContactResponse,
    AddGroupRequest,
    AddGroupResponse,
    Contact,
    CustomField,
    DeleteContactRequest,
    DeleteGroupRequest,
    EditContactRequest,
    EditContactResponse,
    EditGroupRequest,
    EditGroupResponse,
    GetContactRequest,
    GetContactResponse,
    GetGroupContactsRequest,
    GetGroupContactsResponse,
    GetGroupRequest,
    GetGroupResponse,
    GetGroupsResponse,
    Group,
    SearchContactsRequest,
    SearchContactsResponse,
)

__all__ = [
    "add_contact",
    "add_group",
    "delete_contact",
    "delete_group",
    "edit_contact",
    "edit_group",
    "get_contact",
    "get_group",
    "get_group_contacts",
    "get_groups",
    "new_contact",
    "new_group",
    "search_contacts",
]

_REFUSALS = {
    RefusalReason.GROUP: Code.GROUP_NOT_FOUND,
    RefusalReason.PARENT: Code.GROUP_NOT_FOUND,
    RefusalReason.CYCLE: Code.VALIDATION_FAILED,  # no code says "a group cannot be its own parent"
    RefusalReason.CONTACT: Code.CONTACT_NOT_FOUND,
    RefusalReason.FIELD: Code.CUSTOM_FIELD_NOT_FOUND,
}


def _api_error(refusal: Refusal) -> ApiError:
    return ApiError(_REFUSALS.get(refusal.reason, Code.VALIDATION_FAILED))


def _clean(value: str | None) -> str | None:
    text = (value or "").strip()
    return text or None


# -------------------- groups


def _tree(groups: list[GroupRecord], root: int | None) -> list[Group]:
    """The groups under `root` with their subgroups; a subgroup carries `children` only when it has some."""
    by_parent: dict[int | None, list[GroupRecord]] = defaultdict(list)
    for record in groups:
        by_parent[record.parent_id].append(record)

    def build(record: GroupRecord) -> Group:
        children = [build(child) for child in by_parent.get(record.id, [])]
        return Group(id=record.id, name=record.name, count=record.count, children=children or None)

    return [build(record) for record in by_parent.get(root, [])]


def _with_children(record: GroupRecord, groups: list[GroupRecord]) -> Group:
    """get-groups / get-group shape: id, name, count and `children[]` (empty when none)."""
    return Group(id=record.id, name=record.name, count=record.count, children=_tree(groups, record.id))


def _parent(value: str | None) -> int | None:
    """`group.parent`: empty or 0 is the top level (§4.13); anything else must name a group (463)."""
    text = (value or "").strip()
    if text in ("", "0"):
        return None
    parent = plain_id(text)
    if parent is None:
        raise ApiError(Code.GROUP_NOT_FOUND)
    return parent


def _group_name(value: str | None) -> str:
    name = (value or "").strip()
    if not name:
        raise ApiError(Code.GROUP_NAME_REQUIRED, "group: group.name is missing or empty")
    return name


def _group_id(value: str | None) -> int:
    """462 when the group id is missing; an id that is not a number names no group (463)."""
    if not (value or "").strip():
        raise ApiError(Code.GROUP_ID_REQUIRED, "group: group.id is missing")
    group_id = plain_id(value)
    if group_id is None:
        raise ApiError(Code.GROUP_NOT_FOUND, f"group: {(value or '')[:64]!r} is not a group id")
    return group_id


def new_group(req: AddGroupRequest) -> tuple[str, int | None]:
    """add-group's checks that need no store: (name, parent id). 461 empty name; 463 a parent that is no id.
    The seed file (`sandbox/seed.py`) goes through here too."""
    return _group_name(req.name), _parent(req.parent)


async def add_group(ctx: Context, req: AddGroupRequest) -> AddGroupResponse:
    """461 empty name; 463 unknown parent."""
    name, parent = new_group(req)
    try:
        record = ctx.store.contacts.add_group(ctx.account.key, name, parent, ctx.clock.now())
    except Refusal as refusal:
        raise _api_error(refusal) from refusal
    return AddGroupResponse(group=Group(id=record.id, name=record.name))


async def edit_group(ctx: Context, req: EditGroupRequest) -> EditGroupResponse:
    """462 id missing or not a group of this account; then 461 empty name; then 463 unknown parent (§4.13).
    Moving a group under itself or its own subgroup is 422."""
    group_id = plain_id(req.id)
    if group_id is None or ctx.store.contacts.group(ctx.account.key, group_id) is None:
        raise ApiError(Code.GROUP_ID_REQUIRED)
    name = _group_name(req.name)
    parent = _parent(req.parent)
    try:
        record = ctx.store.contacts.edit_group(ctx.account.key, group_id, name, parent)
    except Refusal as refusal:
        if refusal.reason is RefusalReason.GROUP:  # deleted in between: still "not in this account"
            raise ApiError(Code.GROUP_ID_REQUIRED) from refusal
        raise _api_error(refusal) from refusal
    return EditGroupResponse(group=Group(id=record.id, name=record.name))


async def delete_group(ctx: Context, req: DeleteGroupRequest) -> None:
    """462 id missing; 463 not found. Subgroups go with it; contacts stay (only memberships are removed)."""
    if not ctx.store.contacts.delete_group(ctx.account.key, _group_id(req.id)):
        raise ApiError(Code.GROUP_NOT_FOUND)


async def get_groups(ctx: Context, _req: None) -> GetGroupsResponse:
    """Every top-level group with its count and children (nested as deep as they go)."""
    groups = ctx.store.contacts.groups(ctx.account.key)
    return GetGroupsResponse(groups=[_with_children(g, groups) for g in groups if g.parent_id is None])


async def get_group(ctx: Context, req: GetGroupRequest) -> GetGroupResponse:
    """One group with count and children; 462 id missing, 463 not found (JSON only, OQ-22)."""
    group_id = _group_id(req.id)
    groups = ctx.store.contacts.groups(ctx.account.key)
    record = next((g for g in groups if g.id == group_id), None)
    if record is None:
        raise ApiError(Code.GROUP_NOT_FOUND)
    return GetGroupResponse(group=_with_children(record, groups))


async def get_group_contacts(ctx: Context, req: GetGroupContactsRequest) -> GetGroupContactsResponse:
    """A page of a group's contacts by id. 462 id missing; 464 page < 1; 463 not found; 465 no contacts."""
    group_id = _group_id(req.id)
    page = parse_page(req.page)
    row_count = parse_row_count(req.row_count)
    if ctx.store.contacts.group(ctx.account.key, group_id) is None:
        raise ApiError(Code.GROUP_NOT_FOUND, f"group: the account has no group {group_id}")
    count, rows = ctx.store.contacts.group_contacts(
        ctx.account.key, group_id, (page - 1) * row_count, row_count
    )
    if count == 0:
        raise ApiError(Code.CONTACT_NOT_FOUND, f"group: group {group_id} has no contacts")
    return GetGroupContactsResponse(contacts=[_contact(row) for row in rows])


# -------------------- contacts


def _contact(record: ContactRecord) -> Contact:
    return Contact(
        id=record.id,
        name=record.name,
        surname=record.surname,
        email=record.email,
        gsm=record.gsm,
        custom_fields=[CustomField(id=i, value=v) for i, v in record.fields],
        groups=record.groups,
    )


def _gsm(value: str | None) -> str | None:
    """A given `gsm` must be a Turkish mobile number (466, the API's "wrong number"); stored as `+905…`."""
    text = (value or "").strip()
    if not text:
        return None if value is None else ""
    number = phone.try_normalize(text)
    if number is None:
        raise ApiError(Code.INVALID_NUMBER, f"gsm: {text[:64]!r} is not a Turkish mobile number")
    return number


def _contact_data(req: AddContactRequest | EditContactRequest, *, editing: bool) -> ContactData:
    """The values of a request; in an edit a field left out is None ("keep") and an empty one "" (clear)."""

    def scalar(value: str | None) -> str | None:
        if value is None:
            return None
        return value.strip() if editing else _clean(value)

    gsm = _gsm(req.gsm)
    groups: list[int] | None = None
    if req.groups is not None:
        groups = []
        for raw in req.groups:
            group_id = plain_id(raw)
            if group_id is None:
                raise ApiError(Code.GROUP_NOT_FOUND)
            groups.append(group_id)
    fields: dict[int, str] | None = None
    if req.custom_fields is not None:
        fields = {}
        for item in req.custom_fields:
            field_id = plain_id(item.id)
            if field_id is None:
                raise ApiError(Code.CUSTOM_FIELD_NOT_FOUND)
            fields[field_id] = item.value or ""
    return ContactData(
        name=scalar(req.name),
        surname=scalar(req.surname),
        email=scalar(req.email),
        gsm=gsm if editing else (gsm or None),
        fields=fields,
        groups=groups,
    )


def _require_some_field(contact: ContactRecord | ContactData) -> None:
    """472: none of name, surname, gsm, email is filled (§4.13)."""
    if not any((contact.name, contact.surname, contact.gsm, contact.email)):
        raise ApiError(Code.CONTACT_FIELDS_REQUIRED)


def _contact_id(value: str | None) -> int:
    contact_id = plain_id(value)
    if contact_id is None:
        raise ApiError(Code.CONTACT_NOT_FOUND)
    return contact_id


def new_contact(req: AddContactRequest) -> ContactData:
    """add-contact's checks that need no store: 472 no name/surname/gsm/email, 466 a bad gsm, 463/473 an id
    that is no number. The seed file (`sandbox/seed.py`) goes through here too."""
    if not any(_clean(v) for v in (req.name, req.surname, req.gsm, req.email)):
        raise ApiError(Code.CONTACT_FIELDS_REQUIRED, "contact: none of name, surname, gsm and email is given")
    return _contact_data(req, editing=False)


async def add_contact(ctx: Context, req: AddContactRequest) -> AddContactResponse:
    """472 no name/surname/gsm/email; 466 a gsm that is not a Turkish mobile; 463 an unknown group id;
    473 an unknown custom field id."""
    data = new_contact(req)
    try:
        record = ctx.store.contacts.add(ctx.account.key, data, ctx.clock.now())
    except Refusal as refusal:
        raise _api_error(refusal) from refusal
    return AddContactResponse(contact=_contact(record))


async def edit_contact(ctx: Context, req: EditContactRequest) -> EditContactResponse:
    """Change the fields sent (a list of groups or custom fields replaces the stored one). 465 unknown id;
    466 bad gsm; 463 unknown group; 473 unknown custom field; 472 when the edit would leave no
    name/surname/gsm/email."""
    contact_id = _contact_id(req.id)
    data = _contact_data(req, editing=True)
    try:
        record = ctx.store.contacts.edit(ctx.account.key, contact_id, data, _require_some_field)
    except Refusal as refusal:
        raise _api_error(refusal) from refusal
    return EditContactResponse(contact=_contact(record))


async def delete_contact(ctx: Context, req: DeleteContactRequest) -> None:
    """465 when the contact does not exist (or belongs to another account)."""
    if not ctx.store.contacts.delete(ctx.account.key, _contact_id(req.id)):
        raise ApiError(Code.CONTACT_NOT_FOUND)


async def get_contact(ctx: Context, req: GetContactRequest) -> GetContactResponse:
    """465 when the contact does not exist."""
    record = ctx.store.contacts.get(ctx.account.key, _contact_id(req.id))
    if record is None:
        raise ApiError(Code.CONTACT_NOT_FOUND, f"contact: the account has no contact {req.id!r}")
    return GetContactResponse(contact=_contact(record))


async def search_contacts(ctx: Context, req: SearchContactsRequest) -> SearchContactsResponse:
    """Contacts whose name, surname, e-mail or gsm contains `key`, case-insensitive, by id.

    471 key shorter than 3 characters; 464 page < 1; 465 nothing matches. A page past the last match is an
    empty list (OQ-12).
    """
    key = (req.key or "").strip()
    if len(key) < SEARCH_MIN_LENGTH:
        raise ApiError(
            Code.SEARCH_TERM_TOO_SHORT,
            f"search: the key {key!r} has {len(key)} characters where "
            f"at least {SEARCH_MIN_LENGTH} are needed",
        )
    page = parse_page(req.page)
    row_count = parse_row_count(req.row_count)
    rows = ctx.store.contacts.search(ctx.account.key, key, (page - 1) * row_count, row_count)
    if not rows and (page == 1 or not ctx.store.contacts.search(ctx.account.key, key, 0, 1)):
        raise ApiError(Code.CONTACT_NOT_FOUND, f"search: no contact matches {key!r}")
    return SearchContactsResponse(contacts=[_contact(row) for row in rows])
