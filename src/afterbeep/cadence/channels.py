"""Channels: how a due touch is carried out, once the compliance engine has allowed it.

Owns the ``TouchJob`` a handler receives, the ``TouchHandler`` protocol, and the handlers:
email over SMTP, text through a carrier adapter (the small ``TextSender`` protocol here is all
cadence knows of carriers), and manual tasks for a rep (calls placed by hand, social, mail,
video, face-to-face). Every handler gets the touch's ``key``: handlers that reach the outside
world pass it on (the email's Message-ID, the carrier's idempotency key) so a retried touch
is recognisable as the same one.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any, ClassVar, Protocol, runtime_checkable

from sqlalchemy.orm import Session

from afterbeep.errors import CarrierError, InvalidInput
from afterbeep.store import Channel, Task, utcnow

__all__ = [
    "ManualTask",
    "SmtpEmail",
    "TextMessage",
    "TextSender",
    "TouchHandler",
    "TouchJob",
    "default_handlers",
]


@dataclass(frozen=True, slots=True)
class TouchJob:
    """Everything a handler needs about one touch (no ORM objects: safe across processes)."""

    touch_id: int
    key: str
    team_id: int
    channel: Channel
    position: int
    variant: str | None
    subject: str | None
    prospect_id: int
    phone_e164: str
    email: str | None
    first_name: str
    company: str | None
    rep_id: int | None


@runtime_checkable
class TouchHandler(Protocol):
    """Carries out one touch; returns what to keep in the touch's ``result``.

    ``session`` is the worker's transaction: rows a handler adds commit together with the
    touch being marked done, so in-database effects happen exactly once.
    """

    def run(self, job: TouchJob, session: Session) -> dict[str, Any]: ...


@runtime_checkable
class TextSender(Protocol):
    """What a carrier adapter offers cadence for texts (telephony implements it)."""

    def send_text(self, *, to: str, body: str, idempotency_key: str) -> str:
        """Send ``body`` to ``to`` (E.164); return the carrier's message id."""
        ...


class ManualTask:
    """A task for the rep: a call to place, a social touch, a letter, a video, a visit."""

    TITLES: ClassVar[dict[Channel, str]] = {
        Channel.CALL: "Call {name}",
        Channel.VOICEMAIL: "Call {name}; leave the voicemail if it goes to a mailbox",
        Channel.SOCIAL: "Connect with {name} on social",
        Channel.MAIL: "Send {name} a letter",
        Channel.VIDEO: "Record a short video for {name}",
        Channel.FACE_TO_FACE: "Meet {name} in person",
        Channel.EMAIL: "Email {name}",
        Channel.TEXT: "Text {name}",
    }

    def run(self, job: TouchJob, session: Session) -> dict[str, Any]:
        name = job.first_name + (f" ({job.company})" if job.company else "")
        title = self.TITLES.get(job.channel, "Touch {name}").format(name=name)
        if job.subject:
            title += f" - {job.subject}"
        task = Task(
            prospect_id=job.prospect_id,
            assignee_id=job.rep_id,
            channel=job.channel,
            title=f"{title} [{job.key}]"[:300],
            due_at=utcnow(),
        )
        session.add(task)
        session.flush()
        return {"task_id": task.id}


@dataclass
class SmtpEmail:
    """Email through an SMTP server (STARTTLS and login when configured)."""

    host: str
    port: int = 25
    sender: str = "afterbeep@localhost"
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout: float = 30.0

    def message(self, job: TouchJob) -> EmailMessage:
        if not job.email:
            raise InvalidInput(
                f"prospect {job.prospect_id} has no email address", field="prospects.email"
            )
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = job.email
        message["Subject"] = job.subject or f"Following up, {job.first_name}"
        message["Date"] = formatdate(localtime=False)
        # The touch key makes the Message-ID: a retried touch is the same message.
        message["Message-ID"] = f"<{job.key}.{job.team_id}@afterbeep>"
        body = [f"Hi {job.first_name},", ""]
        if job.subject and "voicemail" in job.subject.lower():
            body.append(
                "I just left you a voicemail; here it is in writing so it is easy to reply."
            )
        else:
            body.append("Following up on my last note.")
        message.set_content("\n".join(body) + "\n")
        return message

    def run(self, job: TouchJob, session: Session) -> dict[str, Any]:
        message = self.message(job)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls()
                if self.username:
                    smtp.login(self.username, self.password or "")
                refused = smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as error:
            raise CarrierError(f"could not send email: {error}", carrier="smtp") from error
        if refused:
            raise CarrierError(f"recipients refused: {refused}", carrier="smtp")
        return {"message_id": message["Message-ID"], "to": job.email}


@dataclass
class TextMessage:
    """A text through a carrier adapter."""

    sender: TextSender

    def run(self, job: TouchJob, session: Session) -> dict[str, Any]:
        body = f"Hi {job.first_name}, " + (job.subject or "following up on my call.")
        message_id = self.sender.send_text(to=job.phone_e164, body=body, idempotency_key=job.key)
        return {"message_id": message_id}


def default_handlers(
    *, email: SmtpEmail | None = None, texts: TextSender | None = None
) -> dict[Channel, TouchHandler]:
    """Handlers for every channel: SMTP and the carrier when given, manual tasks otherwise."""
    manual = ManualTask()
    handlers: dict[Channel, TouchHandler] = {channel: manual for channel in Channel}
    if email is not None:
        handlers[Channel.EMAIL] = email
    if texts is not None:
        handlers[Channel.TEXT] = TextMessage(texts)
    return handlers
