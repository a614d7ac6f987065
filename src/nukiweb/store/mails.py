"""The mail outbox: mails written in the transaction that causes them, sent later by the job
runner, deleted once the SMTP server has taken them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, insert, select

from nukiweb.store.schema import mails


@dataclass(frozen=True, slots=True)
class QueuedMail:
    id: str
    recipient: str
    sealed_message: str
    creation_date: datetime


def insert_mail(conn: Connection, mail: QueuedMail) -> None:
    conn.execute(
        insert(mails).values(
            id=mail.id,
            recipient=mail.recipient,
            sealed_message=mail.sealed_message,
            creation_date=mail.creation_date,
        )
    )


def get_mail(conn: Connection, mail_id: str) -> QueuedMail | None:
    row = conn.execute(
        select(mails.c.id, mails.c.recipient, mails.c.sealed_message, mails.c.creation_date).where(
            mails.c.id == mail_id
        )
    ).first()
    if row is None:
        return None
    return QueuedMail(row.id, row.recipient, row.sealed_message, row.creation_date)


def delete_mail(conn: Connection, mail_id: str) -> None:
    conn.execute(delete(mails).where(mails.c.id == mail_id))
