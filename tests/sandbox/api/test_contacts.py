"""Contacts and groups over a real socket (CONTRACT §4.13, OQ-29), in JSON and in XML: every code 461–465 and
471–473 under its trigger, nesting and counts, custom fields, membership, search and pagination."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ileti.codes import Code
from ileti.wire import Contact, Group

from ..api_calls import Api


@pytest.fixture(params=["json", "xml"])
def api(request: pytest.FixtureRequest, ileti_sandbox: Any) -> Iterator[Api]:
    with Api(ileti_sandbox, request.param) as api:
        yield api


def add_group(api: Api, name: str, parent: int | str | None = None) -> int:
    payload: dict[str, Any] = {"name": name}
    if parent is not None:
        payload["parent"] = parent
    answer = api.expect(Code.OK, "add-group", payload)
    group = Group.model_validate(answer.response["group"])
    assert group.name == name
    return group.id


def add_contact(api: Api, **fields: Any) -> Contact:
    return Contact.model_validate(api.expect(Code.OK, "add-contact", fields).response["contact"])


def groups(api: Api) -> list[Group]:
    return [Group.model_validate(g) for g in api.expect(Code.OK, "get-groups").response.get("groups") or []]


def contacts(answer_contacts: Any) -> list[Contact]:
    return [Contact.model_validate(c) for c in answer_contacts or []]


# -------------------- groups


def test_groups_nest_with_counts_and_children(api: Api) -> None:
    top = add_group(api, "Müşteriler")
    child = add_group(api, "VIP", top)
    other = add_group(api, "Tedarikçiler", "0")  # 0 is the top level
    add_contact(api, name="Ayşe", groups=[str(top), str(child)])
    add_contact(api, name="Ali", groups=[str(child)])
    tree = {g.id: g for g in groups(api)}
    assert set(tree) == {top, other}
    assert tree[top].count == 1
    assert [(c.id, c.name, c.count) for c in tree[top].children or []] == [(child, "VIP", 2)]
    assert tree[other].count == 0
    assert not tree[other].children
    got = Group.model_validate(api.expect(Code.OK, "get-group", {"id": top}).response["group"])  # JSON only
    assert (got.id, got.count, [c.id for c in got.children or []]) == (top, 1, [child])


def test_no_groups_is_an_empty_list(api: Api) -> None:
    assert groups(api) == []


@pytest.mark.parametrize("name", ["", "   ", None], ids=["empty", "blank", "missing"])
def test_a_group_without_a_name_is_461(api: Api, name: str | None) -> None:
    payload = {} if name is None else {"name": name}
    api.expect(Code.GROUP_NAME_REQUIRED, "add-group", payload)
    group = add_group(api, "x")
    api.expect(Code.GROUP_NAME_REQUIRED, "edit-group", {"id": group, **payload})


def test_an_unknown_parent_is_463(api: Api) -> None:
    api.expect(Code.GROUP_NOT_FOUND, "add-group", {"name": "x", "parent": "999"})
    api.expect(Code.GROUP_NOT_FOUND, "add-group", {"name": "x", "parent": "abc"})
    group = add_group(api, "x")
    api.expect(Code.GROUP_NOT_FOUND, "edit-group", {"id": group, "name": "y", "parent": "999"})


@pytest.mark.parametrize("endpoint", ["edit-group", "delete-group", "get-group", "get-group-contacts"])
def test_a_missing_group_id_is_462(api: Api, endpoint: str) -> None:
    api.expect(Code.GROUP_ID_REQUIRED, endpoint, {"name": "x"})
    api.expect(Code.GROUP_ID_REQUIRED, endpoint, {"id": "", "name": "x"})


def test_edit_group_of_an_id_not_in_this_account_is_462(api: Api) -> None:
    api.expect(Code.GROUP_ID_REQUIRED, "edit-group", {"id": "999", "name": "x"})
    other = api.control("POST", "/_sandbox/accounts", {"secret": "s"})
    theirs = Group.model_validate(
        api.expect(Code.OK, "add-group", {"name": "t"}, key=other["key"], hash=other["hash"]).response[
            "group"
        ]
    )
    api.expect(Code.GROUP_ID_REQUIRED, "edit-group", {"id": theirs.id, "name": "mine now"})


@pytest.mark.parametrize("endpoint", ["delete-group", "get-group", "get-group-contacts"])
def test_an_unknown_group_is_463(api: Api, endpoint: str) -> None:
    api.expect(Code.GROUP_NOT_FOUND, endpoint, {"id": "999"})


def test_edit_group_renames_and_moves(api: Api) -> None:
    a, b = add_group(api, "A"), add_group(api, "B")
    answer = api.expect(Code.OK, "edit-group", {"id": b, "name": "B2", "parent": a})
    assert Group.model_validate(answer.response["group"]).name == "B2"
    assert [(g.id, [c.id for c in g.children or []]) for g in groups(api)] == [(a, [b])]
    api.expect(Code.OK, "edit-group", {"id": b, "name": "B2", "parent": ""})  # back to the top level
    assert sorted(g.id for g in groups(api)) == [a, b]


def test_a_group_cannot_move_under_itself_or_its_subgroup(api: Api) -> None:
    a = add_group(api, "A")
    b = add_group(api, "B", a)
    api.expect(Code.VALIDATION_FAILED, "edit-group", {"id": a, "name": "A", "parent": a})
    api.expect(Code.VALIDATION_FAILED, "edit-group", {"id": a, "name": "A", "parent": b})


def test_deleting_a_group_removes_its_subgroups_but_keeps_contacts(api: Api) -> None:
    a = add_group(api, "A")
    b = add_group(api, "B", a)
    contact = add_contact(api, name="Ayşe", groups=[str(a), str(b)])
    api.expect(Code.OK, "delete-group", {"id": a})
    assert groups(api) == []
    api.expect(Code.GROUP_NOT_FOUND, "get-group-contacts", {"id": b})
    kept = Contact.model_validate(api.expect(Code.OK, "get-contact", {"id": contact.id}).response["contact"])
    assert kept.groups == []
    api.expect(Code.GROUP_NOT_FOUND, "delete-group", {"id": a})


def test_group_contacts_are_paged_by_id(api: Api) -> None:
    group = add_group(api, "G")
    ids = [add_contact(api, name=f"Kişi {i}", groups=[str(group)]).id for i in range(5)]
    add_contact(api, name="outsider")
    page = api.expect(Code.OK, "get-group-contacts", {"id": group, "page": "2", "rowCount": "2"})
    assert [c.id for c in contacts(page.response["contacts"])] == ids[2:4]
    everything = api.expect(Code.OK, "get-group-contacts", {"id": group})
    assert [c.id for c in contacts(everything.response["contacts"])] == ids
    past = api.expect(Code.OK, "get-group-contacts", {"id": group, "page": 9, "rowCount": 2})
    assert contacts(past.response["contacts"]) == []


def test_a_group_without_contacts_is_465(api: Api) -> None:
    api.expect(Code.CONTACT_NOT_FOUND, "get-group-contacts", {"id": add_group(api, "empty")})


@pytest.mark.parametrize(
    ("endpoint", "payload"), [("get-group-contacts", {"id": "1"}), ("search-contacts", {"key": "abc"})]
)
def test_a_page_below_1_is_464(api: Api, endpoint: str, payload: dict[str, Any]) -> None:
    add_group(api, "G")
    api.expect(Code.INVALID_PAGE, endpoint, {**payload, "page": "0"})


# -------------------- contacts


def test_a_contact_keeps_its_fields_custom_fields_and_groups(api: Api) -> None:
    city = api.add_custom_field("city")
    tier = api.add_custom_field("tier")
    group = add_group(api, "G")
    created = add_contact(
        api,
        name="Ayşe",
        surname="Yılmaz",
        email="ayse@example.com",
        gsm="0532 111 22 33",
        custom_fields=[{"id": str(city), "value": "İzmir"}, {"id": str(tier), "value": "<gold> &"}],
        groups=[str(group)],
    )
    assert created.gsm == "+905321112233"
    got = Contact.model_validate(api.expect(Code.OK, "get-contact", {"id": created.id}).response["contact"])
    assert got == created
    assert (got.name, got.surname, got.email) == ("Ayşe", "Yılmaz", "ayse@example.com")
    assert sorted((f.id, f.value) for f in got.custom_fields) == [(city, "İzmir"), (tier, "<gold> &")]
    assert got.groups == [group]


def test_documented_group_and_custom_field_forms_are_accepted(api: Api) -> None:
    city = api.add_custom_field("city")
    g1, g2 = add_group(api, "G1"), add_group(api, "G2")
    forms: list[dict[str, Any]] = [
        {
            "groups": {"group": [{"id": g1}, {"id": g2}]},
            "custom_fields": {"custom_field": [{"id": city, "value": "x"}]},
        },
        {"groups": {"id": [g1, g2]}, "custom_fields": {"id": city, "value": "x"}},
    ]
    for form in forms:
        created = add_contact(api, name="n", **form)
        assert created.groups == [g1, g2]
        assert [(f.id, f.value) for f in created.custom_fields] == [(city, "x")]


@pytest.mark.parametrize(
    "fields",
    [{}, {"name": "", "surname": " ", "email": "", "gsm": ""}, {"custom_fields": [], "groups": []}],
    ids=["nothing", "blank", "only-lists"],
)
def test_a_contact_without_name_surname_gsm_or_email_is_472(api: Api, fields: dict[str, Any]) -> None:
    api.expect(Code.CONTACT_FIELDS_REQUIRED, "add-contact", fields)


def test_an_unknown_custom_field_is_473(api: Api) -> None:
    for field_id in ("77", "x"):
        api.expect(
            Code.CUSTOM_FIELD_NOT_FOUND,
            "add-contact",
            {"name": "n", "custom_fields": [{"id": field_id, "value": "v"}]},
        )
    contact = add_contact(api, name="n")
    api.expect(
        Code.CUSTOM_FIELD_NOT_FOUND,
        "edit-contact",
        {"id": contact.id, "custom_fields": [{"id": "77", "value": "v"}]},
    )


def test_an_unknown_group_of_a_contact_is_463(api: Api) -> None:
    api.expect(Code.GROUP_NOT_FOUND, "add-contact", {"name": "n", "groups": ["999"]})
    contact = add_contact(api, name="n")
    api.expect(Code.GROUP_NOT_FOUND, "edit-contact", {"id": contact.id, "groups": ["999"]})


def test_a_gsm_that_is_not_a_turkish_mobile_is_466(api: Api) -> None:
    api.expect(Code.INVALID_NUMBER, "add-contact", {"name": "n", "gsm": "905999123456"})


def test_an_unknown_contact_is_465(api: Api) -> None:
    for endpoint in ("get-contact", "delete-contact", "edit-contact"):
        for contact_id in ("999", "", "abc", None):
            payload = {"name": "x"} if contact_id is None else {"id": contact_id, "name": "x"}
            api.expect(Code.CONTACT_NOT_FOUND, endpoint, payload)


def test_delete_contact_then_it_is_gone(api: Api) -> None:
    contact = add_contact(api, email="a@b.co")
    api.expect(Code.OK, "delete-contact", {"id": contact.id})
    api.expect(Code.CONTACT_NOT_FOUND, "get-contact", {"id": contact.id})
    api.expect(Code.CONTACT_NOT_FOUND, "delete-contact", {"id": contact.id})


def test_edit_contact_changes_only_what_is_sent(api: Api) -> None:
    city = api.add_custom_field("city")
    g1, g2 = add_group(api, "G1"), add_group(api, "G2")
    contact = add_contact(
        api, name="Ayşe", gsm="5321112233", groups=[str(g1)], custom_fields=[{"id": city, "value": "Ankara"}]
    )
    answer = api.expect(Code.OK, "edit-contact", {"id": contact.id, "surname": "Kaya", "groups": [str(g2)]})
    edited = Contact.model_validate(answer.response["contact"])
    assert (edited.name, edited.surname, edited.gsm, edited.groups) == ("Ayşe", "Kaya", "+905321112233", [g2])
    assert [(f.id, f.value) for f in edited.custom_fields] == [(city, "Ankara")]
    cleared = api.expect(Code.OK, "edit-contact", {"id": contact.id, "gsm": "", "custom_fields": []})
    assert Contact.model_validate(cleared.response["contact"]).gsm is None
    api.expect(Code.CONTACT_FIELDS_REQUIRED, "edit-contact", {"id": contact.id, "name": "", "surname": ""})
    still = Contact.model_validate(api.expect(Code.OK, "get-contact", {"id": contact.id}).response["contact"])
    assert (still.name, still.surname) == ("Ayşe", "Kaya")  # a refused edit changes nothing


def test_contacts_of_another_account_are_465(api: Api) -> None:
    contact = add_contact(api, name="mine")
    other = api.control("POST", "/_sandbox/accounts", {"secret": "s"})
    api.expect(
        Code.CONTACT_NOT_FOUND, "get-contact", {"id": contact.id}, key=other["key"], hash=other["hash"]
    )


# -------------------- search


@pytest.mark.parametrize(
    ("key", "who"),
    [
        ("ayş", "ayse"),
        ("AYŞE", "ayse"),
        ("yilmaz", "ayse"),
        ("YILMAZ", "ayse"),
        ("DEMIR", "ali"),
        ("demİr", "ali"),
        ("example.com", "ali"),
        ("e@firma", "ayse"),
        ("999887", "ali"),
        ("+90532", "ayse"),
        ("Dem", "ali"),
    ],
)
def test_search_matches_name_surname_email_and_number(api: Api, key: str, who: str) -> None:
    ayse = add_contact(api, name="Ayşe", surname="Yılmaz", email="ayse@firma.com.tr", gsm="5321112233")
    ali = add_contact(api, name="Ali", surname="Demir", email="ali@example.com", gsm="5449998877")
    found = api.expect(Code.OK, "search-contacts", {"key": key}).response["contacts"]
    assert [c.id for c in contacts(found)] == [{"ayse": ayse, "ali": ali}[who].id]


@pytest.mark.parametrize("key", ["zzz", "%%%", "___", "a_e"])
def test_a_search_without_matches_is_465(api: Api, key: str) -> None:
    add_contact(api, name="Ayşe", surname="Yılmaz", email="ayse@firma.com.tr", gsm="5321112233")
    api.expect(Code.CONTACT_NOT_FOUND, "search-contacts", {"key": key})


@pytest.mark.parametrize("key", ["", "ab", "  ab  ", None])
def test_a_search_term_under_3_characters_is_471(api: Api, key: str | None) -> None:
    api.expect(Code.SEARCH_TERM_TOO_SHORT, "search-contacts", {} if key is None else {"key": key})


def test_search_pages(api: Api) -> None:
    ids = [add_contact(api, name=f"Deniz {i}").id for i in range(5)]
    page = api.expect(Code.OK, "search-contacts", {"key": "deniz", "page": 2, "rowCount": 2})
    assert [c.id for c in contacts(page.response["contacts"])] == ids[2:4]
    past = api.expect(Code.OK, "search-contacts", {"key": "deniz", "page": 4, "rowCount": 2})
    assert contacts(past.response["contacts"]) == []


# -------------------- control API


def test_custom_fields_are_defined_read_and_removed_through_the_control_api(api: Api) -> None:
    city = api.add_custom_field("city")
    defined = api.control("GET", api.account("/custom-fields"))
    assert defined == {"custom_fields": [{"id": city, "name": "city"}]}
    contact = add_contact(api, name="n", custom_fields=[{"id": city, "value": "İzmir"}])
    api.control("DELETE", api.account(f"/custom-fields/{city}"))
    got = Contact.model_validate(api.expect(Code.OK, "get-contact", {"id": contact.id}).response["contact"])
    assert got.custom_fields == []
    api.expect(
        Code.CUSTOM_FIELD_NOT_FOUND,
        "add-contact",
        {"name": "n", "custom_fields": [{"id": city, "value": "v"}]},
    )


def test_reset_wipes_contacts_groups_and_custom_fields(api: Api) -> None:
    group = add_group(api, "G")
    add_contact(api, name="n", groups=[str(group)])
    api.add_custom_field("city")
    snapshot = api.control("GET", api.account("/contacts"))
    assert [g["id"] for g in snapshot["groups"]] == [group]
    assert len(snapshot["contacts"]) == 1
    api.control("POST", "/_sandbox/reset")
    api.control("POST", "/_sandbox/accounts", {"key": api.key, "hash": api.hash})
    assert api.control("GET", api.account("/contacts")) == {"groups": [], "contacts": []}
    assert api.control("GET", api.account("/custom-fields")) == {"custom_fields": []}


def test_deleting_an_account_forgets_its_directory(api: Api) -> None:
    add_group(api, "G")
    api.control("DELETE", api.account())
    api.control("POST", "/_sandbox/accounts", {"key": api.key, "hash": api.hash})
    assert groups(api) == []
