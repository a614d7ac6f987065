"""The Users page: the account's users and the authorizations on its devices, made, changed and
removed here through the use cases of the API's AccountUser and SmartlockAuth operations
(``services.account_users``, ``services.authorizations``), with the API's request models and
rules, and the rights those operations need of a sub-account.

Authorizations change asynchronously, as in the API: one shows as pending until its device
has confirmed the change, or with the error that kept the device from getting it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import Response

from nukiweb.api.errors import status_of
from nukiweb.api.models.authorization import (
    AccountUserCreate,
    AccountUserUpdate,
    SmartlockAuthUpdate,
    SmartlocksAuthCreate,
)
from nukiweb.api.models.common import INT32_MAX
from nukiweb.api.smartlock_auth import new_authorization
from nukiweb.domain.device_words import (
    WEEK_DAYS,
    AuthorizationSummary,
    account_user_type_words,
    daily_limits,
    describe_authorization,
    utc_text,
)
from nukiweb.domain.errors import NotFound, NukiwebError
from nukiweb.domain.smartlocks import Authorization
from nukiweb.services import account_users, authorizations, smartlocks
from nukiweb.services.account_users import MAX_PAGE
from nukiweb.services.web_sessions import WebSession
from nukiweb.web.access_forms import AuthorizationEntry, user_body, user_fields
from nukiweb.web.devices import smartlock_id_of
from nukiweb.web.pages import (
    context_of,
    page_router,
    path_id,
    posted_form,
    redirect,
    render,
    require_rights,
    require_session,
    validated,
)

USERS_PATH = "/web/users"
USER_PATH = USERS_PATH + "/{account_user_id}"
AUTHS_PATH = USERS_PATH + "/authorizations"
AUTH_PATH = AUTHS_PATH + "/{smartlock_id}/{auth_id}"
NOTICES = {
    "user-created": "The user is created.",
    "user-saved": "The user is saved.",
    "user-deleted": "The user is deleted, or leaves once their devices have confirmed it.",
    "auth-created": "The authorization is sent to the devices; it is pending until they confirm.",
    "auth-saved": "The change is sent to the device; it is pending until the device confirms.",
    "auth-deleted": "The device is told to remove the authorization.",
}
AUTH_TYPES = ((13, "Keypad code"), (0, "App invite"), (2, "Fob"))
_NUMBER = re.compile(r"[0-9]{1,19}")
_AUTH_ID = re.compile(r"[0-9a-zA-Z]{1,24}")

router = page_router()


# --- the page --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AuthorizationRow:
    """An authorization as its row shows it: the words, and the window in UTC for the
    ``<time>`` elements and daily window that the page's script shows in local time."""

    summary: AuthorizationSummary
    auth: Authorization
    daily: str


@router.get(USERS_PATH)
async def users_page(request: Request, notice: str | None = None) -> Response:
    session = require_session(request)
    require_rights(session, "AccountUser", "GET", "/account/user")
    require_rights(session, "SmartlockAuth", "GET", "/smartlock/auth")
    ctx = context_of(request)
    users = account_users.list_users(ctx, session.caller, None, 0, MAX_PAGE)
    names = {user.account_user_id: user.name for user in users}
    auths = authorizations.list_authorizations(ctx, session.caller)
    devices = [
        (
            device,
            [_row(auth, names) for auth in auths if auth.smartlock_id == device.smartlock_id],
        )
        for device in smartlocks.list_devices(ctx, session.caller)
    ]
    return render(
        request,
        "users.html",
        session,
        page="users",
        users=users,
        user_type=account_user_type_words,
        more_users=len(users) == MAX_PAGE,
        devices=devices,
        utc_text=utc_text,
        notice=NOTICES.get(notice or ""),
    )


def _row(auth: Authorization, user_names: dict[int, str]) -> AuthorizationRow:
    days_and_times = daily_limits(
        auth.allowed_week_days, auth.allowed_from_time, auth.allowed_until_time
    )
    return AuthorizationRow(
        describe_authorization(auth, user_names), auth, "; ".join(days_and_times)
    )


# --- account users ---------------------------------------------------------------------------


@router.get(USERS_PATH + "/new")
async def new_user(request: Request) -> Response:
    session = require_session(request)
    require_rights(session, "AccountUser", "PUT", "/account/user")
    return _user_form(request, session, {"name": "", "email": "", "language": "en"})


@router.post(USERS_PATH + "/new")
async def create_user(request: Request) -> Response:
    session = require_session(request)
    form = await posted_form(request, session)
    require_rights(session, "AccountUser", "PUT", "/account/user")
    entered = user_fields(form)
    try:
        body = validated(AccountUserCreate, user_body(entered))
        account_users.create_user(
            context_of(request), session.caller, body.email, body.name, body.language, body.type
        )
    except NukiwebError as error:
        return _user_form(request, session, entered, error=error)
    return redirect(f"{USERS_PATH}?notice=user-created")


@router.get(USER_PATH + "/edit")
async def edit_user(request: Request, account_user_id: str) -> Response:
    session = require_session(request)
    require_rights(session, "AccountUser", "POST", "/account/user/{accountUserId}")
    user = account_users.get_user(context_of(request), session.caller, _user_id(account_user_id))
    entered = {"name": user.name, "email": user.email, "language": user.language}
    return _user_form(request, session, entered, user_id=user.account_user_id)


@router.post(USER_PATH + "/edit")
async def save_user(request: Request, account_user_id: str) -> Response:
    session = require_session(request)
    form = await posted_form(request, session)
    require_rights(session, "AccountUser", "POST", "/account/user/{accountUserId}")
    user_id = _user_id(account_user_id)
    entered = user_fields(form)
    try:
        body = validated(AccountUserUpdate, user_body(entered))
        changes = body.model_dump(exclude_unset=True)
        account_users.update_user(context_of(request), session.caller, user_id, changes)
    except NukiwebError as error:
        return _user_form(request, session, entered, user_id=user_id, error=error)
    return redirect(f"{USERS_PATH}?notice=user-saved")


@router.get(USER_PATH + "/delete")
async def confirm_user_delete(request: Request, account_user_id: str) -> Response:
    session = require_session(request)
    require_rights(session, "AccountUser", "DELETE", "/account/user/{accountUserId}")
    ctx = context_of(request)
    user = account_users.get_user(ctx, session.caller, _user_id(account_user_id))
    auths = authorizations.list_authorizations(
        ctx, session.caller, account_user_id=user.account_user_id
    )
    return render(
        request, "user_delete.html", session, page="users", user=user, auth_count=len(auths)
    )


@router.post(USER_PATH + "/delete")
async def delete_user(request: Request, account_user_id: str) -> Response:
    session = require_session(request)
    await posted_form(request, session)
    require_rights(session, "AccountUser", "DELETE", "/account/user/{accountUserId}")
    account_users.delete_user(context_of(request), session.caller, _user_id(account_user_id))
    return redirect(f"{USERS_PATH}?notice=user-deleted")


def _user_form(
    request: Request,
    session: WebSession,
    entered: dict[str, str],
    user_id: int | None = None,
    error: NukiwebError | None = None,
) -> Response:
    return render(
        request,
        "user_form.html",
        session,
        200 if error is None else status_of(error),
        page="users",
        entered=entered,
        user_id=user_id,
        error=None if error is None else error.message,
    )


def _user_id(text: str) -> int:
    return path_id(text, "account user", INT32_MAX)


# --- authorizations --------------------------------------------------------------------------


@router.get(AUTHS_PATH + "/new")
async def new_authorization_form(request: Request, user: str | None = None) -> Response:
    """``user``: an account user to make an app invite or fob for."""
    session = require_session(request)
    require_rights(session, "SmartlockAuth", "PUT", "/smartlock/auth")
    entry = AuthorizationEntry()
    if user and _NUMBER.fullmatch(user):
        entry.type, entry.account_user_id = "0", user
    return _authorization_form(request, session, entry)


@router.post(AUTHS_PATH + "/new")
async def create_authorization(request: Request) -> Response:
    """One authorization on each device ticked, all or none (``PUT /smartlock/auth``)."""
    session = require_session(request)
    form = await posted_form(request, session)
    require_rights(session, "SmartlockAuth", "PUT", "/smartlock/auth")
    entry = AuthorizationEntry.of_form(form)
    try:
        body = validated(SmartlocksAuthCreate, entry.creation_body())
        authorizations.create(
            context_of(request), session.caller, body.smartlockIds, new_authorization(body)
        )
    except NukiwebError as error:
        return _authorization_form(request, session, entry, error=error)
    return redirect(f"{USERS_PATH}?notice=auth-created")


@router.get(AUTH_PATH + "/edit")
async def edit_authorization(request: Request, smartlock_id: str, auth_id: str) -> Response:
    session = require_session(request)
    require_rights(session, "SmartlockAuth", "POST", "/smartlock/{smartlockId}/auth/{id}")
    auth = _authorization(request, session, smartlock_id, auth_id)
    return _authorization_form(request, session, AuthorizationEntry.of_authorization(auth), auth)


@router.post(AUTH_PATH + "/edit")
async def save_authorization(request: Request, smartlock_id: str, auth_id: str) -> Response:
    session = require_session(request)
    form = await posted_form(request, session)
    require_rights(session, "SmartlockAuth", "POST", "/smartlock/{smartlockId}/auth/{id}")
    auth = _authorization(request, session, smartlock_id, auth_id)
    entry = AuthorizationEntry.of_form(form)
    try:
        body = validated(SmartlockAuthUpdate, entry.update_body(auth.type))
        sent = {key: getattr(body, key) for key in body.model_fields_set}
        authorizations.update(
            context_of(request), session.caller, [(auth.smartlock_id, auth.id, sent)]
        )
    except NukiwebError as error:
        return _authorization_form(request, session, entry, auth, error=error)
    return redirect(f"{USERS_PATH}?notice=auth-saved")


@router.get(AUTH_PATH + "/delete")
async def confirm_authorization_delete(
    request: Request, smartlock_id: str, auth_id: str
) -> Response:
    session = require_session(request)
    require_rights(session, "SmartlockAuth", "DELETE", "/smartlock/{smartlockId}/auth/{id}")
    auth = _authorization(request, session, smartlock_id, auth_id)
    device = smartlocks.get_device(context_of(request), session.caller, auth.smartlock_id)
    return render(
        request, "authorization_delete.html", session, page="users", auth=auth, device=device
    )


@router.post(AUTH_PATH + "/delete")
async def delete_authorization(request: Request, smartlock_id: str, auth_id: str) -> Response:
    session = require_session(request)
    await posted_form(request, session)
    require_rights(session, "SmartlockAuth", "DELETE", "/smartlock/{smartlockId}/auth/{id}")
    auth = _authorization(request, session, smartlock_id, auth_id)
    authorizations.delete(context_of(request), session.caller, [(auth.smartlock_id, auth.id)])
    return redirect(f"{USERS_PATH}?notice=auth-deleted")


def _authorization(
    request: Request, session: WebSession, smartlock_id: str, auth_id: str
) -> Authorization:
    """The account's authorization the path names; any other is not found, as in the API."""
    device_id = smartlock_id_of(smartlock_id)
    if not _AUTH_ID.fullmatch(auth_id):
        raise NotFound("authorization", auth_id[:24])
    return authorizations.get_authorization(context_of(request), session.caller, device_id, auth_id)


def _authorization_form(
    request: Request,
    session: WebSession,
    entry: AuthorizationEntry,
    auth: Authorization | None = None,
    error: NukiwebError | None = None,
) -> Response:
    """``auth``: the authorization being edited; none: a new one."""
    ctx = context_of(request)
    users = account_users.list_users(ctx, session.caller, None, 0, MAX_PAGE) if auth is None else []
    devices = smartlocks.list_devices(ctx, session.caller)
    return render(
        request,
        "authorization_form.html",
        session,
        200 if error is None else status_of(error),
        page="users",
        entry=entry,
        auth=auth,
        device_names={device.smartlock_id: device.name for device in devices},
        devices=devices,
        users=users,
        types=AUTH_TYPES,
        week_days=WEEK_DAYS,
        error=None if error is None else error.message,
    )
