"""Reminders to bodies whose return is missing or waiting for a fix, in their own language."""

from __future__ import annotations

import os
import smtplib
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

import pandas as pd

from . import registry
from .periods import Period

CHASED = ("missing", "waiting_for_fix")

_TEXT = {
    "en": {
        "subject": "Equality return {period}: {short} by {deadline}",
        "short_missing": "return needed",
        "short_waiting_for_fix": "corrected return needed",
        "missing": "we have not yet received your body's quarterly equality return",
        "waiting_for_fix": "your body's quarterly equality return was rejected ({errors} "
                           "error(s)) and we are waiting for a corrected file",
        "body": (
            "Dear colleague at {name},\n\n"
            "This is a reminder from the Wales Public Bodies Equality Partnership: {why} for "
            "{period}.\n\n"
            "What is needed: {what}. Please drop it into your body's intake folder ({code}) by "
            "{deadline}. {fix}Returns received after the deadline are marked late.\n\n"
            "You can check a return yourself before sending it: sep-pipeline validate FILE.\n\n"
            "Thank you,\nThe partnership coordinator"
        ),
        "what_missing": "your return for {period}",
        "what_fix": "a corrected return for {period}",
        "fix": "The feedback workbook in your feedback folder lists every problem and how to "
               "fix it. ",
    },
    "cy": {
        "subject": "Ffurflen cydraddoldeb {period}: {short} erbyn {deadline}",
        "short_missing": "angen ffurflen",
        "short_waiting_for_fix": "angen ffurflen wedi'i chywiro",
        "missing": "nid ydym wedi derbyn ffurflen cydraddoldeb chwarterol eich corff eto",
        "waiting_for_fix": "gwrthodwyd ffurflen cydraddoldeb chwarterol eich corff ({errors} "
                           "gwall) ac rydym yn aros am ffeil wedi'i chywiro",
        "body": (
            "Annwyl gydweithiwr yn {name},\n\n"
            "Dyma nodyn atgoffa gan Bartneriaeth Cydraddoldeb Cyrff Cyhoeddus Cymru: {why} ar "
            "gyfer {period}.\n\n"
            "Beth sydd ei angen: {what}. Rhowch hi yn ffolder derbyn eich corff ({code}) erbyn "
            "{deadline}. {fix}Caiff ffurflenni a ddaw i law ar ôl y dyddiad cau eu nodi'n hwyr.\n\n"
            "Gallwch wirio ffurflen eich hun cyn ei hanfon: sep-pipeline validate FFEIL.\n\n"
            "Diolch,\nCydlynydd y bartneriaeth"
        ),
        "what_missing": "eich ffurflen ar gyfer {period}",
        "what_fix": "ffurflen wedi'i chywiro ar gyfer {period}",
        "fix": "Mae'r llyfr gwaith adborth yn eich ffolder adborth yn rhestru pob problem a sut "
               "i'w chywiro. ",
    },
}


def _part(lang: str, state: str, body: registry.Body, period: Period, deadline: date,
          errors: int) -> tuple[str, str]:
    t = _TEXT[lang]
    what = t["what_fix" if state == "waiting_for_fix" else "what_missing"].format(
        period=period.label)
    fields = dict(period=period.label, deadline=deadline.strftime("%d/%m/%Y"), what=what,
                  name=body.name(lang), code=body.code, errors=errors,
                  fix=t["fix"] if state == "waiting_for_fix" else "", short=t[f"short_{state}"])
    fields["why"] = t[state].format(**fields)
    return t["subject"].format(**fields), t["body"].format(**fields)


def reminders(status: pd.DataFrame, bodies: dict[str, registry.Body], period: Period,
              deadline: date, sender: str) -> list[EmailMessage]:
    """One message per body that is missing or waiting for a fix: its own language first, the
    other language below (the Welsh Language Standards expect Welsh to be offered)."""
    out = []
    for row in status[status["state"].isin(CHASED)].itertuples():
        body = bodies[row.body_code]
        first = body.language
        second = "en" if first == "cy" else "cy"
        subject, text = _part(first, row.state, body, period, deadline, row.errors)
        _, other = _part(second, row.state, body, period, deadline, row.errors)
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = sender, body.contact_email, subject
        msg["Date"] = format_datetime(datetime.now(UTC))
        msg["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1])
        msg["Content-Language"] = f"{first}, {second}"
        msg["X-SEP-Body"] = body.code
        msg.set_content(f"{text}\n\n---\n\n{other}\n")
        out.append(msg)
    return out


def write_outbox(messages: list[EmailMessage], outbox: Path, period: Period) -> list[Path]:
    folder = outbox / period.label.replace(" ", "_")
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for msg in messages:
        path = folder / f"{msg['X-SEP-Body']}.eml"
        path.write_bytes(bytes(msg))
        paths.append(path)
    return paths


def smtp_settings(env: dict[str, str] | None = None) -> dict[str, object] | None:
    """SMTP from SEP_SMTP_HOST (and _PORT, _USER, _PASSWORD, _STARTTLS); None: not configured."""
    env = dict(os.environ if env is None else env)
    host = env.get("SEP_SMTP_HOST")
    if not host:
        return None
    return {"host": host, "port": int(env.get("SEP_SMTP_PORT", "25")),
            "user": env.get("SEP_SMTP_USER"), "password": env.get("SEP_SMTP_PASSWORD"),
            "starttls": env.get("SEP_SMTP_STARTTLS", "0") == "1"}


def send(messages: list[EmailMessage], smtp: dict[str, object]) -> int:
    with smtplib.SMTP(str(smtp["host"]), int(str(smtp["port"])), timeout=30) as s:
        if smtp["starttls"]:
            s.starttls()
        if smtp["user"]:
            s.login(str(smtp["user"]), str(smtp["password"] or ""))
        for msg in messages:
            s.send_message(msg)
    return len(messages)
