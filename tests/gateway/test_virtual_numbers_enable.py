"""enable.virtual_numbers through the wire, on the demo data (METHODS.md §15-§17, §20; docs/contract.md;
docs/decisions.md): every rule, the order of checks and the quota. disable.virtual_numbers, its inverse:
test_virtual_numbers_disable.py. The demo's numbers: tests/gateway/support_numbers.py.
"""

from __future__ import annotations

import time
from typing import Any

from tests.gateway.gets import CUST, Api
from tests.gateway.support_numbers import (
    DEMO_STOCK,
    DISABLE,
    ENABLE,
    NOVA,
    QUOTA,
    SITES,
    SITES_NUMBERS,
    STOCK_901,
    STOCK_902,
    STOCK_903,
    available_ids,
    number,
    number_in_stock,
    numbers_of,
    stock,
    succeeded,
)
from tests.gateway.wire import ABSENT, Absent, assert_error, limits_of

# ---------------------------------------------------------------- enable.virtual_numbers


async def test_enable_moves_a_stock_number_to_the_account(api: Api) -> None:
    before = int(time.time())
    await succeeded(api, ENABLE, {**SITES, "virtual_phone_number": "74959000901"}, "en-1")
    after = int(time.time())

    assert await stock(api) == [STOCK_902, STOCK_903]
    enabled = (await numbers_of(api, SITES))[-1]
    assert enabled == {**number(901, "74959000901", "call_tracking"), "activation_date": enabled["activation_date"]}
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(before))
    assert time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(after)) >= enabled["activation_date"] >= stamp
    # At once a number campaigns may use, under the same id (METHODS.md §17).
    assert (await available_ids(api, "tok_sites"))[901] == "call_tracking"
    created = await api.call(
        "create.campaigns",
        {
            **SITES,
            "name": "On 901",
            "site_id": 21,
            "site_blocks": [{"site_block_id": 212, "phone_number_id": 901, "redirection_phone_number_id": 431}],
        },
    )
    assert "result" in created, created
    assert [c["campaign_name"] for c in (await numbers_of(api, SITES))[-1]["campaigns"]] == ["On 901"]
    # Another account cannot have it any more, nor the same one twice.
    for params in (CUST, SITES):
        assert_error(
            await api.call(ENABLE, {**params, "virtual_phone_number": "74959000901"}),
            "virtual_phone_number_not_found",
            request_id=1,
            field="virtual_phone_number",
            value="74959000901",
            params={"virtual_phone_number": "74959000901"},
        )


async def test_enable_by_ids_gives_the_type_and_keeps_the_category(api: Api) -> None:
    # A JSON integer and a digit string are the same id ("0902" is 902).
    await succeeded(api, ENABLE, {**SITES, "number_capacity_ids": [901, "0902"], "number_capacity_component": "va"})

    items = {item["id"]: item for item in await numbers_of(api, SITES)}
    assert (items[901]["type"], items[901]["category"]) == ("va", "usual")
    assert (items[902]["type"], items[902]["category"]) == ("va", "bronze")
    assert await stock(api) == [STOCK_903]
    available = await available_ids(api, "tok_sites")
    assert (available[901], available[902]) == ("va", "va")
    # A plus sign is allowed; without number_capacity_component the type is call_tracking.
    await succeeded(api, ENABLE, {**CUST, "virtual_phone_number": "+78129000903", "user_id": 5001})
    assert (await available_ids(api, "tok_cust"))[903] == "call_tracking"
    assert await stock(api) == []


async def test_enable_errors_of_the_demo(api: Api) -> None:
    """METHODS.md §20's rows for enable.virtual_numbers; none of them changes the stock."""
    assert_error(
        await api.call(ENABLE, {**SITES, "virtual_phone_number": "74950000301"}),
        "virtual_phone_number_not_found",
        request_id=1,
        field="virtual_phone_number",
        value="74950000301",
        params={"virtual_phone_number": "74950000301"},
    )
    data = assert_error(
        await api.call(ENABLE, {**QUOTA, "virtual_phone_number": "74959000902"}), "tariff_restrictions", request_id=1
    )
    limits_of(data["metadata"])
    assert_error(
        await api.call(ENABLE, {**NOVA, "number_capacity_ids": ["903"], "number_capacity_component": "va"}),
        "parameter_component_disabled",
        request_id=1,
        field="number_capacity_component",
        value="va",
        params={"components": "va"},
    )
    assert_error(await api.call(ENABLE, SITES), "required_parameter_missed", request_id=1, field="virtual_phone_number")
    assert_error(
        await api.call(
            ENABLE,
            {
                **SITES,
                "virtual_phone_number": "74959000901",
                "number_capacity_ids": [903],
                "number_capacity_component": "va",
            },
        ),
        "invalid_parameters_combination",
        request_id=1,
        field="number_capacity_ids",
        value="[903]",
    )
    assert await stock(api) == DEMO_STOCK
    assert await numbers_of(api, SITES) == SITES_NUMBERS


async def test_enable_parameter_rules(api: Api) -> None:
    def ids(*items: Any) -> dict[str, Any]:
        return {**SITES, "number_capacity_ids": list(items), "number_capacity_component": "call_tracking"}

    component = "number_capacity_component"
    cases: list[tuple[dict[str, Any], str, str, str | Absent]] = [
        # (params, mnemonic, field, value)
        ({**SITES, "number_capacity_ids": [901]}, "required_parameter_missed", component, ABSENT),
        # [] counts as not sent, and so does null.
        ({**SITES, "number_capacity_ids": []}, "required_parameter_missed", "virtual_phone_number", ABSENT),
        ({**SITES, "virtual_phone_number": None}, "required_parameter_missed", "virtual_phone_number", ABSENT),
        # An item is a JSON integer or a string of digits: another type is data_type_error ...
        (ids(901.5), "data_type_error", "number_capacity_ids", "901.5"),
        (ids(True), "data_type_error", "number_capacity_ids", "true"),
        (ids(None), "data_type_error", "number_capacity_ids", "null"),
        (ids([901]), "data_type_error", "number_capacity_ids", "[901]"),
        ({**ids(), "number_capacity_ids": "901"}, "data_type_error", "number_capacity_ids", "901"),
        # ... and a string that is no id (not ASCII digits, negative, past int64) invalid_parameter_value.
        (ids("9o1"), "invalid_parameter_value", "number_capacity_ids", "9o1"),
        (ids(""), "invalid_parameter_value", "number_capacity_ids", ""),
        (ids(-901), "invalid_parameter_value", "number_capacity_ids", "-901"),
        (ids("\u0669\u0660\u0661"), "invalid_parameter_value", "number_capacity_ids", "\u0669\u0660\u0661"),
        (ids(2**63), "invalid_parameter_value", "number_capacity_ids", str(2**63)),
        (ids(str(10**30)), "invalid_parameter_value", "number_capacity_ids", str(10**30)),
        # The same id twice: the second; 1 to 100 items.
        (ids(901, "0901"), "invalid_parameter_value", "number_capacity_ids", "0901"),
        (
            ids(*range(1, 102)),
            "invalid_parameter_value",
            "number_capacity_ids",
            str(list(range(1, 102))).replace(" ", ""),
        ),
        ({**ids(901), component: "sms"}, "invalid_parameter_value", component, "sms"),
        ({**ids(901), component: 1}, "data_type_error", component, "1"),
        (
            {**SITES, "virtual_phone_number": "074959000901"},
            "invalid_parameter_value",
            "virtual_phone_number",
            "074959000901",
        ),
        ({**SITES, "virtual_phone_number": "7495"}, "invalid_parameter_value", "virtual_phone_number", "7495"),
        ({**SITES, "virtual_phone_number": 74959000901}, "data_type_error", "virtual_phone_number", "74959000901"),
        ({**SITES, "virtual_phone_number": "74959000901", "comment": "x"}, "unexpected_parameters", "comment", "x"),
    ]
    for params, mnemonic, field, value in cases:
        body = await api.call(ENABLE, params)
        assert "error" in body, (params, body)
        assert_error(body, mnemonic, request_id=1, field=field, value=value)
    assert await stock(api) == DEMO_STOCK


async def test_enable_ids_not_in_the_stock(api: Api) -> None:
    # All or nothing: 901 stays in the stock; the id is named as its decimal text.
    for sent, shown in ((999, "999"), ("0999", "999"), (2**63 - 1, str(2**63 - 1)), (392, "392")):
        assert_error(
            await api.call(
                ENABLE, {**SITES, "number_capacity_ids": [901, sent], "number_capacity_component": "call_tracking"}
            ),
            "virtual_phone_number_not_found",
            request_id=1,
            field="number_capacity_ids",
            value=str(sent),
            params={"virtual_phone_number": shown},
        )
    assert await stock(api) == DEMO_STOCK
    # A number already enabled: the one sent, as sent.
    assert_error(
        await api.call(ENABLE, {**SITES, "virtual_phone_number": "+74950000393"}),
        "virtual_phone_number_not_found",
        request_id=1,
        field="virtual_phone_number",
        value="+74950000393",
        params={"virtual_phone_number": "+74950000393"},
    )


async def test_enable_order_of_checks(api: Api) -> None:
    # Step 5 (permission) before the parameters; simple_dt refuses nothing here.
    assert_error(
        await api.call(ENABLE, {"access_token": "tok_noperm", "number_capacity_ids": ["x"]}),
        "forbidden",
        request_id=1,
    )
    await succeeded(api, ENABLE, {"access_token": "tok_simpledt", "virtual_phone_number": "74959000901"})
    # Step 7 before step 8: the bad id before the missing component.
    assert_error(
        await api.call(ENABLE, {**NOVA, "number_capacity_ids": ["x"], "number_capacity_component": "va"}),
        "invalid_parameter_value",
        request_id=1,
        field="number_capacity_ids",
        value="x",
    )
    # A requirement that follows from another parameter is a step 7 requirement (before values).
    assert_error(
        await api.call(ENABLE, {**NOVA, "number_capacity_ids": ["x"]}),
        "required_parameter_missed",
        request_id=1,
        field="number_capacity_component",
    )
    # Step 8 before step 9.
    assert_error(
        await api.call(
            ENABLE,
            {
                **NOVA,
                "virtual_phone_number": "74959000902",
                "number_capacity_ids": [903],
                "number_capacity_component": "va",
            },
        ),
        "parameter_component_disabled",
        request_id=1,
        field="number_capacity_component",
        value="va",
        params={"components": "va"},
    )
    # Step 9 before step 10, step 10 before step 11.
    assert_error(
        await api.call(
            ENABLE,
            {
                **SITES,
                "virtual_phone_number": "1234567",
                "number_capacity_ids": [999],
                "number_capacity_component": "va",
            },
        ),
        "invalid_parameters_combination",
        request_id=1,
        field="number_capacity_ids",
        value="[999]",
    )
    assert_error(
        await api.call(ENABLE, {**QUOTA, "virtual_phone_number": "1234567"}),
        "virtual_phone_number_not_found",
        request_id=1,
        field="virtual_phone_number",
        value="1234567",
        params={"virtual_phone_number": "1234567"},
    )


async def test_the_quota_counts_the_listed_numbers(api: Api) -> None:
    # Account 1006 may hold one virtual number and holds 361: once it is disabled, one fits, not two.
    await succeeded(api, DISABLE, {**QUOTA, "virtual_phone_number": "74950000361"})
    await succeeded(api, ENABLE, {**QUOTA, "virtual_phone_number": "74959000902"})
    assert_error(
        await api.call(ENABLE, {**QUOTA, "number_capacity_ids": [901], "number_capacity_component": "va"}),
        "tariff_restrictions",
        request_id=1,
    )
    assert [item["id"] for item in await numbers_of(api, QUOTA)] == [902]
    assert await stock(api) == [number_in_stock("74950000361"), STOCK_901, STOCK_903]
