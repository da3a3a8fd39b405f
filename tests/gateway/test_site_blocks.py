"""get.site_blocks, create.site_blocks, update.site_blocks and delete.site_blocks through the wire
(METHODS.md §5-§8, §17, §20), against account 1008 (tok_sites) and, for dynamic call tracking pools,
account 1000 (tok_cust). Every error is checked whole; every change is read back. Fresh database per test.
"""

from __future__ import annotations

from typing import Any, Final

import pytest

from tests.gateway.gets import Api, _filter, get_ids, site_block
from tests.gateway.support_sites import LAB, LAB_BLOCKS, blocks_of_account, fails, ok, sites_of
from tests.gateway.wire import ABSENT

CUST: Final[dict[str, Any]] = {"access_token": "tok_cust"}

# ---------------------------------------------------------------- get.site_blocks


async def test_get_site_blocks_shows_every_field(api: Api) -> None:
    assert await ok(api, "get.site_blocks", LAB) == LAB_BLOCKS


async def test_pool_numbers_and_the_system_campaign_show_on_their_block(api: Api) -> None:
    created = await ok(
        api,
        "create.campaigns",
        {
            **CUST,
            "name": "Pooled",
            "site_id": 10,
            "site_blocks": [
                {
                    "site_block_id": 101,
                    "phone_number_id": 301,
                    "redirection_phone_number_id": 401,
                    "dynamic_call_tracking_enabled": True,
                }
            ],
            "dynamic_call_tracking": {"count_virtual_numbers": 2, "count_visits": 5},
        },
    )
    system = {**CUST, "id": -1, "site_id": 20, "site_blocks": [{"site_block_id": 201, "phone_number_id": 302}]}
    assert await ok(api, "update.campaigns", system) == {}
    blocks = await blocks_of_account(api, "tok_cust")

    def item(number_id: int, campaign_id: int, name: str) -> dict[str, Any]:
        return {
            "phone_number_id": number_id,
            "phone_number": f"7495000{number_id:04d}",
            "campaign_id": campaign_id,
            "campaign_name": name,
            "image_url": None,
        }

    # The fixed number, then the pool's numbers, by campaign then number.
    assert blocks[101]["phone_numbers"] == [item(n, created["id"], "Pooled") for n in (301, 381, 382)]
    assert blocks[201]["phone_numbers"] == [item(302, -1, "Visitors without advertising campaign")]
    # Going inactive drops the campaign's block settings: its numbers leave the block.
    assert await ok(api, "update.campaigns", {**CUST, "id": created["id"], "site_id": 10, "status": "inactive"}) == {}
    assert (await blocks_of_account(api, "tok_cust"))[101]["phone_numbers"] == []


async def test_get_site_blocks_machinery(api: Api) -> None:
    assert await get_ids(
        api, "get.site_blocks", {**LAB, "filter": _filter("site_domain_name", "=", "lab.example")}
    ) == ([211, 212], 2)
    assert await get_ids(api, "get.site_blocks", {**LAB, "filter": _filter("name", "=", "Main")}) == ([221, 231], 2)
    assert await get_ids(api, "get.site_blocks", {**LAB, "sort": [{"field": "site_id", "order": "desc"}]}) == (
        [231, 221, 212, 211],  # the id breaks the tie in the sort's direction
        4,
    )
    assert await get_ids(api, "get.site_blocks", {**LAB, "limit": 2, "offset": 1}) == ([212, 221], 4)
    picked = await ok(api, "get.site_blocks", {**LAB, "fields": ["templates", "id"], "limit": 1})
    assert picked == [{"templates": [], "id": 211}]
    cases: list[tuple[dict[str, Any], str, str, str]] = [
        ({"filter": _filter("templates", "is_null")}, "filter_prohibited", "filter.field", "templates"),
        ({"filter": _filter("phone_numbers", "is_null")}, "filter_prohibited", "filter.field", "phone_numbers"),
        ({"filter": _filter("template_id", "=", 1)}, "unexpected_parameters", "filter.field", "template_id"),
        ({"filter": _filter("phone_number_id", "=", 392)}, "unexpected_parameters", "filter.field", "phone_number_id"),
        ({"sort": [{"field": "name"}]}, "sort_prohibited", "sort.field", "name"),
        ({"sort": [{"field": "campaign_id"}]}, "unexpected_parameters", "sort.field", "campaign_id"),
        ({"fields": ["image_url"]}, "unexpected_parameters", "fields", "image_url"),
    ]
    for index, (params, mnemonic, field, value) in enumerate(cases):
        await fails(api, "get.site_blocks", {**LAB, **params}, mnemonic, field, value, request_id=index)


# ---------------------------------------------------------------- create.site_blocks


async def test_create_site_block(api: Api) -> None:
    data = await ok(api, "create.site_blocks", {**LAB, "site_id": 21, "name": "Hero"})
    assert set(data) == {"id"} and type(data["id"]) is int and data["id"] > 231
    new_id = data["id"]
    # A shared name is allowed; the block shows in both gets at once.
    assert (await blocks_of_account(api))[new_id] == site_block(new_id, "Hero", 21, "lab.example")
    assert (await sites_of(api))[21]["site_blocks"] == [
        {"site_block_id": 211, "site_block_name": "Hero"},
        {"site_block_id": 212, "site_block_name": "Spare"},
        {"site_block_id": new_id, "site_block_name": "Hero"},
    ]
    # Usable in create.campaigns and update.campaigns with its site (§17).
    campaign = await ok(
        api,
        "create.campaigns",
        {**LAB, "name": "New block", "site_id": 21, "site_blocks": [{"site_block_id": new_id, "phone_number_id": 394}]},
    )
    assert campaign["id"] > 70
    assert (
        await ok(
            api,
            "update.campaigns",
            {
                **LAB,
                "id": 70,
                "site_id": 21,
                "site_blocks": [{"site_block_id": new_id, "phone_number_id": 392, "redirection_phone_number_id": 431}],
            },
        )
        == {}
    )
    # A site that is not editable still takes blocks; ids keep growing.
    other = await ok(api, "create.site_blocks", {**LAB, "site_id": 23, "name": "Side"})
    assert other["id"] > new_id


CREATE_ERRORS: Final[list[tuple[dict[str, Any], str, str, str | None]]] = [
    ({"name": "X"}, "required_parameter_missed", "site_id", None),
    ({"site_id": 21}, "required_parameter_missed", "name", None),
    ({"site_id": 21, "name": None}, "required_parameter_missed", "name", None),
    ({"site_id": "21", "name": "X"}, "data_type_error", "site_id", "21"),
    ({"site_id": 21, "name": 5}, "data_type_error", "name", "5"),
    ({"site_id": 21, "name": ""}, "invalid_parameter_value", "name", ""),
    ({"site_id": 21, "name": " \t"}, "invalid_parameter_value", "name", " \t"),
    ({"site_id": 21, "name": "n" * 256}, "invalid_parameter_value", "name", "n" * 256),
    ({"site_id": 21, "name": "X", "templates": []}, "unexpected_parameters", "templates", "[]"),
    ({"site_id": 999, "name": "X"}, "entity_not_found", "site_id", "999"),
    ({"site_id": 10, "name": "X"}, "entity_not_found", "site_id", "10"),
    # Order: the name's value (step 7) before the site (step 10).
    ({"site_id": 999, "name": ""}, "invalid_parameter_value", "name", ""),
]


@pytest.mark.parametrize(("params", "mnemonic", "field", "value"), CREATE_ERRORS, ids=range(len(CREATE_ERRORS)))
async def test_create_site_block_errors(
    api: Api, params: dict[str, Any], mnemonic: str, field: str, value: str | None
) -> None:
    await fails(api, "create.site_blocks", {**LAB, **params}, mnemonic, field, value if value is not None else ABSENT)
    assert await ok(api, "get.site_blocks", LAB) == LAB_BLOCKS


# ---------------------------------------------------------------- update.site_blocks


async def test_update_site_block(api: Api) -> None:
    assert await ok(api, "update.site_blocks", {**LAB, "id": 211}) == {}
    assert await ok(api, "update.site_blocks", {**LAB, "id": 211, "name": None}) == {}
    assert await ok(api, "get.site_blocks", LAB) == LAB_BLOCKS
    assert await ok(api, "update.site_blocks", {**LAB, "user_id": 5010, "id": 211, "name": "Banner"}) == {}
    assert (await blocks_of_account(api))[211]["name"] == "Banner"
    assert (await sites_of(api))[21]["site_blocks"][0] == {"site_block_id": 211, "site_block_name": "Banner"}
    views = {item["id"]: item for item in await ok(api, "get.campaigns", LAB)}
    assert views[70]["site_blocks"][0]["site_block_name"] == "Banner"
    # A block of a site that is not editable can be renamed.
    assert await ok(api, "update.site_blocks", {**LAB, "id": 231, "name": "Top"}) == {}


async def test_a_new_block_name_shows_in_virtual_numbers(api: Api) -> None:
    # §7 names get.virtual_numbers too: the campaigns of number 392 name block 211.
    assert await ok(api, "update.site_blocks", {**LAB, "id": 211, "name": "Banner"}) == {}
    numbers = await ok(
        api, "get.virtual_numbers", {**LAB, "fields": ["id", "campaigns"], "filter": _filter("id", "=", 392)}
    )
    assert numbers[0]["campaigns"][0]["site_blocks"] == [
        {"site_block_id": 211, "site_block_name": "Banner", "is_tracking": False}
    ]


UPDATE_ERRORS: Final[list[tuple[dict[str, Any], str, str, str | None]]] = [
    ({"name": "X"}, "required_parameter_missed", "id", None),
    ({"id": 211, "name": ""}, "invalid_parameter_value", "name", ""),
    ({"id": 211, "name": ["X"]}, "data_type_error", "name", '["X"]'),
    ({"id": 211, "site_id": 21}, "unexpected_parameters", "site_id", "21"),
    ({"id": 101, "name": "X"}, "entity_not_found", "id", "101"),
    ({"id": 999}, "entity_not_found", "id", "999"),
]


@pytest.mark.parametrize(("params", "mnemonic", "field", "value"), UPDATE_ERRORS, ids=range(len(UPDATE_ERRORS)))
async def test_update_site_block_errors(
    api: Api, params: dict[str, Any], mnemonic: str, field: str, value: str | None
) -> None:
    await fails(api, "update.site_blocks", {**LAB, **params}, mnemonic, field, value if value is not None else ABSENT)
    assert await ok(api, "get.site_blocks", LAB) == LAB_BLOCKS


# ---------------------------------------------------------------- delete.site_blocks


async def test_delete_site_blocks_per_the_demo_table(api: Api) -> None:
    await fails(api, "delete.site_blocks", {**LAB, "id": 211}, "dependency_error", "id", "211")
    await fails(api, "delete.site_blocks", {**LAB, "id": 101}, "entity_not_found", "id", "101")
    await fails(api, "delete.site_blocks", {**LAB, "id": "212"}, "data_type_error", "id", "212")
    await fails(api, "delete.site_blocks", LAB, "required_parameter_missed", "id")
    assert await ok(api, "get.site_blocks", LAB) == LAB_BLOCKS
    assert await ok(api, "delete.site_blocks", {**LAB, "id": 212}) == {}
    await fails(api, "delete.site_blocks", {**LAB, "id": 212}, "entity_not_found", "id", "212")
    # A site's last block, and a block of a site that is not editable, may go.
    assert await ok(api, "delete.site_blocks", {**LAB, "id": 221}) == {}
    assert await ok(api, "delete.site_blocks", {**LAB, "id": 231}) == {}
    assert sorted(await blocks_of_account(api)) == [211]
    assert (await sites_of(api))[22]["site_blocks"] == []
    # The deleted block is no longer a block of its site for create.campaigns.
    await fails(
        api,
        "create.campaigns",
        {**LAB, "name": "Late", "site_id": 21, "site_blocks": [{"site_block_id": 212, "phone_number_id": 394}]},
        "entity_not_found",
        "site_blocks.site_block_id",
        "212",
    )


async def test_a_block_is_freed_by_the_campaign_that_held_it(api: Api) -> None:
    # Inactive: the block settings go, so the block may be deleted.
    assert await ok(api, "update.campaigns", {**LAB, "id": 70, "site_id": 21, "status": "inactive"}) == {}
    assert await ok(api, "delete.site_blocks", {**LAB, "id": 211}) == {}
    # Account 1000: campaign 7 holds 102; updated onto 101 it frees 102 and holds 101.
    await fails(api, "delete.site_blocks", {**CUST, "id": 102}, "dependency_error", "id", "102")
    moved = {
        **CUST,
        "id": 7,
        "site_id": 10,
        "site_blocks": [{"site_block_id": 101, "phone_number_id": 304, "redirection_phone_number_id": 402}],
    }
    assert await ok(api, "update.campaigns", moved) == {}
    assert await ok(api, "delete.site_blocks", {**CUST, "id": 102}) == {}
    await fails(api, "delete.site_blocks", {**CUST, "id": 101}, "dependency_error", "id", "101")
    assert await ok(api, "delete.campaigns", {**CUST, "id": 7}) == {}
    assert await ok(api, "delete.site_blocks", {**CUST, "id": 101}) == {}


async def test_a_pool_or_the_system_campaign_holds_a_block(api: Api) -> None:
    pooled = await ok(
        api,
        "create.campaigns",
        {
            **CUST,
            "name": "Pooled",
            "site_id": 10,
            "site_blocks": [
                {
                    "site_block_id": 101,
                    "phone_number_id": 301,
                    "redirection_phone_number_id": 401,
                    "dynamic_call_tracking_enabled": True,
                }
            ],
            "dynamic_call_tracking": {"count_virtual_numbers": 1, "count_visits": 5},
        },
    )
    await fails(api, "delete.site_blocks", {**CUST, "id": 101}, "dependency_error", "id", "101")
    assert await ok(api, "delete.campaigns", {**CUST, "id": pooled["id"]}) == {}
    system = {**CUST, "id": -1, "site_id": 10, "site_blocks": [{"site_block_id": 101, "phone_number_id": 302}]}
    assert await ok(api, "update.campaigns", system) == {}
    await fails(api, "delete.site_blocks", {**CUST, "id": 101}, "dependency_error", "id", "101")
    assert await ok(api, "update.campaigns", {**CUST, "id": -1, "site_id": 10, "site_blocks": None}) == {}
    assert await ok(api, "delete.site_blocks", {**CUST, "id": 101}) == {}
