"""The demo account that ``nukiweb serve --demo`` creates (once) and hands a fresh token."""

from __future__ import annotations

from nukiweb.domain.errors import NotFound
from nukiweb.services import accounts, api_keys, smartlocks
from nukiweb.services.context import ServiceContext
from nukiweb.store import api_keys as key_store
from nukiweb.store import smartlocks as device_store

DEMO_EMAIL = "demo@nukiweb.local"
DEMO_PASSWORD = "nukiweb-demo"  # noqa: S105 - the demo's published password
# One device of each type, in type order (0 … 4).
DEMO_DEVICE_NAMES = ("Front door", "Garden box", "Building entrance", "Office door", "Back door")
DEMO_TOKEN_DESCRIPTION = "nukiweb demo"  # noqa: S105 - a label


def seed_demo(ctx: ServiceContext) -> tuple[str, str, str]:
    """Returns the demo account's email, password and a new all-scopes API token; the token of
    the previous demo start is revoked, so they do not pile up. The account gets one simulated
    device of each type the first time."""
    try:
        account = accounts.find_account_by_email(ctx, DEMO_EMAIL)
    except NotFound:
        account = accounts.create_account(ctx, DEMO_EMAIL, DEMO_PASSWORD, "Demo")
    with ctx.db.transaction() as conn:
        for key in key_store.list_api_keys(conn, account.account_id):
            stale = [
                token.id
                for token in key_store.list_api_tokens(conn, key.api_key_id)
                if token.description == DEMO_TOKEN_DESCRIPTION
            ]
            key_store.delete_api_tokens(conn, stale)
    _token, value = api_keys.issue_token_for_account(
        ctx, account.account_id, DEMO_TOKEN_DESCRIPTION
    )
    with ctx.db.read() as conn:
        has_devices = bool(device_store.list_devices(conn, account.account_id))
    if not has_devices:
        for device_type, name in enumerate(DEMO_DEVICE_NAMES):
            smartlocks.add_device(ctx, account.account_id, device_type, name)
    return DEMO_EMAIL, DEMO_PASSWORD, value
