"""What a bridge tells the rest of the system about its devices: the interfaces bridges report
through, and services implement, so that bridges never depend on services —
``DeviceReports`` for the simulated bridges (``services.device_reports.StoreDeviceReports``),
``LockReports`` for the locks on the MQTT broker (``services.mqtt_locks.BrokerLockReports``).

A bridge keeps its own bookkeeping (which command a device carries out, which process carries
it) in the store itself, in one transaction with what it reads; whatever else must follow
from what a device did — the device's documents, its log, the webhooks of its subscribers and
of Advanced API requests, the authorizations it confirms — it reports here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Protocol

from sqlalchemy import Connection

from nukiweb.bridges.hub import AdvancedRequest, DeviceCommand
from nukiweb.domain.device_state import Hardware
from nukiweb.domain.devices import CompletionState
from nukiweb.domain.mqtt_api import LockActionEvent
from nukiweb.domain.smartlocks import Device


class DeviceReports(Protocol):
    def hardware_changed(
        self,
        smartlock_id: int,
        change: Callable[[Hardware], Hardware],
        when: Callable[[Hardware], bool] | None = None,
    ) -> Hardware | None:
        """The device's hardware changed as ``change`` says, from what the store holds: the
        change is stored in a transaction of its own (the device locked from its read to its
        write) and its subscribers hear the new status. The hardware as stored; ``None`` when
        the device has gone, or when ``when`` refuses its current hardware (a bridge's guard
        against a change that is no longer the device's to make)."""
        ...

    def status_changed(self, conn: Connection, device: Device, now: datetime) -> None:
        """The bridge itself has stored a change of the device's status in its transaction
        ``conn`` (``device`` as it now is, at ``now``): its subscribers hear of it if and only
        if that transaction commits (a provoked fault used up by the command it failed)."""
        ...

    def logged(
        self,
        smartlock_id: int,
        *,
        name: str,
        action: int,
        trigger: int,
        state: int,
        source: int | None = None,
        error: str | None = None,
        auth_id: str | None = None,
        account_user_id: int | None = None,
    ) -> None:
        """The device wrote an entry to its activity log (the fields of ``SmartlockLog``),
        once an action's outcome was known; nothing if the device has gone."""
        ...

    def operation_finished(
        self,
        smartlock_id: int,
        operation_id: str,
        failure: str | None,
        failed: CompletionState | None,
        request: AdvancedRequest | None,
    ) -> None:
        """The device has carried out the command of the operation it held: it succeeded, or
        ``failure`` says why not and ``failed`` is the outcome its log shows. The operation is
        released, and an Advanced API ``request`` hears the outcome."""
        ...

    def operation_superseded(
        self, smartlock_id: int, operation_id: str, request: AdvancedRequest | None
    ) -> None:
        """Another action moved the device before the operation's command was done: if the
        device still holds the operation, it is released as interrupted and an Advanced API
        ``request`` hears that its action was cancelled."""
        ...

    def operation_not_sent(self, smartlock_id: int, operation_id: str) -> None:
        """The operation's command never reached the device (the bridge could not record it):
        if the device still holds the operation, it is released with that error."""
        ...

    def authorization_confirmed(self, authorization_id: str, operation_id: str) -> None:
        """The device has applied the change of an authorization (create, update or delete)
        sent with ``operation_id``; nothing if the authorization has changed since."""
        ...


class LockReports(Protocol):
    """What the broker's locks tell the rest of nukiweb (implemented by services.mqtt_locks).
    Each runs its own transaction, in a worker thread."""

    def values_reported(self, nuki_id: int, values: Mapping[str, str]) -> None:
        """The lock's retained topics took these values (topic name → payload)."""
        ...

    def action_reported(self, nuki_id: int, event: LockActionEvent) -> None:
        """``lockActionEvent``: the lock is about to carry out an action."""
        ...

    def command_answered(self, nuki_id: int, code: int) -> None:
        """``commandResponse``: 0 for success, otherwise a BLE error code."""
        ...

    def command_sending(self, command: DeviceCommand, timeout: float) -> None:
        """Before the command is published: its operation is the broker's to end, by the
        lock's answer or, ``timeout`` seconds on, as unanswered."""
        ...

    def command_failed(self, command: DeviceCommand, error: str) -> None:
        """The command could not be published: its operation fails with ``error``."""
        ...

    def authorization_refused(self, authorization_id: str, operation_id: str, error: str) -> None:
        """An authorization change the lock cannot take over MQTT fails with ``error``."""
        ...
