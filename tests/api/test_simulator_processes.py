"""Simulated hardware shared by two server processes: two servers on one store, each with its own
timers and manual clock (what two workers of ``serve --workers`` are to each other). A chain of
timed changes that another process superseded changes nothing more; what a process that died
carried is failed, brought to rest and logged as incomplete (``services.instances.finish``),
and nothing else is; a change it sent that no device confirmed is sent again."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from nukiweb.secretbox import SecretBox
from nukiweb.services import authorizations, instances
from nukiweb.services.abandoned_work import CARRIER_STOPPED
from nukiweb.services.device_reports import SUPERSEDED
from nukiweb.store import smartlocks as store
from tests.api.test_authorizations import confirmed_auth, create_auth, get_auth, update_auth
from tests.contract.validation import ContractValidator
from tests.devices import MOTOR_TIME, act, add_device, advance, logs, simulate, state
from tests.support import (
    AccountFixture,
    ApiClient,
    RunningServer,
    make_account,
    running_server,
)

UNLOCKED, LOCKED, UNLOCKED_LOCK_N_GO = 3, 1, 6
LOCK_N_GO = 4
WEB, MANUAL = 4, 1
SUCCESS, INCOMPLETE = 0, 8


@pytest.fixture(scope="module")
def servers(database_url: str) -> Iterator[tuple[RunningServer, RunningServer]]:
    secrets = SecretBox.ephemeral()
    with (
        running_server(database_url, secrets=secrets) as first,
        running_server(database_url, secrets=secrets) as second,
    ):
        yield first, second


@pytest.fixture
def two(
    servers: tuple[RunningServer, RunningServer], contract: ContractValidator
) -> Iterator[tuple[AccountFixture, ApiClient]]:
    """An account, with a client of the first server (``account.api``) and one of the second."""
    first, second = servers
    account = make_account(first, contract)
    other = ApiClient(second, account.token, contract)
    yield account, other
    other.close()
    account.api.close()


def _error(server: RunningServer, smartlock_id: int) -> str | None:
    with server.ctx.db.read() as conn:
        device = store.get_device_by_id(conn, smartlock_id)
    assert device is not None
    return device.error


def test_an_auto_lock_superseded_by_another_process_does_nothing(
    two: tuple[AccountFixture, ApiClient],
) -> None:
    account, b = two
    a = account.api
    smartlock_id = add_device(account, 4)
    settings = {"autoLock": True, "autoLockTimeout": 30}
    assert a.post(f"/smartlock/{smartlock_id}/advanced/config", json=settings).status_code == 204
    act(a, smartlock_id, 1)
    advance(a, MOTOR_TIME)
    assert state(a, smartlock_id)["state"] == UNLOCKED

    simulate(b, smartlock_id, "turn", action=2)  # locked by hand, through the other process
    advance(b, MOTOR_TIME)
    assert state(b, smartlock_id)["state"] == LOCKED

    advance(a, 60)  # the first process's auto lock falls due: it is not the device's any more
    assert state(a, smartlock_id)["state"] == LOCKED
    actions = sorted((e["action"], e["trigger"]) for e in logs(a, smartlock_id))
    assert actions == [(1, WEB), (2, MANUAL)]  # and no auto lock (trigger 6)


def test_a_lock_n_go_superseded_by_another_process_never_relocks(
    two: tuple[AccountFixture, ApiClient],
) -> None:
    """Lock 'n' go through the first process; while it waits to relock, the lock is turned by
    hand through the second, and unlocked again: the first process's relock never comes."""
    account, b = two
    a = account.api
    smartlock_id = add_device(account, 4)
    act(a, smartlock_id, LOCK_N_GO)
    advance(a, MOTOR_TIME + 1)
    assert state(a, smartlock_id)["state"] == UNLOCKED_LOCK_N_GO

    simulate(b, smartlock_id, "turn", action=2)
    advance(b, MOTOR_TIME)
    simulate(b, smartlock_id, "turn", action=1)
    advance(b, MOTOR_TIME)
    assert state(b, smartlock_id)["state"] == UNLOCKED

    advance(a, 60)  # lock 'n' go's relock falls due in the first process
    assert state(a, smartlock_id)["state"] == UNLOCKED
    # Each process's clock is its own: the entries' dates do not tell their order.
    actions = sorted((e["action"], e["trigger"]) for e in logs(a, smartlock_id))
    assert actions == [(1, MANUAL), (2, MANUAL), (LOCK_N_GO, WEB)]


def test_an_operation_superseded_by_another_process_is_released_with_an_error(
    two: tuple[AccountFixture, ApiClient],
) -> None:
    """Accepted by the first process, the unlock has not begun to move the device when the
    second process's turn by hand does: the unlock moves nothing, logs nothing, and its
    operation does not stay pending."""
    account, b = two
    a = account.api
    smartlock_id = add_device(account, 4)
    act(a, smartlock_id, 1)
    assert "operationId" in state(a, smartlock_id)
    simulate(b, smartlock_id, "turn", action=1)
    advance(b, MOTOR_TIME)
    advance(a, 60)
    shown = state(a, smartlock_id)
    assert (shown["state"], "operationId" in shown) == (UNLOCKED, False)
    assert _error(a.server, smartlock_id) == SUPERSEDED
    assert [(e["action"], e["trigger"]) for e in logs(a, smartlock_id)] == [(1, MANUAL)]
    act(b, smartlock_id, 2)  # free again


def test_an_operation_superseded_in_its_own_process_is_released_at_once(
    two: tuple[AccountFixture, ApiClient],
) -> None:
    account, _b = two
    a = account.api
    smartlock_id = add_device(account, 4)
    act(a, smartlock_id, 1)
    simulate(a, smartlock_id, "turn", action=1)
    assert "operationId" not in state(a, smartlock_id)
    assert _error(a.server, smartlock_id) == SUPERSEDED
    advance(a, MOTOR_TIME)
    assert state(a, smartlock_id)["state"] == UNLOCKED
    assert [(e["action"], e["trigger"]) for e in logs(a, smartlock_id)] == [(1, MANUAL)]


def test_what_a_dead_process_carried_is_failed_and_at_rest_and_nothing_else(
    two: tuple[AccountFixture, ApiClient],
) -> None:
    account, b = two
    a = account.api
    first, second = a.server, b.server
    moving = add_device(account, 4)
    act(a, moving, 1)  # accepted by the first process, which then dies with its timers
    advance(a, 0)
    assert state(a, moving)["state"] == 2  # unlocking
    elsewhere = add_device(account, 4)
    act(b, elsewhere, 1)  # carried by the second process, which lives on

    left = instances.finish(second.ctx, first.ctx.instance)
    assert moving in left
    assert elsewhere not in left
    shown = state(b, moving)
    assert (shown["state"], "operationId" in shown) == (UNLOCKED, False)
    assert _error(second, moving) == CARRIER_STOPPED
    assert "operationId" in state(b, elsewhere)

    advance(b, MOTOR_TIME)
    assert state(b, elsewhere)["state"] == UNLOCKED
    act(b, moving, 2)  # the device takes commands again
    advance(b, MOTOR_TIME)
    advance(a, 60)  # the dead process's timers, were they to fire, change nothing
    assert state(b, moving)["state"] == LOCKED
    entries = [(e["action"], e["trigger"], e["state"]) for e in logs(b, moving)]
    assert entries == [(2, WEB, SUCCESS), (1, WEB, INCOMPLETE)]
    assert logs(b, moving)[1]["error"] == CARRIER_STOPPED


def test_a_change_a_dead_process_sent_is_sent_again_and_confirmed(
    two: tuple[AccountFixture, ApiClient],
) -> None:
    """An authorization change the dead process sent and no device confirmed (the confirmation
    was one of its timers) does not stay pending: it is sent again, and the device confirms."""
    account, b = two
    a = account.api
    lock = add_device(account, 4)
    simulate(a, lock, "keypad", paired=True)
    # Sent by the first process, and never confirmed: its confirmation is a timer of its own.
    auth = create_auth(account, lock, "Lodger", type=13, code=246813)
    assert get_auth(b, auth).get("operationId") is not None
    changes = authorizations.unconfirmed_changes(b.server.ctx)
    assert auth["id"] in [authorization_id for _bridge, _id, authorization_id, _op in changes]
    authorizations.send_again(changes)  # onto the second process's (manual) timers
    advance(b, 0)
    confirmed = get_auth(b, auth)
    assert confirmed.get("operationId") is None
    assert update_auth(b, confirmed, name="Lodger, upstairs") == 204
    advance(a, 0)  # the first process's own confirmation, late, changes nothing more
    advance(b, 0)
    assert get_auth(b, confirmed)["name"] == "Lodger, upstairs"
    assert get_auth(b, confirmed).get("operationId") is None


def test_uses_of_a_code_through_both_processes_at_once_all_count(
    two: tuple[AccountFixture, ApiClient], contract: ContractValidator
) -> None:
    """Each use of a keypad code counts one more (``lockCount``), counted by the database: two
    processes counting from what each read would lose uses."""
    account, b = two
    a = account.api
    lock = add_device(account, 4)
    simulate(b, lock, "keypad", paired=False)
    simulate(a, lock, "keypad", paired=True)  # the newest pairing holds, whoever made it
    code = confirmed_auth(account, lock, "Front door", type=13, code=345678)
    uses = 24

    def use(through: RunningServer) -> None:
        client = ApiClient(through, account.token, contract)
        try:
            simulate(client, lock, "keypad/code", code=345678)
        finally:
            client.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(use, [a.server, b.server] * (uses // 2)))
    assert get_auth(a, code)["lockCount"] == uses
