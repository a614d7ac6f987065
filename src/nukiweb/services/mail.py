"""The mail outbox: a use case queues a mail in its own transaction (a row with the whole message
sealed, since it may carry a single-use link, and a durable job to send it); the job runner sends
it through the context's transport and deletes the row. A mail the server does not take is tried
again with the runner's backoff: never lost, and no request waits on the mail server."""

from __future__ import annotations

import email.policy
import logging
from email.message import EmailMessage
from email.parser import BytesParser

from sqlalchemy import Connection

from nukiweb.secrets import new_object_id
from nukiweb.services.context import ServiceContext
from nukiweb.store import jobs
from nukiweb.store import mails as store
from nukiweb.store.mails import QueuedMail

log = logging.getLogger(__name__)

JOB = "mail"


def queue_mail(ctx: ServiceContext, conn: Connection, message: EmailMessage) -> str:
    """Within the caller's transaction: the mail is sent once it has committed (call
    ``wake_sender`` then). Its id."""
    mail_id = new_object_id()
    now = ctx.clock.now()
    sealed = ctx.secrets.seal(message.as_bytes().decode("ascii", errors="surrogateescape"))
    store.insert_mail(conn, QueuedMail(mail_id, str(message["To"]), sealed, now))
    jobs.schedule(conn, JOB, mail_id, now)
    return mail_id


def wake_sender(ctx: ServiceContext) -> None:
    if ctx.on_job is not None:
        ctx.on_job()


async def send_mail(ctx: ServiceContext, mail_id: str) -> None:
    """The job: sends the queued mail, then forgets it. A transport's failure propagates, and
    the runner tries again later; a mail already sent (the job run twice) is gone."""
    with ctx.db.read() as conn:
        queued = store.get_mail(conn, mail_id)
    if queued is None:
        return
    raw = ctx.secrets.open(queued.sealed_message).encode("ascii", errors="surrogateescape")
    message = BytesParser(_class=EmailMessage, policy=email.policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    await ctx.mail_transport.send(message, mail_id)
    with ctx.db.transaction() as conn:
        store.delete_mail(conn, mail_id)
