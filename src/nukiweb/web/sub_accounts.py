"""Account settings, Sub-accounts: the master account's sub-accounts, made, given rights and
deleted here under the rules of ``/account/sub`` (the services'): the rights offered are those
the signed-in account may give, and a sub-account needs the right to manage sub-accounts."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from nukiweb.api.parameters import Int32Id
from nukiweb.domain.accounts import Account
from nukiweb.domain.errors import Conflict, InvalidParameter
from nukiweb.domain.rights import ALL_RIGHTS, Rights
from nukiweb.services import accounts
from nukiweb.services.web_sessions import WebSession
from nukiweb.web.pages import (
    context_of,
    form_text,
    page_router,
    posted_form,
    redirect,
    render,
    require_rights,
    require_session,
)

PAGE = "/web/account/sub-accounts"
RIGHT_LABELS = {
    Rights.MANAGE_SMARTLOCK: "Manage smart locks",
    Rights.OPERATE_SMARTLOCK: "Operate smart locks",
    Rights.MANAGE_CONFIG: "Manage configuration",
    Rights.MANAGE_AUTHORIZATIONS: "Manage authorizations",
    Rights.VIEW_LOGS: "View activity logs",
    Rights.MANAGE_SUB_ACCOUNTS: "Manage sub-accounts",
    Rights.CREATE_SMARTLOCKS: "Create smart locks",
}
_MAX_DIGITS = len(str(int(ALL_RIGHTS)))
_NOTICES = {
    "created": "The sub-account is created.",
    "saved": "The sub-account's rights are saved.",
    "deleted": "The sub-account is deleted.",
}

router = page_router()


@router.get(PAGE)
async def sub_accounts_page(request: Request, notice: str | None = None) -> Response:
    session = require_session(request)
    require_rights(session, "Account", "GET", "/account/sub")
    return _page(request, session, notice=_NOTICES.get(notice or ""))


@router.post(PAGE)
async def create(request: Request) -> Response:
    session = require_session(request)
    form = await posted_form(request, session)
    require_rights(session, "Account", "PUT", "/account/sub")
    entered = {name: form_text(form, name, 254) for name in ("name", "email")}
    try:
        accounts.create_sub_account(
            context_of(request),
            session.caller,
            email=entered["email"],
            password=_password(form),
            name=entered["name"],
            rights=_checked_rights(form),
            language=session.account.language,
            profile=None,
        )
    except (InvalidParameter, Conflict) as error:
        status = 409 if isinstance(error, Conflict) else 400
        return _page(request, session, status, error=error.message, entered=entered)
    return redirect(f"{PAGE}?notice=created")


@router.post(PAGE + "/{account_id}/rights")
async def save_rights(request: Request, account_id: Int32Id) -> Response:
    session = require_session(request)
    form = await posted_form(request, session)
    require_rights(session, "Account", "POST", "/account/sub/{accountId}")
    accounts.update_sub_account(
        context_of(request), session.caller, account_id, {"rights": _checked_rights(form)}
    )
    return redirect(f"{PAGE}?notice=saved")


@router.get(PAGE + "/{account_id}/delete")
async def confirm_delete(request: Request, account_id: Int32Id) -> Response:
    session = require_session(request)
    require_rights(session, "Account", "DELETE", "/account/sub/{accountId}")
    sub = accounts.get_sub_account(context_of(request), session.caller, account_id)
    return render(
        request, "sub_account_delete.html", session, page="account", section="sub-accounts", sub=sub
    )


@router.post(PAGE + "/{account_id}/delete")
async def delete(request: Request, account_id: Int32Id) -> Response:
    session = require_session(request)
    await posted_form(request, session)
    require_rights(session, "Account", "DELETE", "/account/sub/{accountId}")
    accounts.delete_sub_account(context_of(request), session.caller, account_id)
    return redirect(f"{PAGE}?notice=deleted")


def _password(form: FormData) -> str:
    value = form.get("password")
    return value if isinstance(value, str) else ""


def _checked_rights(form: FormData) -> int:
    """The rights whose boxes are ticked; an unknown one is refused by the rules' check."""
    rights = 0
    for value in form.getlist("rights"):
        if not isinstance(value, str) or not value.isdecimal() or len(value) > _MAX_DIGITS:
            raise InvalidParameter("rights", str(value)[:20])
        rights |= int(value)
    return rights


def _page(
    request: Request,
    session: WebSession,
    status_code: int = 200,
    entered: dict[str, str] | None = None,
    **values: object,
) -> Response:
    subs: list[Account] = accounts.list_sub_accounts(context_of(request), session.caller, None)
    offered = session.caller.rights if session.caller.rights is not None else ALL_RIGHTS
    return render(
        request,
        "sub_accounts.html",
        session,
        status_code=status_code,
        page="account",
        section="sub-accounts",
        subs=subs,
        choices=[(int(right), label) for right, label in RIGHT_LABELS.items() if right & offered],
        entered=entered or {},
        **values,
    )
