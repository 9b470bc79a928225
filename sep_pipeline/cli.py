"""`sep-pipeline`: the command line for partners, analysts and operators."""

from __future__ import annotations

import os
import sys
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(
    help="The Wales Public Bodies Equality Partnership data pipeline.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()
DEFAULT_INTAKE = Path("data_raw")


def _lang(value: str) -> str:
    if value not in ("en", "cy"):
        raise typer.BadParameter("use en (English) or cy (Cymraeg)")
    return value


@app.command()
def template(
    lang: Annotated[str, typer.Option(help="en (English) or cy (Cymraeg).", callback=_lang)] = "en",
    out: Annotated[Path | None, typer.Option(help="Where to write the blank return.")] = None,
) -> None:
    """Write the blank return workbook, with dropdowns and guidance."""
    from .standard.template import write_template

    path = write_template(out or Path(f"sep_return_template_{lang}.xlsx"), lang)
    console.print(f"Blank return written to [bold]{path}[/bold]")


@app.command()
def validate(
    file: Annotated[Path, typer.Argument(help="The return (.xlsx) to check.")],
    json_out: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    report: Annotated[
        Path | None, typer.Option(help="Also write a report workbook with the problems marked.")
    ] = None,
    body: Annotated[
        str | None, typer.Option(help="The body code the return must carry (its intake folder).")
    ] = None,
    lang: Annotated[str, typer.Option(help="Language of the report.", callback=_lang)] = "en",
) -> None:
    """Check a return as the pipeline will: exit 0 when it would be accepted, 1 when rejected."""
    from .intake.validate import validate_file

    if not file.is_file():
        missing = f"Nid oes ffeil o'r fath: {file}" if lang == "cy" else f"No such file: {file}"
        console.print(f"[red]{missing}[/red]")
        raise typer.Exit(2)
    result = validate_file(file, expected_body=body)
    if report:
        _write_report(result, report, lang)
    if json_out:
        sys.stdout.write(result.to_json() + "\n")
    else:
        _print_result(result, lang)
        if report:
            written = "Ysgrifennwyd yr adroddiad i" if lang == "cy" else "Report written to"
            console.print(f"{written} [bold]{report}[/bold]")
    raise typer.Exit(0 if result.status == "accepted" else 1)


@app.command("check-intake")
def check_intake(
    intake: Annotated[Path, typer.Option(help="The intake folder, one sub-folder per body.")] = (
        DEFAULT_INTAKE
    ),
    reports: Annotated[
        Path | None, typer.Option(help="Write each return's report workbook under this folder.")
    ] = None,
) -> None:
    """Validate every return in the intake folder and print a summary per body and quarter."""
    from .intake.validate import validate_file

    files = sorted(p for p in intake.glob("*/*.xlsx") if not p.name.startswith("~$"))
    if not files:
        console.print(f"[yellow]No returns found under {intake}/<BODY>/[/yellow]")
        raise typer.Exit(0)
    table = Table(title=f"Returns in {intake}")
    for col in ("Body", "Period", "Status", "Errors", "Warnings", "Most frequent issue"):
        table.add_column(col)
    counts: Counter[str] = Counter()
    for path in files:
        r = validate_file(path, expected_body=path.parent.name)
        counts[r.status] += 1
        top = Counter(i.code for i in (r.errors or r.warnings)).most_common(1)
        table.add_row(
            r.body_code or path.parent.name,
            r.period.label if r.period else path.stem,
            "[green]accepted[/green]" if r.status == "accepted" else "[red]rejected[/red]",
            str(len(r.errors)),
            str(len(r.warnings)),
            f"{top[0][0]} ({top[0][1]})" if top else "",
        )
        if reports:
            _write_report(r, reports / path.parent.name / f"{path.stem}_report.xlsx", "en")
    console.print(table)
    console.print(
        f"{len(files)} returns: {counts['accepted']} accepted, {counts['rejected']} rejected."
    )
    if reports:
        console.print(f"Report workbooks, every issue marked: [bold]{reports}/<BODY>/[/bold]")
    console.print("Check one file in detail: sep-pipeline validate FILE --report report.xlsx")


@app.command()
def run(
    intake: Annotated[
        Path | None, typer.Option(help="The intake folder (default SEP_INTAKE_DIR or data_raw).")
    ] = None,
    period: Annotated[
        str | None, typer.Option(help="Only returns for this quarter, e.g. '2025-26 Q4'.")
    ] = None,
) -> None:
    """Process every pending return, from intake to warehouse, and print a summary.

    Uses the same Dagster jobs as the intake sensor; the runs appear in the Dagster UI. A rejected
    return is a normal outcome: the exit status is 0 unless the pipeline itself failed.
    """
    from rich.markup import escape
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from .common.config import ConfigError, ensure_pseudonym_key, settings
    from .runner import prepare_environment, run_pending
    from .standard.periods import Period

    try:
        label = Period.parse(period).label if period else None
        cfg = settings()
    except (ConfigError, ValueError) as e:
        console.print(f"[red]{e}[/red]")
        raise typer.Exit(2) from None
    cfg = _or_fail(cfg, "sep-pipeline run", lambda: prepare_environment(intake))
    if _or_fail(cfg, "sep-pipeline run", lambda: ensure_pseudonym_key(cfg)):
        console.print("[yellow]SEP_PSEUDONYM_KEY is not set, so a random key for the "
                      "pseudonyms of staff and application references was made in "
                      f"{escape(str(cfg.key_file))} and is used from now on. Keep that file "
                      "safe and private, and back it up: without it, later returns cannot be "
                      "linked to earlier ones. A shared warehouse needs SEP_PSEUDONYM_KEY "
                      "instead.[/yellow]")
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  console=console, transient=True) as progress:
        task = progress.add_task("Scanning the intake folder", total=None)

        def started(total: int) -> None:
            progress.update(task, total=total, description="Processing returns")

        def done(result) -> None:  # noqa: ANN001
            progress.update(task, advance=1, description=f"{result.body} {result.period or ''}")

        def waiting(holder: str) -> None:
            progress.update(task, description="Waiting for another run to finish"
                            + (f" ({holder})" if holder else ""))

        results = _or_fail(cfg, "sep-pipeline run", lambda: run_pending(
            label, on_start=started, on_file=done, on_wait=waiting))
    _print_run_summary(results, cfg)
    failed = [r for r in results if r.status == "failed"]
    if failed:
        from .common.failures import log_file

        console.print(f"[red]{len(failed)} file(s) could not be processed; the details are in "
                      f"{log_file(cfg)}. They stay queued: the next run tries them again.[/red]")
        raise typer.Exit(1)


def _or_fail(cfg, what: str, work):  # noqa: ANN001, ANN202
    """`work()`, or, when it fails, one plain message (the traceback to the log file) and exit
    status 1."""
    from .common.failures import explain, log

    try:
        return work()
    except typer.Exit:
        raise
    except Exception as exc:  # noqa: BLE001 - every failure ends with one clear message
        path = log(exc, cfg, what)
        message = explain(exc, cfg) or (
            f"{what} stopped on an unexpected error ({type(exc).__name__}: "
            f"{str(exc).splitlines()[0] if str(exc) else ''}). Nothing half-written was kept; "
            "running it again completes the work once the cause is fixed.")
        console.print(f"[red]{message}[/red]")
        console.print(f"Details: {path}")
        raise typer.Exit(1) from None


def _print_run_summary(results, cfg) -> None:  # noqa: ANN001
    table = Table(title=f"Returns in {cfg.intake_dir}")
    for col in ("Body", "Period", "File", "Outcome", "Errors", "Warnings"):
        table.add_column(col)
    colours = {"accepted": "green", "rejected": "red", "failed": "red bold",
               "duplicate": "yellow", "done": "dim", "not taken": "red", "waiting": "yellow"}
    labels = {"done": "already processed"}
    for r in sorted(results, key=lambda r: (r.body, r.period or "", r.file_name)):
        c = colours.get(r.status, "white")
        outcome = labels.get(r.status, r.status) + (f": {r.detail}" if r.detail else "")
        table.add_row(r.body, r.period or "", r.file_name, f"[{c}]{outcome}[/{c}]",
                      str(r.errors), str(r.warnings))
    console.print(table)
    counts = Counter(r.status for r in results)
    console.print(
        f"{len(results)} files: {counts['accepted']} accepted, {counts['rejected']} rejected, "
        f"{counts['duplicate']} duplicate, {counts['done']} already processed"
        + (f", [red]{counts['not taken']} not read[/red]" if counts["not taken"] else "")
        + (f", [red]{counts['failed']} failed[/red]" if counts["failed"] else "") + "."
    )
    packs = sorted((cfg.outputs_dir / "packs").glob("*/sep_benchmark_*_en.xlsx"))
    if packs:
        console.print(f"Benchmark packs: [bold]{cfg.outputs_dir / 'packs'}[/bold] (latest: "
                      f"{packs[-1].relative_to(cfg.outputs_dir)})")
    from .runner import out_of_date_body_packs

    for folder in out_of_date_body_packs(cfg):
        period = folder.parent.name.replace("_", " ")
        console.print(f"[yellow]The per-body workbooks in {folder} predate this run's figures "
                      "(the partnership workbook and CSV are current): the quarterly run after "
                      f'the deadline rewrites them, or now: sep-pipeline report --period '
                      f'"{period}"[/yellow]')
    console.print(f"Warehouse: [bold]{cfg.warehouse_url}[/bold]")
    console.print(f"Archive: [bold]{cfg.archive_dir}[/bold]   Partner feedback: "
                  f"[bold]{cfg.intake_dir}/<BODY>/feedback/[/bold]")
    console.print("Dagster runs and assets: [bold]sep-pipeline ui[/bold]")


@app.command()
def ui(
    port: Annotated[int, typer.Option(help="Port of the web UI.")] = 3000,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    workspace: Annotated[Path, typer.Option(help="The Dagster workspace file.")] = Path(
        "workspace.yaml"
    ),
) -> None:
    """Start the Dagster UI and daemon (sensor and schedule); Ctrl-C stops both cleanly."""
    from .runner import prepare_environment
    from .ui import serve

    prepare_environment()
    console.print(f"Dagster UI on [bold]http://{host}:{port}[/bold] "
                  f"(DAGSTER_HOME={os.environ['DAGSTER_HOME']}); Ctrl-C to stop.")
    raise typer.Exit(serve(workspace, Path(os.environ["DAGSTER_HOME"]), host=host, port=port))


def _status_of(cfg, period):  # noqa: ANN001, ANN202
    from .coordination.status import period_status
    from .warehouse.tables import create_all

    with create_all(cfg.warehouse_url).connect() as conn:
        return period_status(conn, period, cfg)


def _period_or_latest(period: str | None):  # noqa: ANN202
    from .defs.partitions import known_periods
    from .standard.periods import Period

    try:
        # the latest quarter that has ended
        return Period.parse(period) if period else Period.parse(known_periods()[-1]).previous()
    except ValueError as e:
        console.print(f"[red]{e}[/red]")
        raise typer.Exit(2) from None


@app.command()
def status(
    period: Annotated[
        str | None, typer.Option(help="The quarter, e.g. '2025-26 Q4' (default: the last ended).")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Every expected body's state for a quarter: accepted (on time / late), waiting for a fix,
    missing, or not expected yet."""
    from .coordination.status import STATES, closing_line
    from .runner import prepare_environment

    cfg = prepare_environment()
    p = _period_or_latest(period)
    df = _or_fail(cfg, "sep-pipeline status", lambda: _status_of(cfg, p))
    if json_out:
        sys.stdout.write(df.to_json(orient="records", indent=2) + "\n")
        return
    colours = {"on_time": "green", "late": "yellow", "waiting_for_fix": "red", "missing": "red",
               "not_expected": "dim"}
    table = Table(title=f"{p.label}: deadline {cfg.deadline(p).strftime('%d/%m/%Y')}")
    for col in ("Body", "Name", "State", "Detail", "Submissions", "Last received"):
        table.add_column(col)
    for r in df.itertuples():
        c = colours[r.state]
        table.add_row(r.body_code, r.name, f"[{c}]{STATES[r.state]}[/{c}]", r.detail,
                      str(r.submissions), r.last_received)
    console.print(table)
    console.print(closing_line(df, p))
    console.print(_or_fail(cfg, "sep-pipeline status", lambda: _finality(cfg, p)))
    _print_not_taken(cfg)


def _finality(cfg, period) -> str:  # noqa: ANN001
    """Whether a quarter's figures are provisional or final (and revised since)."""
    from .publish.revisions import finalisation, revisions_of
    from .warehouse.tables import create_all

    with create_all(cfg.warehouse_url).connect() as conn:
        state = finalisation(conn, period.label)
        revised = len(revisions_of(conn, period.label)) if state is not None else 0
    if state is None:
        return (f"Figures: provisional \\[p] until finalised (sep-pipeline finalise --period "
                f"'{period.label}').")
    return (f"Figures: final since {state.finalised_at:%d/%m/%Y %H:%M} UTC (by "
            f"{state.finalised_by}); {revised} figure(s) revised since.")


def _print_not_taken(cfg) -> None:  # noqa: ANN001
    """What is in the intake folder but is not read as a return, and why (nothing is dropped
    without a word)."""
    from .intake.folder import survey

    not_taken = survey(cfg.intake_dir)[1]
    if not not_taken:
        return
    table = Table(title=f"In {cfg.intake_dir} but not read as returns")
    for col in ("Body folder", "Name", "Why"):
        table.add_column(col)
    for n in not_taken:
        table.add_row(n.body or "(top level)", n.path.name, n.why)
    console.print(table)


@app.command()
def remind(
    period: Annotated[str | None, typer.Option(help="The quarter (default: the last ended).")] = (
        None
    ),
    send: Annotated[bool, typer.Option(help="Also send them through SEP_SMTP_HOST.")] = False,
) -> None:
    """Write a reminder (.eml, in the body's language) to each body that is missing or waiting
    for a fix; with --send, send them by SMTP too."""
    from .coordination.remind import reminders, smtp_settings, write_outbox
    from .coordination.remind import send as smtp_send
    from .runner import prepare_environment
    from .warehouse import registry

    cfg = prepare_environment()
    p = _period_or_latest(period)
    df = _or_fail(cfg, "sep-pipeline remind", lambda: _status_of(cfg, p))
    sender = os.environ.get("SEP_MAIL_FROM", "equality-partnership@localhost")
    messages = reminders(df, registry.load(), p, cfg.deadline(p), sender,
                         intake_dir=cfg.intake_dir)
    if not messages:
        console.print(f"Nobody to chase for {p.label}: no expected body is missing or waiting "
                      "for a fix. No reminder written.")
        return
    paths = write_outbox(messages, cfg.data_dir / "outbox", p)
    console.print(f"{len(paths)} reminder(s) written to {cfg.data_dir / 'outbox'}")
    if send and messages:
        smtp = smtp_settings()
        if smtp is None:
            console.print("[red]SEP_SMTP_HOST is not set: nothing sent.[/red]")
            raise typer.Exit(1)
        console.print(f"{smtp_send(messages, smtp)} sent through {smtp['host']}")


@app.command()
def report(
    period: Annotated[str, typer.Option(help="A quarter ('2025-26 Q4') or a year ('2025-26').")],
    lang: Annotated[str, typer.Option(help="en, cy, or both (one workbook each).")] = "both",
    out: Annotated[Path | None, typer.Option(help="Folder for the pack.")] = None,
) -> None:
    """Write the benchmark pack of a quarter or a year: partnership workbook(s), tidy CSV with
    datapackage.json, and one workbook per body."""
    from .common.config import settings
    from .publish.pack import languages, pack_dir
    from .runner import prepare_environment
    from .runner import report as write_report
    from .standard.periods import Period

    try:
        label = Period.parse(period).label if "q" in period.lower() else period.strip()
        languages(lang)
    except ValueError as e:
        console.print(f"[red]{e}[/red]")
        raise typer.Exit(2) from None
    cfg = _or_fail(settings(), "sep-pipeline report", prepare_environment)
    folder = out or pack_dir(cfg.outputs_dir, label)

    def work():  # noqa: ANN202
        try:
            return write_report(label, out, lang, on_wait=lambda holder: console.print(
                "Waiting for another run to finish" + (f" ({holder})" if holder else "")))
        except ValueError as e:
            console.print(f"[red]{e}[/red]")
            raise typer.Exit(2) from None

    paths = _or_fail(cfg, "sep-pipeline report", work)
    console.print(f"{len(paths)} files written to [bold]{folder}[/bold]")


@app.command()
def finalise(
    period: Annotated[str, typer.Option(help="The quarter, e.g. '2025-26 Q4'.")],
) -> None:
    """Make a quarter's figures final: until then they are provisional ([p]); after, a return
    accepted for it revises them ([r], logged in the warehouse's revisions table). The figures
    are brought up to date first and the packs rewritten. A final quarter is left as it is."""
    from .common.config import settings
    from .publish.pack import pack_dir
    from .runner import finalise as finalise_quarter
    from .runner import prepare_environment
    from .standard.periods import Period

    try:
        label = Period.parse(period).label
    except ValueError as e:
        console.print(f"[red]{e}[/red]")
        raise typer.Exit(2) from None
    cfg = _or_fail(settings(), "sep-pipeline finalise", prepare_environment)

    def work():  # noqa: ANN202
        try:
            return finalise_quarter(label, on_wait=lambda holder: console.print(
                "Waiting for another run to finish" + (f" ({holder})" if holder else "")))
        except ValueError as e:
            console.print(f"[red]{e}[/red]")
            raise typer.Exit(1) from None

    done, paths = _or_fail(cfg, "sep-pipeline finalise", work)
    bodies = f"{done.inside} of {done.expected} expected bodies are in the figures"
    if not done.done:
        console.print(f"[red]{label} is not finalised: {done.why}.[/red] {bodies}.")
        raise typer.Exit(1)
    when = f"{done.state.finalised_at:%d/%m/%Y %H:%M} UTC"
    if not done.newly:
        console.print(f"{label} is already final (since {when}, by {done.state.finalised_by}): "
                      "nothing changed.")
        return
    console.print(f"[green]{label} finalised[/green] ({when}); {bodies}. A return accepted for "
                  "it from now on revises its figures: each changed figure is logged in the "
                  "warehouse's [bold]revisions[/bold] table and marked \\[r] in the pack.")
    if paths:
        console.print(f"Pack rewritten without \\[p]: {len(paths)} files under "
                      f"[bold]{pack_dir(cfg.outputs_dir, label)}[/bold]")


serve_app = typer.Typer(help="The shared deployment: webserver and daemon as separate processes.")
app.add_typer(serve_app, name="serve")
RUN_DIR_HELP = "Where the pid and log files go."


def _deploy_home() -> Path:
    from .common.config import settings

    return Path(os.environ.get("DAGSTER_HOME") or settings().data_dir / "deploy_home")


@serve_app.command("start")
def serve_start(
    port: Annotated[int, typer.Option(help="Port of the web UI.")] = 3000,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    workspace: Annotated[Path, typer.Option(help="The Dagster workspace file.")] = Path(
        "workspace.yaml"
    ),
    run_dir: Annotated[Path, typer.Option(help=RUN_DIR_HELP)] = Path("var/run"),
) -> None:
    """Start the webserver and the daemon in the background (Dagster storage on PostgreSQL)."""
    from . import serve

    home = _deploy_home()
    if not (home / "dagster.yaml").exists() and not os.environ.get("DAGSTER_PG_URL"):
        console.print("[red]Set DAGSTER_PG_URL (Dagster's PostgreSQL database, e.g. "
                      "postgresql+psycopg2://sep_dagster@127.0.0.1:5432/sep_dagster): see "
                      "deploy/README.md[/red]")
        raise typer.Exit(2)
    try:
        pids = serve.start(workspace.resolve(), home, run_dir.resolve(), host=host, port=port,
                           dagster_yaml=serve.DEPLOY_DAGSTER_YAML)
    except (FileNotFoundError, RuntimeError) as e:
        console.print(f"[red]{e}[/red]")
        raise typer.Exit(1) from None
    console.print(f"Started {', '.join(f'{n} (pid {p})' for n, p in pids.items())}; "
                  f"UI on http://{host}:{port}; DAGSTER_HOME={home}; logs in {run_dir}/")


@serve_app.command("stop")
def serve_stop(run_dir: Annotated[Path, typer.Option(help=RUN_DIR_HELP)] = Path("var/run")) -> None:
    """Stop the webserver and the daemon started by `serve start`."""
    from . import serve

    stopped = serve.stop(run_dir.resolve())
    console.print(f"Stopped: {', '.join(stopped) or 'nothing was running'}")


@serve_app.command("status")
def serve_status(
    run_dir: Annotated[Path, typer.Option(help=RUN_DIR_HELP)] = Path("var/run"),
) -> None:
    """Which of the webserver and daemon are running."""
    from . import serve

    alive = serve.running(run_dir.resolve())
    for name in ("webserver", "daemon"):
        state = f"[green]running[/green] (pid {alive[name]})" if name in alive else "stopped"
        console.print(f"{name}: {state}")
    raise typer.Exit(0 if len(alive) == 2 else 1)


@app.command()
def samples(
    out: Annotated[Path, typer.Option(help="Intake folder to write into.")] = DEFAULT_INTAKE,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same files.")] = (
        2026
    ),
) -> None:
    """(Re)generate the synthetic sample returns (fictional bodies, clearly marked synthetic)."""
    from .tools.samples import generate_samples

    paths = generate_samples(out, seed=seed)
    console.print(f"{len(paths)} synthetic sample returns written under [bold]{out}[/bold]")


@app.command()
def docs(
    out: Annotated[Path, typer.Option(help="Where to write the reference page.")] = Path(
        "docs/standard.md"
    ),
) -> None:
    """Regenerate the standard's reference page from the standard module, and the generated
    tables of methodology.md beside it (polarity, outcome measures) from the methodology."""
    from .tools.docs_gen import refresh_methodology, standard_markdown

    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(standard_markdown(), encoding="utf-8")
    console.print(f"Reference page written to [bold]{out}[/bold]")
    methodology = out.parent / "methodology.md"
    if methodology.exists():
        text = methodology.read_text(encoding="utf-8")
        methodology.write_text(refresh_methodology(text), encoding="utf-8")
        console.print(f"Generated tables of [bold]{methodology}[/bold] rewritten")


def _write_report(result, path: Path, lang: str) -> None:  # noqa: ANN001
    from .intake.feedback_report import write_report

    path.parent.mkdir(parents=True, exist_ok=True)
    sheets = {n: s.rows for n, s in result.raw.sheets.items()} if result.raw else None
    write_report(path, result.issues, sheets, file_name=result.file_name, status=result.status,
                 lang=lang)


_HEADINGS = {"en": ("", "Code", "Sheet", "Cell", "Column", "Value", "Message"),
             "cy": ("", "Cod", "Taflen", "Cell", "Colofn", "Gwerth", "Neges")}
_SEVERITY = {"en": {"error": "error", "warning": "warning"},
             "cy": {"error": "gwall", "warning": "rhybudd"}}


def _counted(n: int, one: str, many: str) -> str:
    """"1 error", "2 errors"."""
    return f"{n} {one if n == 1 else many}"


def verdict(result, lang: str) -> str:  # noqa: ANN001
    """The last line of `validate`, in the partner's language, with plurals that agree (in
    Welsh a count follows its plural noun, "gwallau: 2": a noun after a number is singular and
    mutates)."""
    errors, warnings = len(result.errors), len(result.warnings)
    name = result.file_name
    if lang == "cy":
        counts = f"gwallau: {errors}, rhybuddion: {warnings}"
        if result.status == "accepted":
            return (f"[green bold]Derbyniol[/green bold] (rhybuddion: {warnings}): byddai {name} "
                    "yn cael ei llwytho.")
        return (f"[red bold]Wedi'i gwrthod[/red bold] ({counts}). Ni fyddai dim o {name} yn cael "
                "ei lwytho: cywirwch y gwallau a'i gwirio eto.")
    if result.status == "accepted":
        return (f"[green bold]Accepted[/green bold] ({_counted(warnings, 'warning', 'warnings')})"
                f": {name} would be loaded.")
    return (f"[red bold]Rejected[/red bold]: {_counted(errors, 'error', 'errors')}, "
            f"{_counted(warnings, 'warning', 'warnings')}. Nothing from {name} would be loaded: "
            "fix the errors and check it again.")


def _print_result(result, lang: str) -> None:  # noqa: ANN001
    lang = "cy" if lang == "cy" else "en"
    if result.issues:
        table = Table(show_lines=False)
        for col in _HEADINGS[lang]:
            table.add_column(col, overflow="fold")
        for i in result.errors + result.warnings:
            label = _SEVERITY[lang][i.severity]
            table.add_row(
                f"[red]{label}[/red]" if i.is_error else f"[yellow]{label}[/yellow]",
                i.code, i.sheet or "", i.cell or (str(i.row) if i.row else ""), i.column or "",
                i.value or "", i.message_cy if lang == "cy" else i.message_en,
            )
        console.print(table)
    console.print(verdict(result, lang))


if __name__ == "__main__":
    app()
