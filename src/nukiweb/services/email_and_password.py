"""Use cases of an account's email address and password by mail: changing the address (it
changes when the link mailed to the new one is followed), verifying it, and resetting a
forgotten password through a link mailed to the account's address.

A reset request answers the same whether or not the address belongs to an account: nobody
learns who has one. Links are used once, in the transaction that applies them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from nukiweb.domain import accounts as rules
from nukiweb.domain.accounts import Account
from nukiweb.domain.errors import Conflict, Forbidden, InvalidParameter, NotFound
from nukiweb.domain.identity import Caller
from nukiweb.secrets import hash_password, verify_password
from nukiweb.services import account_links as links
from nukiweb.services import mail
from nukiweb.services.account_links import RESET_PASSWORD, VERIFY_EMAIL, Recipient
from nukiweb.services.accounts import revoke_credentials, update_my_account
from nukiweb.services.context import ServiceContext
from nukiweb.store import accounts as account_store
from nukiweb.store.account_links import AccountLink


def request_email_change(ctx: ServiceContext, caller: Caller, email: str) -> None:
    """``POST /account/email/change``: mails a verification link to ``email``; the account's
    address changes when it is followed. An OAuth2 app may not: the address is the way back
    into the account (a password reset), beyond what its user consented to."""
    if caller.oauth:
        raise Forbidden("An OAuth access token may not change the account's email.")
    email = rules.check_email(email)
    with ctx.db.transaction() as conn:
        account = _account(conn, caller.account_id)
        _refuse_taken(conn, email, account.account_id)
        links.check_mail_allowed(ctx, conn, email)
        links.send_verification(ctx, conn, Recipient(account.account_id, account.name, email))
    mail.wake_sender(ctx)


def resend_verification(ctx: ServiceContext, caller: Caller) -> None:
    """``POST /account/email/verify``: mails a verification link again, for the address an email
    change waits on if there is one, else for the account's address."""
    with ctx.db.read() as conn:
        account = _account(conn, caller.account_id)
    email = links.pending_email(ctx, account.account_id, account.email) or account.email
    if email != account.email and caller.oauth:
        raise Forbidden("An OAuth access token may not change the account's email.")
    with ctx.db.transaction() as conn:
        _refuse_taken(conn, email, account.account_id)
        links.check_mail_allowed(ctx, conn, email)
        links.send_verification(ctx, conn, Recipient(account.account_id, account.name, email))
    mail.wake_sender(ctx)


def request_password_reset(ctx: ServiceContext, email: str, delete_api_tokens: bool) -> None:
    """``POST /account/password/reset`` and the "Forgot password?" page: a reset link mailed to
    the account with this address, if there is one. The same answer either way; too many
    requests for one address send no more mails, silently (the answer would tell otherwise)."""
    email = rules.check_email(email)
    with ctx.db.transaction() as conn:
        if not links.mail_allowed(ctx, conn, email):
            return
        found = account_store.find_credentials(conn, rules.email_key(email))
        account = None if found is None else account_store.get_account(conn, found[0])
        if account is None:
            return
        recipient = Recipient(account.account_id, account.name, account.email)
        links.send_reset(ctx, conn, recipient, delete_api_tokens)
    mail.wake_sender(ctx)


def verification_link(ctx: ServiceContext, token: str, client_address: str) -> AccountLink:
    """What the verification page shows before its button is pressed (link scanners follow
    links; only the button's POST changes anything)."""
    return links.find_usable(ctx, token, VERIFY_EMAIL, client_address)


def reset_link(ctx: ServiceContext, token: str, client_address: str) -> AccountLink:
    return links.find_usable(ctx, token, RESET_PASSWORD, client_address)


def verify_email(ctx: ServiceContext, token: str, client_address: str) -> str:
    """The link's address becomes the account's, verified; the address."""
    link = links.find_usable(ctx, token, VERIFY_EMAIL, client_address)
    assert link.email is not None
    with ctx.db.transaction() as conn:
        links.use(ctx, conn, link)
        _refuse_taken(conn, link.email, link.account_id)
        values = {
            "email": link.email,
            "email_key": rules.email_key(link.email),
            "email_verified": True,
        }
        account_store.update_account(conn, link.account_id, values, ctx.clock.now())
    return link.email


def reset_password(ctx: ServiceContext, token: str, password: str, client_address: str) -> None:
    """The account's password becomes ``password``. What the old one gave ends: web sessions
    and OAuth2 grants always, API tokens if the request asked. (Runs argon2: call it in a
    thread.)"""
    link = links.find_usable(ctx, token, RESET_PASSWORD, client_address)
    password_hash = hash_password(rules.check_password(password))
    with ctx.db.transaction() as conn:
        links.use(ctx, conn, link)
        values: dict[str, Any] = {"password_hash": password_hash}
        account = _account(conn, link.account_id)
        if link.email is not None and rules.email_key(link.email) == rules.email_key(account.email):
            values["email_verified"] = True  # the link reached this address's mailbox
        account_store.update_account(conn, link.account_id, values, ctx.clock.now())
        revoke_credentials(conn, link.account_id, api_tokens=bool(link.delete_api_tokens))
    ctx.tokens.invalidate()


def change_password(
    ctx: ServiceContext,
    caller: Caller,
    current: str,
    new: str,
    *,
    delete_api_tokens: bool,
) -> None:
    """The profile page's password change: with the current password, whose wrong guesses are
    throttled as failed sign-ins are. Then as ``POST /account``: every web session (this one
    too) and OAuth2 grant ends, and the API tokens if asked. (Runs argon2: call it in a
    thread.)"""
    links.check_password_attempts(ctx, caller.account_id)
    with ctx.db.read() as conn:
        account = _account(conn, caller.account_id)
        found = account_store.find_credentials(conn, rules.email_key(account.email))
    if not verify_password(None if found is None else found[1], current):
        links.record_password_failure(ctx, caller.account_id)
        raise InvalidParameter("currentPassword", "*****", "It is not the account's password.")
    update_my_account(ctx, caller, {"password": new}, delete_api_tokens)


def _account(conn: Connection, account_id: int) -> Account:
    account = account_store.get_account(conn, account_id)
    if account is None:
        raise NotFound("account", account_id)
    return account


def _refuse_taken(conn: Connection, email: str, account_id: int) -> None:
    found = account_store.find_credentials(conn, rules.email_key(email))
    if found is not None and found[0] != account_id:
        raise Conflict("E-Mail address already exists")
