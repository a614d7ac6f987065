"""What the device tests share: adding simulated devices over HTTP, reading their state and log,
and letting simulated time pass (the test server's clock only moves when told to)."""

from __future__ import annotations

from typing import Any

from tests.support import AccountFixture, ApiClient

LOCK_TYPES = (0, 3, 4)  # Smart Lock 1.0/2.0, Smart Door, Smart Lock 3.0/4th gen
ALL_TYPES = (0, 1, 2, 3, 4)
MOTOR_TIME = 1.5  # the test server's motor time, seconds per movement
UNLATCH_HOLD = 3.0  # advancedConfig.unlatchDuration by default
LNG_TIMEOUT = 20.0  # advancedConfig.lngTimeout by default
RTO_TIMEOUT = 30 * 60.0  # openerAdvancedConfig.rtoTimeout by default (minutes there)
STRIKE_DURATION = 3.0  # openerAdvancedConfig.electricStrikeDuration by default (ms there)
# SmartlockLog.deviceType: "0 .. smartlock and box", 2 opener, 3 smartdoor; type 4 logs as 0.
LOG_DEVICE_TYPE = {0: 0, 1: 0, 2: 2, 3: 3, 4: 0}


def add_device(account: AccountFixture, device_type: int, **fields: Any) -> int:
    """A new simulated device on the account (``PUT /smartlock``); its smartlockId."""
    body = {"type": device_type, "name": f"Device {device_type}"} | fields
    response = account.api.put("/smartlock", json=body)
    assert response.status_code == 200, response.text
    smartlock_id: int = response.json()["smartlockId"]
    return smartlock_id


def device(api: ApiClient, smartlock_id: int) -> dict[str, Any]:
    response = api.get(f"/smartlock/{smartlock_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def state(api: ApiClient, smartlock_id: int) -> dict[str, Any]:
    found: dict[str, Any] = device(api, smartlock_id)["state"]
    return found


def advance(api: ApiClient, seconds: float) -> None:
    """Let simulated time pass: whatever fell due happens, in order."""
    response = api.post("/simulator/clock/advance", json={"seconds": seconds})
    assert response.status_code == 204, response.text


def act(api: ApiClient, smartlock_id: int, action: int, option: int | None = None) -> None:
    body: dict[str, int] = {"action": action}
    if option is not None:
        body["option"] = option
    response = api.post(f"/smartlock/{smartlock_id}/action", json=body)
    assert response.status_code == 204, response.text


def act_and_settle(api: ApiClient, smartlock_id: int, action: int, seconds: float = 0) -> None:
    """Runs an action and lets ``seconds`` pass (at least enough for it to be accepted)."""
    act(api, smartlock_id, action)
    advance(api, seconds)


def logs(api: ApiClient, smartlock_id: int | None = None, **params: Any) -> list[dict[str, Any]]:
    """The activity log, newest first: one device's, or the account's with no id."""
    path = "/smartlock/log" if smartlock_id is None else f"/smartlock/{smartlock_id}/log"
    response = api.get(path, params=params)
    assert response.status_code == 200, response.text
    entries: list[dict[str, Any]] = response.json()
    return entries


def simulate(api: ApiClient, smartlock_id: int, what: str, **body: Any) -> None:
    """A simulator control call on one device (``/simulator/smartlocks/{id}/{what}``)."""
    response = api.post(f"/simulator/smartlocks/{smartlock_id}/{what}", json=body)
    assert response.status_code == 204, response.text


def bridge_id(api: ApiClient) -> int:
    """The account's simulated bridge (made with its first device)."""
    bridges = api.get("/simulator/bridges").json()
    assert len(bridges) == 1, bridges
    found: int = bridges[0]["bridgeId"]
    return found


def set_bridge_online(api: ApiClient, *, online: bool) -> None:
    response = api.post(f"/simulator/bridges/{bridge_id(api)}/online", json={"online": online})
    assert response.status_code == 204, response.text


def account_name(api: ApiClient) -> str:
    name: str = api.get("/account").json()["name"]
    return name
