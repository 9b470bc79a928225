"""The coordinator's view: registry, deadlines, status per quarter, reminders."""

from __future__ import annotations

import json
import shutil
import socket
from datetime import UTC, date, datetime
from email import message_from_bytes, policy
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from sep_pipeline.cli import app
from sep_pipeline.common.config import settings
from sep_pipeline.coordination import remind
from sep_pipeline.coordination.status import closing_line, coverage, status_frame
from sep_pipeline.defs.coordination import reminder_due
from sep_pipeline.intake.ingest import Received, is_late
from sep_pipeline.runner import run_pending
from sep_pipeline.standard.periods import Period
from sep_pipeline.warehouse import registry
from sep_pipeline.warehouse import tables as warehouse

ROOT = Path(__file__).resolve().parents[1]
Q4 = Period(2025, 4)  # ends 31/03/2026; default deadline 12/05/2026

REGISTRY = """\
body_code,name_en,name_cy,sector,size_band,contact_email,language,expected_from,expected_until
ONTIME,On Time Council,Cyngor Mewn Pryd,Local government,1000-4999,a@ontime.example,en,2025-26 Q1,
LATE,Late Trust,Ymddiriedolaeth Hwyr,Health,1000-4999,b@late.example,en,2025-26 Q1,
WAITS,Waiting Housing,Tai Aros,Housing,50-249,c@waits.example,cy,2025-26 Q1,
RESUB,Resubmitting Park,Parc Ailgyflwyno,National park,50-249,d@resub.example,en,2025-26 Q1,
MISSING,Missing Board,Bwrdd Coll,Health,250-999,e@missing.example,en,2025-26 Q1,
GONE,Former Member,Cyn-aelod,Arts,1-49,f@gone.example,en,2024-25 Q1,2025-26 Q2
LATER,Joins Later,Ymuno Wedyn,Arts,1-49,g@later.example,cy,2026-27 Q1,
"""


@pytest.fixture
def bodies(tmp_path, monkeypatch):
    path = tmp_path / "bodies.csv"
    path.write_text(REGISTRY, encoding="utf-8")
    monkeypatch.setenv("SEP_BODY_REGISTRY", str(path))
    return registry.load()


def sub(sid, body, status, late=False, errors=0, day=1):
    return {"submission_id": sid, "body_code": body, "period": Q4.label, "status": status,
            "late": late, "errors": errors, "received_at": datetime(2026, 4, day, tzinfo=UTC)}


def test_status_with_every_state(bodies):
    subs = pd.DataFrame([
        sub(1, "ONTIME", "accepted"),
        sub(2, "LATE", "accepted", late=True),
        sub(3, "WAITS", "rejected", errors=7),
        sub(4, "RESUB", "superseded"),
        sub(5, "RESUB", "accepted", day=2),
        sub(6, "RESUB", "rejected", errors=2, day=3),
        sub(7, "RESUB", "duplicate", day=4),
    ])
    got = status_frame(bodies, subs, Q4, date(2026, 5, 12), today=date(2026, 5, 20))
    by = got.set_index("body_code")
    assert by["state"].to_dict() == {
        "GONE": "not_expected", "LATE": "late", "LATER": "not_expected", "MISSING": "missing",
        "ONTIME": "on_time", "RESUB": "on_time", "WAITS": "waiting_for_fix"}
    assert by.loc["WAITS", "errors"] == 7 and "7 error" in by.loc["WAITS", "detail"]
    # Resubmission history: one superseded, one rejected later, the duplicate not counted.
    assert (by.loc["RESUB", "submissions"], by.loc["RESUB", "superseded"],
            by.loc["RESUB", "rejected"]) == (3, 1, 1)
    assert "stays current" in by.loc["RESUB", "detail"]
    assert "deadline has passed" in by.loc["MISSING", "detail"]
    assert by.loc["LATER", "detail"] == "expected from 2026-27 Q1"
    assert coverage(got) == (3, 5)  # ONTIME, LATE, RESUB of the five expected


def test_deadlines_and_overrides(monkeypatch, tmp_path):
    monkeypatch.setenv("SEP_DATA_DIR", str(tmp_path))
    cfg = settings()
    assert cfg.deadline(Q4) == date(2026, 5, 12)  # 31/03/2026 + 6 weeks
    monkeypatch.setenv("SEP_DEADLINE_OVERRIDES", "2025-26 Q4=2026-05-19")
    monkeypatch.setenv("SEP_DEADLINE_WEEKS", "4")
    cfg = settings()
    assert cfg.deadline(Q4) == date(2026, 5, 19)
    assert cfg.deadline(Period(2025, 3)) == date(2026, 1, 28)  # 31/12/2025 + 4 weeks

    def received(day: date) -> Received:
        return Received("X", Q4.label, "f.xlsx", "0" * 64, "a",
                        datetime(day.year, day.month, day.day, 12, tzinfo=UTC))

    assert not is_late(received(date(2026, 5, 19)), cfg)
    assert is_late(received(date(2026, 5, 20)), cfg)
    # Reminders a week before the deadline and the day after it.
    assert reminder_due(date(2026, 5, 12), cfg) == Q4
    assert reminder_due(date(2026, 5, 20), cfg) == Q4
    assert reminder_due(date(2026, 5, 13), cfg) is None


def _states(bodies):
    subs = pd.DataFrame([sub(1, "ONTIME", "accepted"), sub(3, "WAITS", "rejected", errors=3)])
    return status_frame(bodies, subs, Q4, date(2026, 5, 12), today=date(2026, 5, 5))


def _reminders(bodies, today: date, intake: Path) -> dict[str, str]:
    """Body code -> "subject\n\ntext" of each reminder for Q4 (deadline 12/05/2026)."""
    messages = remind.reminders(_states(bodies), bodies, Q4, date(2026, 5, 12),
                                "coordinator@partnership.example", today=today,
                                intake_dir=intake)
    return {m["X-SEP-Body"]: f"{m['Subject']}\n\n{m.get_content()}" for m in messages}


def test_reminders_in_the_bodys_language(bodies, tmp_path):
    messages = remind.reminders(_states(bodies), bodies, Q4, date(2026, 5, 12),
                                "coordinator@partnership.example", today=date(2026, 5, 5),
                                intake_dir=tmp_path / "intake")
    paths = remind.write_outbox(messages, tmp_path / "outbox", Q4)
    by_body = {p.stem: message_from_bytes(p.read_bytes(), policy=policy.default) for p in paths}
    # Chased: the missing ones (English) and the rejected one (Welsh); not ONTIME, GONE, LATER.
    assert set(by_body) == {"LATE", "MISSING", "RESUB", "WAITS"}
    en, cy = by_body["MISSING"], by_body["WAITS"]
    assert en["To"] == "e@missing.example"
    assert en["Subject"] == "Equality return 2025-26 Q4: return needed by 12/05/2026"
    text = en.get_content()
    assert text.index("Dear colleague at Missing Board") < text.index("Annwyl gydweithiwr")
    assert "(MISSING) by 12/05/2026" in text
    assert cy["To"] == "c@waits.example"
    assert cy["Subject"] == (
        "Ffurflen cydraddoldeb 2025-26 Q4: angen ffurflen wedi'i chywiro erbyn 12/05/2026")
    welsh = cy.get_content()
    assert welsh.index("Annwyl gydweithiwr yn Tai Aros") < welsh.index("Dear colleague")
    assert "3 gwall" in welsh and "erbyn 12/05/2026" in welsh
    assert "rejected (3 errors)" in welsh


def test_status_suggests_remind_only_when_someone_is_to_be_chased(bodies):
    deadline, today = date(2026, 5, 12), date(2026, 5, 20)
    some = status_frame(bodies, pd.DataFrame([sub(1, "ONTIME", "accepted"),
                                              sub(2, "WAITS", "rejected", errors=3)]),
                        Q4, deadline, today)
    assert closing_line(some, Q4) == (
        "1 of 5 expected bodies are in the partnership figures. To chase (LATE, MISSING, "
        "RESUB, WAITS): sep-pipeline remind --period '2025-26 Q4'")
    everyone = status_frame(bodies, pd.DataFrame(
        [sub(i, b, "accepted") for i, b in enumerate(
            ("ONTIME", "LATE", "WAITS", "RESUB", "MISSING"))]), Q4, deadline, today)
    assert closing_line(everyone, Q4) == (
        "All 5 expected bodies are in the partnership figures: nobody to chase.")
    empty = pd.DataFrame(columns=list(sub(1, "X", "accepted")))
    only_gone = Period(2024, 1)  # GONE alone was a member then, and it sent nothing
    assert closing_line(status_frame(bodies, empty, only_gone, deadline, today), only_gone) == (
        "0 of 1 expected bodies are in the partnership figures. To chase (GONE): "
        "sep-pipeline remind --period '2024-25 Q1'")
    before_all = Period(2023, 1)
    assert closing_line(status_frame(bodies, empty, before_all, deadline, today),
                        before_all) == "No body is expected to send a return for 2023-24 Q1."


# Q4's deadline is Tuesday 12/05/2026: a reminder the week before, on the day, the day after.
WHEN = {
    date(2026, 5, 5): {
        "MISSING": ["Equality return 2025-26 Q4: return needed by 12/05/2026",
                    "Please put it in your body's intake folder (MISSING) by 12/05/2026. After "
                    "that date the partnership's figures for the quarter are published without "
                    "your body's, and a return received later is marked late.",
                    "Rhowch hi yn ffolder derbyn eich corff (MISSING) erbyn 12/05/2026."],
        "WAITS": ["Ffurflen cydraddoldeb 2025-26 Q4: angen ffurflen wedi'i chywiro erbyn "
                  "12/05/2026",
                  "Rhowch hi yn ffolder derbyn eich corff (WAITS) erbyn 12/05/2026. Ar ôl y "
                  "dyddiad hwnnw caiff ffigurau'r bartneriaeth ar gyfer y chwarter eu cyhoeddi "
                  "heb ffigurau eich corff, a chaiff ffurflen a ddaw i law wedyn ei nodi'n hwyr.",
                  "Please put it in your body's intake folder (WAITS) by 12/05/2026."],
    },
    date(2026, 5, 12): {
        "MISSING": ["Equality return 2025-26 Q4: return needed today, 12/05/2026",
                    "The deadline is today, 12/05/2026: please put it in your body's intake "
                    "folder (MISSING) by the end of the day. After today",
                    "Mae'r dyddiad cau heddiw, 12/05/2026: rhowch hi yn ffolder derbyn eich "
                    "corff (MISSING) erbyn diwedd y dydd. Ar ôl heddiw"],
        "WAITS": ["Ffurflen cydraddoldeb 2025-26 Q4: angen ffurflen wedi'i chywiro heddiw, "
                  "12/05/2026",
                  "Mae'r dyddiad cau heddiw, 12/05/2026",
                  "The deadline is today, 12/05/2026"],
    },
    date(2026, 5, 13): {
        "MISSING": ["Equality return 2025-26 Q4: return needed, overdue since 12/05/2026",
                    "The deadline was 12/05/2026, so it is now overdue, and the partnership's "
                    "figures for 2025-26 Q4 are published without your body's. Please put it in "
                    "your body's intake folder (MISSING) as soon as you can: a return that "
                    "arrives now is still taken in; once accepted it is marked late, and the "
                    "figures are then updated to include it.",
                    "Y dyddiad cau oedd 12/05/2026, felly mae'n hwyr erbyn hyn"],
        "WAITS": ["Ffurflen cydraddoldeb 2025-26 Q4: angen ffurflen wedi'i chywiro, yn hwyr ers "
                  "12/05/2026",
                  "Y dyddiad cau oedd 12/05/2026, felly mae'n hwyr erbyn hyn, a chaiff ffigurau'r "
                  "bartneriaeth ar gyfer 2025-26 Q4 eu cyhoeddi heb ffigurau eich corff. Rhowch "
                  "hi yn ffolder derbyn eich corff (WAITS) cyn gynted ag y gallwch: caiff "
                  "ffurflen a ddaw i law nawr ei chymryd o hyd; unwaith y caiff ei derbyn caiff "
                  "ei nodi'n hwyr, ac yna caiff y ffigurau eu diweddaru i'w chynnwys.",
                  "The deadline was 12/05/2026, so it is now overdue"],
    },
}


@pytest.mark.parametrize("today", sorted(WHEN), ids=["week_before", "deadline_day", "day_after"])
def test_reminder_dates_fit_the_day(bodies, tmp_path, today):
    got = _reminders(bodies, today, tmp_path)
    for body, fragments in WHEN[today].items():
        text = " ".join(got[body].split("\n\n", 1)[1].split())  # the text, lines joined
        assert got[body].startswith(fragments[0] + "\n"), got[body]
        for fragment in fragments[1:]:
            assert fragment in text, (body, fragment)
    # No other day's wording slips in.
    words = {date(2026, 5, 5): "by 12/05/2026", date(2026, 5, 12): "today",
             date(2026, 5, 13): "overdue"}
    for other, word in words.items():
        if other != today:
            assert all(word not in m.split("\n\n", 1)[0] for m in got.values())


def test_reminders_point_to_the_checks_sheet_and_feedback_folder(bodies, tmp_path):
    intake = tmp_path / "intake"
    got = {b: " ".join(m.split()) for b, m in _reminders(bodies, date(2026, 5, 5),
                                                          intake).items()}
    for body, text in got.items():
        folder = f"{intake / body / 'feedback'}/"
        assert "sep-pipeline" not in text and "validate" not in text, body
        assert ("look at the Checks sheet of the return (Gwiriadau in the Welsh template): it "
                "counts the problems the workbook can see for itself as you type, and its total "
                "turns green at 0.") in text
        assert ("edrychwch ar daflen Gwiriadau y ffurflen (Checks yn y templed Saesneg): "
                "mae'n cyfrif y problemau") in text
        assert "mae ei chyfanswm yn troi'n wyrdd ar 0" in text
        assert f"for every file you send, a feedback workbook appears in {folder}" in text
        assert f"bydd llyfr gwaith adborth yn ymddangos yn {folder}" in text
    # The body waiting for a fix is sent to the feedback on the file it sent, in both languages.
    assert (f"The feedback workbook for the file you sent, in {intake}/WAITS/feedback/, lists "
            "every problem, where it is and how to fix it.") in got["WAITS"]
    assert (f"Mae'r llyfr gwaith adborth ar gyfer y ffeil a anfonoch, yn {intake}/WAITS/"
            "feedback/, yn rhestru pob problem") in got["WAITS"]
    assert "The feedback workbook for the file you sent" not in got["MISSING"]


def test_reminders_sent_through_a_local_smtp_server(bodies):
    from aiosmtpd.controller import Controller

    received: list[tuple[str, list[str], bytes]] = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
            received.append((envelope.mail_from, envelope.rcpt_tos, envelope.content))
            return "250 OK"

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        messages = remind.reminders(_states(bodies), bodies, Q4, date(2026, 5, 12),
                                    "coordinator@partnership.example", today=date(2026, 5, 5),
                                    intake_dir=Path("intake"))
        smtp = remind.smtp_settings({"SEP_SMTP_HOST": "127.0.0.1", "SEP_SMTP_PORT": str(port)})
        assert remind.send(messages, smtp) == 4
    finally:
        controller.stop()
    assert sorted(r[1][0] for r in received) == [
        "b@late.example", "c@waits.example", "d@resub.example", "e@missing.example"]
    assert all(r[0] == "coordinator@partnership.example" for r in received)
    assert remind.smtp_settings({}) is None


def test_unknown_body_folder_is_rejected_and_nothing_loaded(tmp_path, monkeypatch):
    monkeypatch.setenv("SEP_INTAKE_DIR", str(tmp_path / "intake"))
    monkeypatch.setenv("SEP_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("SEP_WAREHOUSE_URL", raising=False)
    (tmp_path / "home").mkdir()
    folder = tmp_path / "intake" / "NOSUCH"
    folder.mkdir(parents=True)
    shutil.copyfile(ROOT / "data_raw" / "CLCT" / "CLCT_2025-26_Q1.xlsx", folder / "r.xlsx")
    (result,) = run_pending()
    assert (result.body, result.status) == ("NOSUCH", "rejected")
    cfg = settings()
    with warehouse.engine(cfg.warehouse_url).connect() as conn:
        codes = conn.execute(sa.text("select code from validation_issues")).scalars().all()
        rows = conn.execute(sa.text("select count(*) from workforce")).scalar_one()
    assert "intake.unknown_body" in codes and rows == 0
    feedback = folder / "feedback" / "r_feedback.xlsx"
    assert feedback.is_file()
    # The registry is in the warehouse too.
    with warehouse.engine(cfg.warehouse_url).connect() as conn:
        assert conn.execute(sa.text("select count(*) from bodies")).scalar_one() == len(
            registry.load())
    # And the status command reports every registry body for the quarter as JSON.
    out = CliRunner().invoke(app, ["status", "--period", "2025-26 Q1", "--json"])
    assert out.exit_code == 0, out.output
    states = {r["body_code"]: r["state"] for r in json.loads(out.stdout)}
    assert states["CLCT"] == "missing" and states["CCGA"] == "not_expected"
    assert "NOSUCH" not in states
    # Without --json: the table, and the bodies to chase with the command that chases them.
    out = CliRunner().invoke(app, ["status", "--period", "2025-26 Q1"])
    assert out.exit_code == 0, out.output
    assert "To chase (AAFRS, BMCHT, CLCT, CSEN, MGNPA, TCG): sep-pipeline remind --period " \
           "'2025-26 Q1'" in " ".join(out.output.split())


def test_registry_errors_name_the_row(tmp_path):
    path = tmp_path / "bodies.csv"
    path.write_text(REGISTRY.replace(",cy,2025-26 Q1,", ",welsh,2025-26 Q1,", 1))
    with pytest.raises(registry.RegistryError, match="row 4: language"):
        registry.load(path)


def test_the_registry_read_again_sees_any_change_even_of_the_same_size_at_once(tmp_path):
    """The registry is parsed once while its bytes stay the same (every run and every listed
    file asks for it): an edit is seen at the next read, even one that keeps the file's size
    and lands within the file system's time resolution; what a caller does to the dict it got
    changes nothing for the next."""
    import os

    path = tmp_path / "bodies.csv"
    path.write_text(REGISTRY)
    stat = path.stat()
    first = registry.load(path)
    code = next(c for c, b in first.items() if b.language == "cy")
    first.pop(code)
    assert registry.load(path)[code].language == "cy"
    path.write_text(REGISTRY.replace(",cy,2025-26 Q1,", ",en,2025-26 Q1,", 1))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # the same size and time
    assert path.stat().st_size == stat.st_size
    assert registry.load(path)[code].language == "en"
    path.write_text(REGISTRY.replace(",cy,2025-26 Q1,", ",welsh,2025-26 Q1,", 1))
    with pytest.raises(registry.RegistryError, match="row 4: language"):
        registry.load(path)


def test_the_reminders_job_points_to_the_intake_folder_it_is_configured_with(tmp_path,
                                                                             monkeypatch):
    """The job in Dagster, with its resource's own intake folder: the reminders name that
    folder, not the environment's."""
    from email import message_from_bytes, policy

    from sep_pipeline.definitions import defs
    from sep_pipeline.defs.shared import SepConfig
    from sep_pipeline_tests.isolation import isolate

    cfg = isolate(monkeypatch, tmp_path / "env")
    elsewhere = tmp_path / "shared_intake"
    elsewhere.mkdir()
    done = defs.resolve_job_def("reminders_job").execute_in_process(
        run_config={"ops": {"write_reminders": {"config": {"period": "2025-26 Q1"}}}},
        resources={"sep": SepConfig(intake_dir=str(elsewhere))})
    assert done.success
    written = sorted((cfg.data_dir / "outbox" / "2025-26_Q1").glob("*.eml"))
    assert written  # nobody has sent anything: every expected body is chased
    for path in written:
        msg = message_from_bytes(path.read_bytes(), policy=policy.default)
        text = " ".join(msg.get_body(("plain",)).get_content().split())
        assert f"{elsewhere / msg['X-SEP-Body'] / 'feedback'}/" in text
        assert str(cfg.intake_dir) not in text
