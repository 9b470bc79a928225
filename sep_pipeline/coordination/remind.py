"""Reminders to bodies whose return is missing or waiting for a fix, in their own language."""

from __future__ import annotations

import os
import smtplib
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

import pandas as pd

from ..common.config import settings
from ..standard.periods import Period
from ..warehouse import registry
from .status import CHASED

# Where a reminder falls against the deadline: the wording of the dates follows it.
BEFORE, DEADLINE_DAY, OVERDUE = "before", "deadline_day", "overdue"

# What a reminder tells a partner about the deadline is what the pipeline does: a return is
# late when received after its deadline day (ingest.is_late); the morning after it the
# quarter's figures are built from the returns accepted by then (quarterly_after_deadline); a
# return accepted later is loaded all the same, marks the quarter's figures out of date, and
# the next run publishes them with it. Partners are pointed to the template's Checks sheet and
# to their feedback folder, never to a command line.
_TEXT = {
    "en": {
        "subject_before": "Equality return {period}: {short} by {deadline}",
        "subject_deadline_day": "Equality return {period}: {short} today, {deadline}",
        "subject_overdue": "Equality return {period}: {short}, overdue since {deadline}",
        "short_missing": "return needed",
        "short_waiting_for_fix": "corrected return needed",
        "missing": "we have not yet received your body's quarterly equality return",
        "waiting_for_fix": "your body's quarterly equality return was rejected "
                           "({error_count}) and we are waiting for a corrected file",
        "what_missing": "your return for {period}",
        "what_waiting_for_fix": "a corrected return for {period}",
        "when_before": "Please put it in your body's intake folder ({code}) by {deadline}. "
                       "After that date the partnership's figures for the quarter are published "
                       "without your body's, and a return received later is marked late.",
        "when_deadline_day": "The deadline is today, {deadline}: please put it in your body's "
                             "intake folder ({code}) by the end of the day. After today the "
                             "partnership's figures for the quarter are published without your "
                             "body's, and a return received later is marked late.",
        "when_overdue": "The deadline was {deadline}, so it is now overdue, and the "
                        "partnership's figures for {period} are published without your body's. "
                        "Please put it in your body's intake folder ({code}) as soon as you can: "
                        "a return that arrives now is still taken in; once accepted it is marked "
                        "late, and the figures are then updated to include it.",
        "fix": "The feedback workbook for the file you sent, in {feedback}, lists every problem, "
               "where it is and how to fix it.\n\n",
        "checks": "Before you send it, look at the Checks sheet of the return (Gwiriadau in the "
                  "Welsh template): it counts the problems the workbook can see for itself as "
                  "you type, and its total turns green at 0. The rest is checked when the file "
                  "arrives: for every file you send, a feedback workbook appears in {feedback}, "
                  "saying whether it was accepted or exactly what to fix.",
        "body": (
            "Dear colleague at {name},\n\n"
            "This is a reminder from the Wales Public Bodies Equality Partnership: {why} for "
            "{period}.\n\n"
            "What is needed: {what}. {when}\n\n"
            "{fix}{checks}\n\n"
            "Thank you,\nThe partnership coordinator"
        ),
    },
    "cy": {
        "subject_before": "Ffurflen cydraddoldeb {period}: {short} erbyn {deadline}",
        "subject_deadline_day": "Ffurflen cydraddoldeb {period}: {short} heddiw, {deadline}",
        "subject_overdue": "Ffurflen cydraddoldeb {period}: {short}, yn hwyr ers {deadline}",
        "short_missing": "angen ffurflen",
        "short_waiting_for_fix": "angen ffurflen wedi'i chywiro",
        "missing": "nid ydym wedi derbyn ffurflen cydraddoldeb chwarterol eich corff eto",
        "waiting_for_fix": "gwrthodwyd ffurflen cydraddoldeb chwarterol eich corff "
                           "({error_count}) ac rydym yn aros am ffeil wedi'i chywiro",
        "what_missing": "eich ffurflen ar gyfer {period}",
        "what_waiting_for_fix": "ffurflen wedi'i chywiro ar gyfer {period}",
        "when_before": "Rhowch hi yn ffolder derbyn eich corff ({code}) erbyn {deadline}. Ar ôl "
                       "y dyddiad hwnnw caiff ffigurau'r bartneriaeth ar gyfer y chwarter eu "
                       "cyhoeddi heb ffigurau eich corff, a chaiff ffurflen a ddaw i law wedyn "
                       "ei nodi'n hwyr.",
        "when_deadline_day": "Mae'r dyddiad cau heddiw, {deadline}: rhowch hi yn ffolder derbyn "
                             "eich corff ({code}) erbyn diwedd y dydd. Ar ôl heddiw caiff "
                             "ffigurau'r bartneriaeth ar gyfer y chwarter eu cyhoeddi heb "
                             "ffigurau eich corff, a chaiff ffurflen a ddaw i law wedyn ei "
                             "nodi'n hwyr.",
        "when_overdue": "Y dyddiad cau oedd {deadline}, felly mae'n hwyr erbyn hyn, a chaiff "
                        "ffigurau'r bartneriaeth ar gyfer {period} eu cyhoeddi heb ffigurau eich "
                        "corff. Rhowch hi yn ffolder derbyn eich corff ({code}) cyn gynted ag y "
                        "gallwch: caiff ffurflen a ddaw i law nawr ei chymryd o hyd; unwaith y "
                        "caiff ei derbyn caiff ei nodi'n hwyr, ac yna caiff y ffigurau eu "
                        "diweddaru i'w chynnwys.",
        "fix": "Mae'r llyfr gwaith adborth ar gyfer y ffeil a anfonoch, yn {feedback}, yn rhestru "
               "pob problem, ble mae hi a sut i'w chywiro.\n\n",
        "checks": "Cyn ei hanfon, edrychwch ar daflen Gwiriadau y ffurflen (Checks yn y templed "
                  "Saesneg): mae'n cyfrif y problemau y gall y llyfr gwaith eu gweld ei hun wrth "
                  "i chi deipio, ac mae ei chyfanswm yn troi'n wyrdd ar 0. Caiff y gweddill ei "
                  "wirio pan fydd y ffeil yn cyrraedd: ar gyfer pob ffeil a anfonwch, bydd llyfr "
                  "gwaith adborth yn ymddangos yn {feedback}, yn dweud a gafodd ei derbyn neu'n "
                  "union beth i'w gywiro.",
        "body": (
            "Annwyl gydweithiwr yn {name},\n\n"
            "Dyma nodyn atgoffa gan Bartneriaeth Cydraddoldeb Cyrff Cyhoeddus Cymru: {why} ar "
            "gyfer {period}.\n\n"
            "Beth sydd ei angen: {what}. {when}\n\n"
            "{fix}{checks}\n\n"
            "Diolch,\nCydlynydd y bartneriaeth"
        ),
    },
}


def timing(today: date, deadline: date) -> str:
    """Before the deadline day, on it (a return received that day is on time), or after it."""
    if today < deadline:
        return BEFORE
    return DEADLINE_DAY if today == deadline else OVERDUE


def error_count(errors: int, lang: str) -> str:
    """"1 error", "3 errors"; in Welsh a noun after a number stays singular: "3 gwall"."""
    if lang == "cy":
        return f"{errors} gwall"
    return f"{errors} error" + ("" if errors == 1 else "s")


def feedback_folder(intake_dir: Path, code: str) -> str:
    """Where a body's feedback workbooks appear, as a partner would look for it."""
    return f"{intake_dir / code / 'feedback'}{os.sep}"


def _part(lang: str, state: str, body: registry.Body, period: Period, deadline: date,
          errors: int, when: str, feedback: str) -> tuple[str, str]:
    """(subject, text) of one body's reminder in one language."""
    t = _TEXT[lang]
    fields = dict(period=period.label, deadline=deadline.strftime("%d/%m/%Y"),
                  name=body.name(lang), code=body.code, error_count=error_count(errors, lang),
                  feedback=feedback, short=t[f"short_{state}"])
    fields["what"] = t[f"what_{state}"].format(**fields)
    fields["why"] = t[state].format(**fields)
    fields["when"] = t[f"when_{when}"].format(**fields)
    fields["fix"] = t["fix"].format(**fields) if state == "waiting_for_fix" else ""
    fields["checks"] = t["checks"].format(**fields)
    return t[f"subject_{when}"].format(**fields), t["body"].format(**fields)


def reminders(status: pd.DataFrame, bodies: dict[str, registry.Body], period: Period,
              deadline: date, sender: str, today: date | None = None,
              intake_dir: Path | None = None) -> list[EmailMessage]:
    """One message per body that is missing or waiting for a fix: its own language first, the
    other language below (the Welsh Language Standards expect Welsh to be offered). `today`
    sets how the deadline is spoken of; `intake_dir` (default: the configured one) where the
    feedback folder is."""
    when = timing(today or date.today(), deadline)
    intake_dir = settings().intake_dir if intake_dir is None else intake_dir
    out = []
    for row in status[status["state"].isin(CHASED)].itertuples():
        body = bodies[row.body_code]
        first = body.language
        second = "en" if first == "cy" else "cy"
        feedback = feedback_folder(intake_dir, body.code)
        subject, text = _part(first, row.state, body, period, deadline, row.errors, when,
                              feedback)
        _, other = _part(second, row.state, body, period, deadline, row.errors, when, feedback)
        out.append(_message(sender, body, subject, f"{text}\n\n---\n\n{other}\n",
                            f"{first}, {second}"))
    return out


def _message(sender: str, body: registry.Body, subject: str, text: str,
             languages: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, body.contact_email, subject
    msg["Date"] = format_datetime(datetime.now(UTC))
    msg["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1])
    msg["Content-Language"] = languages
    msg["X-SEP-Body"] = body.code
    msg.set_content(text)
    return msg


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
