"""Keypad codes sealed at rest: an authorization's code becomes its digest on the device and its
sealed value (``store.keypad_codes``), the device's copy keeps the digest, events that may
carry a code wait in the outbox sealed, and stored webhook logs lose the codes they show.

Sealing needs nukiweb's secret key: ``Database.upgrade`` passes the ``SecretBox`` as the
``secret_box`` attribute of Alembic's config. A store that holds keypad codes cannot be
upgraded without it (an empty one can).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import context, op

from nukiweb.domain.webhooks import without_keypad_codes
from nukiweb.secretbox import SecretBox
from nukiweb.store import keypad_codes
from nukiweb.store.outbox import SEALED_FEATURES, opened_payload, stored_payload

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_auths = sa.table(
    "smartlock_auths",
    sa.column("id", sa.String),
    sa.column("smartlock_id", sa.BigInteger),
    sa.column("code", sa.Integer),
    sa.column("code_digest", sa.String),
    sa.column("code_box", sa.Text),
    sa.column("device_copy", sa.JSON),
)
_events = sa.table(
    "webhook_events",
    sa.column("seq", sa.BigInteger),
    sa.column("feature", sa.String),
    sa.column("payload", sa.JSON),
)
_logs = sa.table("webhook_logs", sa.column("seq", sa.BigInteger), sa.column("request", sa.JSON))


def _secret_box() -> SecretBox:
    box: SecretBox | None = context.config.attributes.get("secret_box")
    if box is None:
        raise RuntimeError(
            "keypad codes are stored: sealing them needs nukiweb's secret key "
            "(migrate with `nukiweb db upgrade` and the server's data dir or NUKIWEB_SECRET_KEY)"
        )
    return box


def upgrade() -> None:
    with op.batch_alter_table("smartlock_auths") as batch:
        batch.add_column(sa.Column("code_digest", sa.String(64), nullable=True))
        batch.add_column(sa.Column("code_box", sa.Text(), nullable=True))
    _seal_codes()
    with op.batch_alter_table("smartlock_auths") as batch:
        batch.drop_constraint("uq_smartlock_auths_smartlock_id_code", type_="unique")
        batch.drop_column("code")
        batch.create_unique_constraint(
            "uq_smartlock_auths_smartlock_id_code_digest", ["smartlock_id", "code_digest"]
        )
    _rewrite_events(stored_payload)
    _forget_logged_codes()


def _seal_codes() -> None:
    connection = op.get_bind()
    for row in connection.execute(sa.select(_auths)).all():
        copy = dict(row.device_copy or {})
        held = copy.pop("code", None)
        values: dict[str, Any] = {}
        if row.code is not None:
            values = keypad_codes.at_rest(_secret_box(), row.smartlock_id, row.code)
        if row.device_copy is not None:
            digest = (
                None if held is None else keypad_codes.digest(_secret_box(), row.smartlock_id, held)
            )
            values["device_copy"] = copy | {"code_digest": digest}
        if values:
            connection.execute(sa.update(_auths).where(_auths.c.id == row.id).values(**values))


def _rewrite_events(rewrite: Callable[[SecretBox, str, dict[str, Any]], dict[str, Any]]) -> None:
    """Pending events that may carry a code, sealed (or opened again)."""
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(_events).where(_events.c.feature.in_(sorted(SEALED_FEATURES)))
    ).all()
    if not rows:
        return
    box = _secret_box()
    for row in rows:
        payload = rewrite(box, row.feature, row.payload)
        connection.execute(
            sa.update(_events).where(_events.c.seq == row.seq).values(payload=payload)
        )


def _forget_logged_codes() -> None:
    connection = op.get_bind()
    for row in connection.execute(sa.select(_logs)).all():
        body = row.request.get("body") if isinstance(row.request, dict) else None
        if isinstance(body, dict) and without_keypad_codes(body) != body:
            request = row.request | {"body": without_keypad_codes(body)}
            connection.execute(
                sa.update(_logs).where(_logs.c.seq == row.seq).values(request=request)
            )


def downgrade() -> None:
    """Codes in clear again; a device's copy keeps its code only where it is the current one
    (a digest cannot be undone), and logged codes stay forgotten."""
    with op.batch_alter_table("smartlock_auths") as batch:
        batch.add_column(sa.Column("code", sa.Integer(), nullable=True))
    connection = op.get_bind()
    for row in connection.execute(sa.select(_auths)).all():
        code = None if row.code_box is None else keypad_codes.opened(_secret_box(), row.code_box)
        values: dict[str, Any] = {"code": code}
        if row.device_copy is not None:
            copy = dict(row.device_copy)
            held = copy.pop("code_digest", None)
            current = code is not None and held == keypad_codes.digest(
                _secret_box(), row.smartlock_id, code
            )
            values["device_copy"] = copy | {"code": code if current else None}
        connection.execute(sa.update(_auths).where(_auths.c.id == row.id).values(**values))
    with op.batch_alter_table("smartlock_auths") as batch:
        batch.drop_constraint("uq_smartlock_auths_smartlock_id_code_digest", type_="unique")
        batch.drop_column("code_box")
        batch.drop_column("code_digest")
        batch.create_unique_constraint(
            "uq_smartlock_auths_smartlock_id_code", ["smartlock_id", "code"]
        )
    _rewrite_events(opened_payload)
