"""A device's page: its state, battery, door sensor, keypad, firmware and bridge; a form for each
configuration block the API can write for its type; its newest activity-log entries; its
authorizations.

It calls the services the API's operations call, as the signed-in account. A sub-account sees
the log with the right to view logs, the authorizations with the right to manage them, and the
settings forms with the right to change the configuration (``domain.rights``). A settings form
is read into the request model of the API's operation (``web.device_settings``) and written with
``services.smartlocks.update_config_block``, as ``POST /smartlock/{smartlockId}/config`` does.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from nukiweb.api.errors import status_of
from nukiweb.bridges.hub import MQTT
from nukiweb.domain.device_state import from_document, state_view
from nukiweb.domain.device_words import (
    AuthorizationSummary,
    LogLine,
    describe_authorization,
    describe_device,
    describe_log_entry,
    server_state_words,
)
from nukiweb.domain.devices import device_kind
from nukiweb.domain.errors import Forbidden, NotFound, NukiwebError
from nukiweb.domain.setting_words import WEB_CONFIG
from nukiweb.domain.simple_actions import FirmwareVersion, SimpleActionKind
from nukiweb.domain.smartlocks import Bridge, Device, LogQuery
from nukiweb.services import account_users, authorizations, simulator, smartlock_logs, smartlocks
from nukiweb.services.account_users import MAX_PAGE
from nukiweb.services.smartlocks import NOT_CONFIGURABLE
from nukiweb.services.web_sessions import WebSession
from nukiweb.web.access import USERS_PATH
from nukiweb.web.device_settings import (
    BLOCKS,
    BLOCKS_BY_SLUG,
    SettingInput,
    SettingsBlock,
    changed_settings,
    setting_inputs,
)
from nukiweb.web.devices import (
    ACTIVITY_PATH,
    NOTICES,
    SMARTLOCKS_PATH,
    smartlock_id_of,
    smartlocks_list,
)
from nukiweb.web.pages import (
    context_of,
    form_text,
    local_path,
    page_router,
    posted_form,
    redirect,
    render,
    require_rights,
    require_session,
)

LOG_ENTRIES = 20  # the newest entries the page shows; the Activity log page has the rest
DEVICE_PATH = SMARTLOCKS_PATH + "/{smartlock_id}"
UNREACHABLE_STATUS = 503  # the command could not reach the device: its bridge is offline

router = page_router()


@dataclass(frozen=True, slots=True)
class Fact:
    """One line of the device's summary: a term, its value, and a class naming it for tests
    and styles."""

    name: str
    term: str
    value: str


@dataclass(frozen=True, slots=True)
class SettingsForm:
    block: SettingsBlock
    inputs: list[SettingInput]


@router.get(DEVICE_PATH)
async def device_page(
    request: Request,
    smartlock_id: str,
    sent: str | None = None,
    saved: str | None = None,
) -> Response:
    """``sent``: the command a Lock or Unlock button sent; ``saved``: the settings form saved."""
    session = require_session(request)
    require_rights(session, "Smartlock", "GET", "/smartlock/{smartlockId}")
    device = smartlocks.get_device(
        context_of(request), session.caller, smartlock_id_of(smartlock_id)
    )
    notice = None
    if sent in NOTICES:
        notice = NOTICES[sent].format(name=device.name)
    elif saved in BLOCKS_BY_SLUG:
        notice = f"{BLOCKS_BY_SLUG[saved].title} saved."
    return _device_page(request, session, device, notice=notice)


@router.post(DEVICE_PATH + "/lock")
async def lock(request: Request, smartlock_id: str) -> Response:
    return await _simple_action(request, smartlock_id, "lock")


@router.post(DEVICE_PATH + "/unlock")
async def unlock(request: Request, smartlock_id: str) -> Response:
    return await _simple_action(request, smartlock_id, "unlock")


async def _simple_action(request: Request, smartlock_id: str, kind: SimpleActionKind) -> Response:
    """Lock or Unlock, as ``/action/lock`` and ``/action/unlock``, from the Smart Locks list or
    from the device's page (its form's ``next``), which a sent command redirects back to and a
    refusal (another account's device, busy, a box that cannot lock, …) or a device that could
    not be reached is shown on, with the error."""
    session = require_session(request)
    form = await posted_form(request, session)
    ctx = context_of(request)
    back = local_path(form_text(form, "next"), SMARTLOCKS_PATH).split("?", 1)[0]
    device_id = None
    try:
        require_rights(session, "Smartlock", "POST", f"/smartlock/{{smartlockId}}/action/{kind}")
        device_id = smartlock_id_of(smartlock_id)
        smartlocks.lock_or_unlock(ctx, session.caller, device_id, kind)
        # The service records on the device why a command could not be delivered.
        device = smartlocks.get_device(ctx, session.caller, device_id)
    except NukiwebError as error:
        return _refused(request, session, device_id, back, error.message, status_of(error))
    if device.error:
        message = f"{device.name}: {device.error}"
        return _refused(request, session, device_id, back, message, UNREACHABLE_STATUS)
    return redirect(f"{back}?{urlencode({'sent': kind, 'smartlockId': device_id})}")


def _refused(
    request: Request,
    session: WebSession,
    device_id: int | None,
    back: str,
    message: str,
    status_code: int,
) -> Response:
    """The page the button was on, with the error: the device's own, if it is one the account
    may see, else the Smart Locks list."""
    if device_id is not None and back == f"{SMARTLOCKS_PATH}/{device_id}":
        try:
            device = smartlocks.get_device(context_of(request), session.caller, device_id)
        except NukiwebError:
            pass
        else:
            return _device_page(request, session, device, message, status_code)
    return smartlocks_list(request, session, message, status_code)


@router.post(DEVICE_PATH + "/settings/{slug}")
async def save_settings(request: Request, smartlock_id: str, slug: str) -> Response:
    """Refused values, a busy device, a sub-account without the right and a lock that cannot
    be configured come back as the page with the error, nothing changed."""
    session = require_session(request)
    form = await posted_form(request, session)
    ctx = context_of(request)
    device = smartlocks.get_device(ctx, session.caller, smartlock_id_of(smartlock_id))
    block = BLOCKS_BY_SLUG.get(slug)
    current = None if block is None else block.current(device)
    if block is None or current is None:
        raise NotFound("settings", slug)
    try:
        require_rights(session, "Smartlock", "POST", block.api_path)
        update = changed_settings(block, current, form)
        if update:
            smartlocks.update_config_block(
                ctx, session.caller, device.smartlock_id, block.block, update
            )
    except NukiwebError as error:
        return _device_page(
            request, session, device, error.message, status_of(error), posted=(block, form)
        )
    # The service records on the device why a change could not be delivered.
    device = smartlocks.get_device(ctx, session.caller, device.smartlock_id)
    if update and device.error and block.block != WEB_CONFIG:
        return _device_page(request, session, device, device.error, UNREACHABLE_STATUS)
    return redirect(f"{SMARTLOCKS_PATH}/{device.smartlock_id}?{urlencode({'saved': slug})}")


def _device_page(
    request: Request,
    session: WebSession,
    device: Device,
    error: str | None = None,
    status_code: int = 200,
    *,
    notice: str | None = None,
    posted: tuple[SettingsBlock, FormData] | None = None,
) -> Response:
    ctx = context_of(request)
    bridge = _bridge(request, session, device)
    on_broker = bridge is not None and bridge.kind == MQTT
    return render(
        request,
        "device.html",
        session,
        status_code,
        page="smartlocks",
        device=describe_device(device, ctx.clock.now()),
        facts=_facts(request, device, bridge),
        forms=_settings_forms(session, device, on_broker, posted),
        may_configure=_allowed(session, "POST", "/smartlock/{smartlockId}/config"),
        not_configurable=NOT_CONFIGURABLE if on_broker else None,
        log=_log(request, session, device),
        authorizations=_authorizations(request, session, device),
        activity_url=f"{ACTIVITY_PATH}?{urlencode({'device': device.smartlock_id})}",
        users_url=USERS_PATH,
        notice=notice,
        error=error,
    )


def _allowed(session: WebSession, method: str, path: str, tag: str = "Smartlock") -> bool:
    try:
        require_rights(session, tag, method, path)
    except Forbidden:
        return False
    return True


def _bridge(request: Request, session: WebSession, device: Device) -> Bridge | None:
    for bridge, _devices in simulator.list_bridges(context_of(request), session.caller):
        if bridge.bridge_id == device.bridge_id:
            return bridge
    return None


def _facts(request: Request, device: Device, bridge: Bridge | None) -> list[Fact]:
    """What the page tells of the device beyond its row on the Smart Locks page."""
    state = state_view(
        from_document(device.mechanics), device.operation_id, context_of(request).clock.now()
    )
    kind = device_kind(device.type)
    facts = []
    if kind.supports_door_sensor and state.get("doorsensorBatteryCritical") is not None:
        battery = "critical" if state["doorsensorBatteryCritical"] else "ok"
        facts.append(Fact("doorsensor-battery", "Door sensor battery", battery))
    if device.config.get("keypadPaired") or device.config.get("keypad2Paired"):
        battery = "critical" if state.get("keypadBatteryCritical") else "ok"
        facts.append(Fact("keypad-battery", "Keypad battery", battery))
    firmware = str(FirmwareVersion.from_int(device.firmware_version))
    facts.append(Fact("firmware", "Firmware", firmware))
    facts.append(Fact("hardware", "Hardware version", str(device.hardware_version)))
    if bridge is not None:
        facts.append(Fact("bridge", "Bridge", _bridge_words(bridge)))
    facts.append(Fact("server-state", "Server state", server_state_words(device.server_state)))
    return facts


def _bridge_words(bridge: Bridge) -> str:
    connection = "online" if bridge.online else "offline"
    if bridge.kind == MQTT:  # the lock reaches the broker itself
        return f"none: the lock connects over MQTT ({connection})"
    return f"{bridge.name} (id {bridge.bridge_id}, {connection})"


def _settings_forms(
    session: WebSession,
    device: Device,
    on_broker: bool,
    posted: tuple[SettingsBlock, FormData] | None,
) -> list[SettingsForm]:
    """The forms of the blocks the device has and the caller may write; a lock on the MQTT
    broker keeps only Nuki Web's own settings (the others would go to the lock)."""
    forms = []
    for block in BLOCKS:
        current = block.current(device)
        if current is None or not _allowed(session, "POST", block.api_path):
            continue
        if on_broker and block.block != WEB_CONFIG:
            continue
        sent = posted[1] if posted is not None and posted[0] == block else None
        forms.append(SettingsForm(block, setting_inputs(block, current, sent)))
    return forms


def _log(request: Request, session: WebSession, device: Device) -> list[LogLine] | None:
    """The newest entries; ``None`` for a sub-account that may not view logs."""
    if not _allowed(session, "GET", "/smartlock/{smartlockId}/log", "SmartlockLog"):
        return None
    query = LogQuery(smartlock_id=device.smartlock_id, limit=LOG_ENTRIES)
    entries = smartlock_logs.list_entries(context_of(request), session.caller, query)
    names = {device.smartlock_id: device.name}
    return [describe_log_entry(entry, names) for entry in entries]


def _authorizations(
    request: Request, session: WebSession, device: Device
) -> list[AuthorizationSummary] | None:
    """``None`` for a sub-account that may not manage authorizations."""
    if not _allowed(session, "GET", "/smartlock/{smartlockId}/auth", "SmartlockAuth"):
        return None
    ctx = context_of(request)
    users = account_users.list_users(ctx, session.caller, None, 0, MAX_PAGE)
    user_names = {user.account_user_id: user.name for user in users}
    auths = authorizations.list_authorizations(ctx, session.caller, device.smartlock_id)
    return [describe_authorization(auth, user_names) for auth in auths]
