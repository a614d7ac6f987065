"""The one interface services use to reach a device: send a command through its bridge.

Two kinds of connection plug in here: the bridges simulated in this process
(``bridges.simulated``) and the MQTT broker that real locks and emulated ones speak to
(``bridges.mqtt``; each such lock is its own bridge, online while it is connected).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Protocol

from nukiweb.domain.smartlocks import Bridge

SIMULATED = "simulated"
MQTT = "mqtt"
# The holder of an operation that a lock on the broker carries, not a server instance: it ends
# with the lock's answer or its deadline, whichever instance sees it (services.mqtt_locks).
BROKER = "broker"


@dataclass(frozen=True, slots=True)
class DeviceCommand:
    """Actions for one device, run one after the other, and who asked for them."""

    smartlock_id: int
    actions: tuple[int, ...]
    option: int
    state_trigger: int  # what the device records as the cause (Smartlock.State.trigger)
    log_trigger: int  # what its activity log records (SmartlockLog.trigger)
    actor: str  # the name the log entry shows
    operation_id: str | None = None  # released when the last action has an outcome
    source: int = 0  # SmartlockLog.source: 0 default, 1 keypad code
    auth_id: str | None = None  # the authorization that acted, if one did
    account_user_id: int | None = None
    request: AdvancedRequest | None = None  # an Advanced API request awaiting the outcome
    # "lock" or "unlock" for /action/lock|unlock: a lock on the broker decides itself what
    # they mean (doc §6.1), the simulated bridge is given ``actions``.
    simple: str | None = None

    def carried(self) -> dict[str, Any]:
        """What the store keeps of the command while its device carries it out: enough for
        whichever instance sees it end (or finds its carrier gone) to log and report it."""
        request = self.request
        return {
            "action": self.actions[0],
            "trigger": self.log_trigger,
            "name": self.actor,
            "source": self.source,
            "auth_id": self.auth_id,
            "account_user_id": self.account_user_id,
            "request": None if request is None else asdict(request),
        }


@dataclass(frozen=True, slots=True)
class AdvancedRequest:
    """An Advanced API action: its outcome goes to the requesting key's central webhook."""

    request_id: str
    type: str  # "SmartlockAction", "LockAction" or "UnlockAction"
    account_id: int
    api_key_id: int | None


class BridgeConnection(Protocol):
    def send(self, command: DeviceCommand) -> None:
        """Deliver the command; its outcome comes back as device reports."""
        ...

    def sync_authorization(
        self, smartlock_id: int, authorization_id: str, operation_id: str
    ) -> None:
        """Deliver an authorization's pending change (create, update or delete) to the device;
        the device confirms it through device reports."""
        ...


class BridgeHub:
    def __init__(self) -> None:
        self._connections: dict[str, BridgeConnection] = {}

    def register(self, kind: str, connection: BridgeConnection) -> None:
        self._connections[kind] = connection

    def connection(self, bridge: Bridge) -> BridgeConnection | None:
        """The connection that reaches the bridge, or ``None`` while it is offline."""
        if not bridge.online:
            return None
        return self._connections.get(bridge.kind)
