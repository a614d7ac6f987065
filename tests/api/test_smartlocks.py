"""Tag Smartlock over HTTP: listing, reading, adding, editing and deleting devices, their
configuration blocks per device type, and who may see and do what."""

from __future__ import annotations

from typing import Any

import pytest

from nukiweb.api.extra_operations import EXTRA_OPERATIONS
from nukiweb.api.operations import OPERATIONS
from nukiweb.domain.rights import Rights
from nukiweb.domain.scopes import Scope
from tests.api.test_sub_accounts import create_sub, sub_client
from tests.devices import (
    ALL_TYPES,
    LNG_TIMEOUT,
    MOTOR_TIME,
    act,
    add_device,
    advance,
    device,
    logs,
    simulate,
)
from tests.support import AccountFixture

# --- adding devices (PUT /smartlock) ----------------------------------------------------------


@pytest.mark.parametrize(
    ("device_type", "expected"),
    [(0, 439041101), (2, 9028975693), (3, 13323942989), (4, 17618910285)],
)
def test_put_derives_the_smartlock_id_from_type_and_nuki_id(
    account: AccountFixture, device_type: int, expected: int
) -> None:
    """Doc §1.3: the hex nukiId with the type digit in front, read as one number."""
    body = {"type": device_type, "name": "Front door", "nukiId": "1A2B3C4D"}
    response = account.api.put("/smartlock", json=body)
    assert response.status_code == 200, response.text
    created = response.json()
    assert created["smartlockId"] == expected
    assert (created["type"], created["name"]) == (device_type, "Front door")
    assert device(account.api, expected) == created


def test_put_accepts_a_lower_case_nuki_id_and_draws_one_when_absent(
    account: AccountFixture,
) -> None:
    assert add_device(account, 4, nukiId="00abcdef") == (4 << 32) | 0xABCDEF
    drawn = add_device(account, 2)
    assert drawn >> 32 == 2  # the type digit is always there
    assert add_device(account, 0) >> 32 == 0


def test_put_the_same_nuki_id_twice_is_409(
    account: AccountFixture, other_account: AccountFixture
) -> None:
    add_device(account, 4, nukiId="0BADF00D")
    body = {"type": 4, "name": "Again", "nukiId": "0badf00d"}
    assert account.api.put("/smartlock", json=body).status_code == 409
    assert other_account.api.put("/smartlock", json=body).status_code == 409
    assert other_account.api.get("/smartlock").json() == []
    # The same nukiId as another type is another device.
    assert add_device(account, 2, nukiId="0BADF00D") == (2 << 32) | 0x0BADF00D
    assert len(account.api.get("/smartlock").json()) == 2


@pytest.mark.parametrize(
    ("body", "parameter"),
    [
        ({"type": 5, "name": "x"}, "type"),
        ({"type": -1, "name": "x"}, "type"),
        ({"type": "lock", "name": "x"}, "type"),
        ({"name": "x"}, "type"),
        ({"type": 0}, "name"),
        ({"type": 0, "name": ""}, "name"),
        ({"type": 0, "name": "x" * 33}, "name"),
        ({"type": 0, "name": "   "}, "name"),
        ({"type": 0, "name": "x", "nukiId": "XYZ"}, "nukiId"),
        ({"type": 0, "name": "x", "nukiId": "123456789"}, "nukiId"),
        ({"type": 0, "name": "x", "firmwareVersion": "2.4.256"}, "firmwareVersion"),
    ],
)
def test_put_rejects_bad_values(
    account: AccountFixture, body: dict[str, Any], parameter: str
) -> None:
    response = account.api.put("/smartlock", json=body)
    assert response.status_code == 400
    assert f"'{parameter}'" in response.json()["detailMessage"]
    assert account.api.get("/smartlock").json() == []


def test_put_sets_the_firmware_and_hardware_versions_sent(account: AccountFixture) -> None:
    body = {"type": 0, "name": "Old", "firmwareVersion": "2.4.2", "hardwareVersion": 7}
    created = account.api.put("/smartlock", json=body).json()
    assert (created["firmwareVersion"], created["hardwareVersion"]) == (0x020402, 7)
    # Below the Smart Lock 2.0 minimum for simple actions (doc §6.1).
    response = account.api.post(f"/smartlock/{created['smartlockId']}/action/unlock")
    assert response.status_code == 405


def test_put_needs_the_create_scope(account: AccountFixture) -> None:
    client = account.client_with(Scope.SMARTLOCK, Scope.SMARTLOCK_CONFIG)
    assert client.put("/smartlock", json={"type": 0, "name": "x"}).status_code == 401
    creator = account.client_with(Scope.SMARTLOCK_CREATE)
    assert creator.put("/smartlock", json={"type": 0, "name": "x"}).status_code == 200


# --- reading ----------------------------------------------------------------------------------

BLOCKS = {
    "advancedConfig": {0, 4},
    "openerAdvancedConfig": {2},
    "smartdoorAdvancedConfig": {3},
}


@pytest.mark.parametrize("device_type", ALL_TYPES)
def test_a_new_device_is_complete(account: AccountFixture, device_type: int) -> None:
    smartlock_id = add_device(account, device_type, name="Complete")
    shown = device(account.api, smartlock_id)
    assert shown["smartlockId"] == smartlock_id
    assert shown["accountId"] == account.account_id
    assert shown["type"] == device_type
    assert (shown["name"], shown["favorite"]) == ("Complete", False)
    assert shown["authId"] == 1
    assert shown["config"]["name"] == "Complete"
    for block, types in BLOCKS.items():
        assert (block in shown) is (device_type in types), block
    assert "webConfig" in shown
    assert (shown["serverState"], shown["adminPinState"]) == (0, 0)
    assert shown["firmwareVersion"] > 0
    assert shown["hardwareVersion"] > 0
    assert shown["creationDate"].endswith("Z")
    assert shown["updateDate"] == shown["creationDate"]
    assert "operationId" not in shown
    assert "error" not in shown
    st = shown["state"]
    assert st["state"] == {1: 255, 2: 1}.get(device_type, 1)  # locked; opener online
    assert (st["mode"], st["lastAction"], st["doorState"], st["ringToOpenTimer"]) == (2, 0, 0, 0)
    assert (st["batteryCharge"], st["batteryCritical"], st["nightMode"]) == (100, False, False)
    flags = {"opener": 2, "box": 1, "smartDoor": 3}
    for flag, flag_type in flags.items():
        assert shown[flag] is (device_type == flag_type), flag
    assert shown["keyturner"] is (device_type in (0, 4))


def test_list_filters_by_type_and_auth_id(
    account: AccountFixture, other_account: AccountFixture
) -> None:
    api = account.api
    assert api.get("/smartlock").json() == []
    ids = sorted(add_device(account, device_type) for device_type in (4, 2, 0, 2))
    add_device(other_account, 2)
    listed = api.get("/smartlock").json()
    assert [d["smartlockId"] for d in listed] == ids
    assert listed == [device(api, smartlock_id) for smartlock_id in ids]
    openers = api.get("/smartlock", params={"type": 2}).json()
    assert [d["type"] for d in openers] == [2, 2]
    assert api.get("/smartlock", params={"type": 3}).json() == []
    assert len(api.get("/smartlock", params={"authId": 1}).json()) == 4
    assert api.get("/smartlock", params={"authId": 2}).json() == []
    assert len(api.get("/smartlock", params={"type": 0, "authId": 1}).json()) == 1
    assert api.get("/smartlock", params={"type": "x"}).status_code == 400


def test_read_only_scope_reads_but_does_not_write(account: AccountFixture) -> None:
    smartlock_id = add_device(account, 0)
    reader = account.client_with(Scope.SMARTLOCK_READ_ONLY)
    assert reader.get("/smartlock").status_code == 200
    assert reader.get(f"/smartlock/{smartlock_id}").status_code == 200
    assert reader.post(f"/smartlock/{smartlock_id}", json={"name": "x"}).status_code == 401
    assert reader.delete(f"/smartlock/{smartlock_id}").status_code == 401


# --- editing and deleting ---------------------------------------------------------------------


def test_rename_and_favorite_change_only_what_is_sent(account: AccountFixture) -> None:
    api = account.api
    smartlock_id = add_device(account, 4)
    created = device(api, smartlock_id)
    advance(api, 1)
    assert api.post(f"/smartlock/{smartlock_id}", json={"favorite": True}).status_code == 204
    assert device(api, smartlock_id)["name"] == created["name"]
    assert api.post(f"/smartlock/{smartlock_id}", json={"name": " Back door "}).status_code == 204
    shown = device(api, smartlock_id)
    assert (shown["name"], shown["favorite"]) == ("Back door", True)
    assert shown["creationDate"] == created["creationDate"]
    assert shown["updateDate"] > created["updateDate"]
    for bad in ["", "x" * 33]:
        response = api.post(f"/smartlock/{smartlock_id}", json={"name": bad})
        assert response.status_code == 400
        assert "'name'" in response.json()["detailMessage"]
    assert device(api, smartlock_id)["name"] == "Back door"


def test_delete_then_404_everywhere(account: AccountFixture) -> None:
    api = account.api
    smartlock_id = add_device(account, 0)
    keep = add_device(account, 2)
    act(api, smartlock_id, 4)  # lock 'n' go: it will relock on its own
    advance(api, MOTOR_TIME)
    assert api.delete(f"/smartlock/{smartlock_id}").status_code == 204
    advance(api, LNG_TIMEOUT + MOTOR_TIME)  # the pending relock goes with the device
    assert api.get(f"/smartlock/{smartlock_id}").status_code == 404
    assert api.get(f"/smartlock/{smartlock_id}/log").status_code == 404
    assert api.delete(f"/smartlock/{smartlock_id}").status_code == 404
    assert api.post(f"/smartlock/{smartlock_id}/action", json={"action": 1}).status_code == 404
    assert [d["smartlockId"] for d in api.get("/smartlock").json()] == [keep]
    assert all(entry["smartlockId"] == keep for entry in logs(api))
    # Its nukiId is free again.
    nuki_id = f"{smartlock_id & 0xFFFFFFFF:08X}"
    assert add_device(account, 0, nukiId=nuki_id) == smartlock_id


# --- configuration blocks ---------------------------------------------------------------------

CONFIG_BLOCKS = [
    ("config", "config", {"ledBrightness": 1, "latitude": 48.2}, set(ALL_TYPES)),
    ("advanced/config", "advancedConfig", {"lngTimeout": 5, "autoLockTimeout": 60}, {0, 4}),
    ("advanced/openerconfig", "openerAdvancedConfig", {"soundLevel": 100, "rtoTimeout": 5}, {2}),
    ("advanced/smartdoorconfig", "smartdoorAdvancedConfig", {"buzzerVolume": 0}, {3}),
    ("web/config", "webConfig", {"batteryWarningPerMailEnabled": True}, set(ALL_TYPES)),
]


@pytest.mark.parametrize(
    ("path", "key", "update", "device_type"),
    [
        pytest.param(path, key, update, device_type, id=f"{key}-type{device_type}")
        for path, key, update, types in CONFIG_BLOCKS
        for device_type in sorted(types)
    ],
)
def test_a_partial_config_update_changes_only_the_fields_sent(
    account: AccountFixture, path: str, key: str, update: dict[str, Any], device_type: int
) -> None:
    api = account.api
    smartlock_id = add_device(account, device_type)
    before = device(api, smartlock_id)
    assert api.post(f"/smartlock/{smartlock_id}/{path}", json=update).status_code == 204
    after = device(api, smartlock_id)
    assert after[key] == before[key] | update
    for other in ("config", "advancedConfig", "openerAdvancedConfig", "smartdoorAdvancedConfig"):
        if other != key:
            assert after.get(other) == before.get(other), other
    assert after["state"] == before["state"]


@pytest.mark.parametrize(
    ("path", "update", "device_type"),
    [
        pytest.param(path, update, device_type, id=f"{path}-type{device_type}")
        for path, _key, update, types in CONFIG_BLOCKS
        for device_type in sorted(set(ALL_TYPES) - types)
    ],
)
def test_a_config_block_the_type_lacks_is_400(
    account: AccountFixture, path: str, update: dict[str, Any], device_type: int
) -> None:
    smartlock_id = add_device(account, device_type)
    before = device(account.api, smartlock_id)
    response = account.api.post(f"/smartlock/{smartlock_id}/{path}", json=update)
    assert response.status_code == 400
    assert "'smartlockId'" in response.json()["detailMessage"]
    assert device(account.api, smartlock_id) == before


@pytest.mark.parametrize(
    ("path", "body", "parameter"),
    [
        ("config", {"ledBrightness": 6}, "ledBrightness"),
        ("config", {"latitude": 91}, "latitude"),
        ("config", {"timezoneId": 46}, "timezoneId"),
        ("advanced/config", {"lngTimeout": 7}, "lngTimeout"),
        ("advanced/config", {"unlatchDuration": 2}, "unlatchDuration"),
        ("advanced/config", {"batteryType": 3}, "batteryType"),
    ],
)
def test_config_values_out_of_range_are_400(
    account: AccountFixture, path: str, body: dict[str, Any], parameter: str
) -> None:
    smartlock_id = add_device(account, 4)
    before = device(account.api, smartlock_id)
    response = account.api.post(f"/smartlock/{smartlock_id}/{path}", json=body)
    assert response.status_code == 400
    assert f"'{parameter}'" in response.json()["detailMessage"]
    assert device(account.api, smartlock_id) == before


def test_renaming_through_the_config_renames_the_device(account: AccountFixture) -> None:
    smartlock_id = add_device(account, 2)
    response = account.api.post(f"/smartlock/{smartlock_id}/config", json={"name": "Gate"})
    assert response.status_code == 204
    shown = device(account.api, smartlock_id)
    assert (shown["name"], shown["config"]["name"]) == ("Gate", "Gate")


def test_web_config_list_is_replaced_and_cleared(account: AccountFixture) -> None:
    api = account.api
    smartlock_id = add_device(account, 4)
    path = f"/smartlock/{smartlock_id}/web/config"
    assert api.post(path, json={"dismissedLiftUpHandleWarning": [1, 2]}).status_code == 204
    assert device(api, smartlock_id)["webConfig"]["dismissedLiftUpHandleWarning"] == [1, 2]
    assert api.post(path, json={"batteryWarningPerMailEnabled": True}).status_code == 204
    assert device(api, smartlock_id)["webConfig"]["dismissedLiftUpHandleWarning"] == [1, 2]
    assert api.post(path, json={"dismissedLiftUpHandleWarning": []}).status_code == 204
    web = device(api, smartlock_id)["webConfig"]
    assert web == {"batteryWarningPerMailEnabled": True, "dismissedLiftUpHandleWarning": []}


def _bulk(*smartlock_ids: int, enabled: bool = True) -> dict[str, Any]:
    return {
        "webConfigRequests": [
            {"smartlockId": smartlock_id, "webConfig": {"batteryWarningPerMailEnabled": enabled}}
            for smartlock_id in smartlock_ids
        ]
    }


def _mail_warnings(account: AccountFixture, smartlock_id: int) -> bool:
    enabled: bool = device(account.api, smartlock_id)["webConfig"]["batteryWarningPerMailEnabled"]
    return enabled


def test_bulk_web_config_changes_all(account: AccountFixture) -> None:
    ids = [add_device(account, device_type) for device_type in (0, 2)]
    assert account.api.post("/bulk-web-config", json=_bulk(*ids)).status_code == 204
    assert [_mail_warnings(account, smartlock_id) for smartlock_id in ids] == [True, True]


def test_bulk_web_config_is_all_or_nothing(
    account: AccountFixture, other_account: AccountFixture
) -> None:
    ids = [add_device(account, device_type) for device_type in (0, 2)]
    theirs = add_device(other_account, 4)
    for stranger in (theirs, (4 << 32) | 0x12345678):
        response = account.api.post("/bulk-web-config", json=_bulk(ids[0], stranger, ids[1]))
        assert response.status_code == 404
    assert [_mail_warnings(account, smartlock_id) for smartlock_id in ids] == [False, False]
    assert _mail_warnings(other_account, theirs) is False


def test_admin_pin(account: AccountFixture) -> None:
    api = account.api
    smartlock_id = add_device(account, 0)
    assert api.post(f"/smartlock/{smartlock_id}/admin/pin", json={"adminPin": 4711}).status_code
    shown = device(api, smartlock_id)
    assert shown["adminPinState"] == 0
    assert "4711" not in str(shown)
    for pin in (10000, -1):
        response = api.post(f"/smartlock/{smartlock_id}/admin/pin", json={"adminPin": pin})
        assert response.status_code == 400
        message = response.json()["detailMessage"]
        assert "'adminPin'" in message
        assert str(pin) not in message


def test_sync(account: AccountFixture) -> None:
    smartlock_id = add_device(account, 3)
    before = device(account.api, smartlock_id)
    assert account.api.post(f"/smartlock/{smartlock_id}/sync").status_code == 204
    assert device(account.api, smartlock_id) == before


# --- another account's devices ----------------------------------------------------------------


def _foreign_requests(smartlock_id: int) -> dict[tuple[str, str], Any]:
    """A valid request to every Smartlock and SmartlockLog operation on one device."""
    return {
        ("GET", "/smartlock/{smartlockId}"): None,
        ("POST", "/smartlock/{smartlockId}"): {"name": "Stolen", "favorite": True},
        ("DELETE", "/smartlock/{smartlockId}"): None,
        ("POST", "/smartlock/{smartlockId}/action"): {"action": 1},
        ("POST", "/smartlock/{smartlockId}/action/lock"): None,
        ("POST", "/smartlock/{smartlockId}/action/unlock"): None,
        ("POST", "/smartlock/{smartlockId}/admin/pin"): {"adminPin": 1234},
        ("POST", "/smartlock/{smartlockId}/advanced/config"): {"lngTimeout": 5},
        ("POST", "/smartlock/{smartlockId}/advanced/openerconfig"): {"soundLevel": 1},
        ("POST", "/smartlock/{smartlockId}/advanced/smartdoorconfig"): {"buzzerVolume": 1},
        ("POST", "/smartlock/{smartlockId}/config"): {"name": "Stolen"},
        ("GET", "/smartlock/{smartlockId}/log"): None,
        ("POST", "/smartlock/{smartlockId}/sync"): None,
        ("POST", "/smartlock/{smartlockId}/web/config"): {"batteryWarningPerMailEnabled": True},
        ("POST", "/bulk-web-config"): _bulk(smartlock_id),
    }


def test_the_foreign_requests_cover_every_operation_on_a_device() -> None:
    on_a_device = {
        (op.method, op.path)
        for op in (*OPERATIONS, *EXTRA_OPERATIONS)
        if op.tag in ("Smartlock", "SmartlockLog")
        and ("{smartlockId}" in op.path or op.path == "/bulk-web-config")
    }
    assert set(_foreign_requests(0)) == on_a_device


@pytest.mark.parametrize("device_type", ALL_TYPES)
def test_another_accounts_device_is_404_on_every_path_and_unchanged(
    account: AccountFixture, other_account: AccountFixture, device_type: int
) -> None:
    smartlock_id = add_device(account, device_type)
    simulate(account.api, smartlock_id, "firmware", version="2.9.0")  # one log entry
    before = device(account.api, smartlock_id)
    log_before = logs(account.api, smartlock_id)
    for (method, template), body in _foreign_requests(smartlock_id).items():
        path = template.replace("{smartlockId}", str(smartlock_id))
        response = other_account.api.request(method, path, json=body)
        assert response.status_code == 404, (method, path, response.text)
        assert str(smartlock_id) in response.json()["detailMessage"]
    advance(account.api, MOTOR_TIME)
    assert device(account.api, smartlock_id) == before
    assert logs(account.api, smartlock_id) == log_before
    assert other_account.api.get("/smartlock").json() == []
    assert logs(other_account.api) == []


# --- sub-accounts -----------------------------------------------------------------------------


def test_a_sub_account_that_may_operate_acts_but_does_not_configure(
    account: AccountFixture,
) -> None:
    smartlock_id = add_device(account, 4)
    sub = create_sub(account, rights=int(Rights.OPERATE_SMARTLOCK))
    client = sub_client(account, int(str(sub["accountId"])))
    assert [d["smartlockId"] for d in client.get("/smartlock").json()] == [smartlock_id]
    assert client.get(f"/smartlock/{smartlock_id}").status_code == 200
    assert client.post(f"/smartlock/{smartlock_id}/action", json={"action": 1}).status_code == 204
    advance(account.api, MOTOR_TIME)
    assert client.post(f"/smartlock/{smartlock_id}/action/lock").status_code == 204
    advance(account.api, MOTOR_TIME)
    assert client.post(f"/smartlock/{smartlock_id}/sync").status_code == 204
    # The log names who acted.
    assert [entry["name"] for entry in logs(account.api, smartlock_id)] == ["Sub", "Sub"]
    before = device(account.api, smartlock_id)
    for method, path, body in [
        ("POST", f"/smartlock/{smartlock_id}/config", {"ledBrightness": 1}),
        ("POST", f"/smartlock/{smartlock_id}/advanced/config", {"lngTimeout": 5}),
        ("POST", f"/smartlock/{smartlock_id}/web/config", {"batteryWarningPerMailEnabled": True}),
        ("POST", f"/smartlock/{smartlock_id}/admin/pin", {"adminPin": 1234}),
        ("POST", "/bulk-web-config", _bulk(smartlock_id)),
        ("POST", f"/smartlock/{smartlock_id}", {"name": "x"}),
        ("DELETE", f"/smartlock/{smartlock_id}", None),
        ("PUT", "/smartlock", {"type": 0, "name": "x"}),
        ("GET", "/smartlock/log", None),
        ("GET", f"/smartlock/{smartlock_id}/log", None),
    ]:
        assert client.request(method, path, json=body).status_code == 403, (method, path)
    assert device(account.api, smartlock_id) == before


def test_a_sub_account_that_may_view_logs_reads_and_does_nothing_else(
    account: AccountFixture,
) -> None:
    """Reading devices needs any right (docs/devices.md); every write needs its own."""
    smartlock_id = add_device(account, 0)
    simulate(account.api, smartlock_id, "door", open=True)
    sub = create_sub(account, rights=int(Rights.VIEW_LOGS))
    client = sub_client(account, int(str(sub["accountId"])))
    assert client.get("/smartlock/log").json() == logs(account.api)
    assert client.get(f"/smartlock/{smartlock_id}/log").json() == logs(account.api, smartlock_id)
    assert client.get(f"/smartlock/{smartlock_id}").status_code == 200
    before = device(account.api, smartlock_id)
    for method, path, body in [
        ("POST", f"/smartlock/{smartlock_id}/action", {"action": 1}),
        ("POST", f"/smartlock/{smartlock_id}/action/unlock", None),
        ("POST", f"/smartlock/{smartlock_id}/sync", None),
        ("POST", f"/smartlock/{smartlock_id}/config", {"ledBrightness": 1}),
        ("POST", f"/smartlock/{smartlock_id}", {"name": "x"}),
        ("DELETE", f"/smartlock/{smartlock_id}", None),
        ("PUT", "/smartlock", {"type": 0, "name": "x"}),
    ]:
        assert client.request(method, path, json=body).status_code == 403, (method, path)
    advance(account.api, MOTOR_TIME)
    assert device(account.api, smartlock_id) == before


@pytest.mark.parametrize(
    ("rights", "method", "path", "body"),
    [
        (Rights.MANAGE_CONFIG, "POST", "config", {"ledBrightness": 1}),
        (Rights.MANAGE_CONFIG, "POST", "advanced/config", {"lngTimeout": 5}),
        (Rights.MANAGE_SMARTLOCK, "POST", "", {"name": "Renamed"}),
        (Rights.MANAGE_SMARTLOCK, "DELETE", "", None),
    ],
)
def test_a_sub_account_with_the_right_may_change_the_masters_device(
    account: AccountFixture, rights: Rights, method: str, path: str, body: Any
) -> None:
    smartlock_id = add_device(account, 0)
    sub = create_sub(account, rights=int(rights))
    client = sub_client(account, int(str(sub["accountId"])))
    url = f"/smartlock/{smartlock_id}/{path}".rstrip("/")
    assert client.request(method, url, json=body).status_code == 204


def test_a_sub_account_that_may_create_adds_to_its_masters_account(
    account: AccountFixture,
) -> None:
    sub = create_sub(account, rights=int(Rights.CREATE_SMARTLOCKS))
    client = sub_client(account, int(str(sub["accountId"])))
    created = client.put("/smartlock", json={"type": 2, "name": "Sub's"}).json()
    assert created["accountId"] == account.account_id
    assert [d["smartlockId"] for d in account.api.get("/smartlock").json()] == [
        created["smartlockId"]
    ]
