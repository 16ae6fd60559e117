"""Background jobs: a Huey queue (SQLite in the instance folder, or Redis) and job records.

``enqueue(kind, ...)`` writes a ``JobRecord`` in the current transaction; only when that
transaction commits is the job handed to Huey (a SQLAlchemy ``after_commit`` hook), so a
rolled-back request starts nothing. If handing it over fails, the record stays "queued" and
the sweep (every minute, and when a worker starts) hands over records queued for over a
minute, and takes back records left "running" by a worker that died.

A worker runs each job inside an app context built by ``create_app`` from the same settings
(``lms/worker.py``). A job claims its record with a guarded UPDATE, so a job handed over twice
runs once; a failure is retried with growing waits, then the record says what went wrong.
Feature packages add kinds with ``register_kind``; a kind writes its result through
``result_file`` (a temporary file renamed into place: a killed worker leaves nothing
half-written).

Besides recorded jobs, the queue runs two lighter things, registered at import time:

* tasks (``register_task`` / ``call_later``): small work with retries and no page of its own,
  such as delivering one e-mail; their own rows say what became of them;
* schedules (``register_schedule``): work on a crontab, such as reminders. Every worker runs
  the schedules (start extra workers with ``--no-periodic`` to avoid the extra runs), and a
  run may be missed, so each must be idempotent and catch up; ``claim_once(kind, key)`` marks
  a piece of work done once. ``flask jobs run-schedule NAME`` runs one now.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from flask import Flask, current_app
from huey import RedisHuey, SqliteHuey, crontab
from sqlalchemy import and_, delete, event, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from config import ConfigurationError
from lms import file_storage
from lms.database import utcnow
from lms.extensions import db
from lms.job_models import JobRecord, JobState, OnceMark
from lms.models import User

RETRIES = 3
RETRY_DELAY_SECONDS = 10  # then 20, 40 (Huey's retry_backoff doubles it)
SWEEP_AFTER = timedelta(minutes=1)
# A running job whose record has not moved for this long belongs to a worker that died.
STALE_AFTER = timedelta(minutes=10)


def N_(message: str) -> str:
    """Marks a job's error for translation: the record keeps the English text, and pages and
    the JSON translate it into the reader's language when they show it."""
    return message


UNEXPECTED = N_("An unexpected error stopped the job; the administrators can read it in the log.")
UNKNOWN_KIND = N_("This kind of job is not known to this version of the site.")

_URL_PROBLEM = (
    "LMS_JOBS_URL must be empty (a SQLite queue in the instance folder) or a Redis URL such "
    "as redis://127.0.0.1:6379/0."
)
_EXTENSION = "lms_jobs"
_PENDING = "lms_jobs_pending"

KINDS: dict[str, Callable[[JobRecord, Progress], None]] = {}
TASKS: dict[str, Callable[..., None]] = {}
SCHEDULES: dict[str, tuple[Callable[[], object], dict[str, str]]] = {}
SWEEPERS: list[Callable[[object], int]] = []
# kind -> describe(record): what the job page shows under the progress bar for that kind, as
# {"template": the feature's partial, ...what it reads as ``details``}, or None.
DESCRIBERS: dict[str, Callable[[JobRecord], dict | None]] = {}


class JobFailed(Exception):
    """A job cannot be done; the message says why, in words, and retrying will not help."""


def register_kind(
    kind: str,
    run: Callable[[JobRecord, Progress], None],
    *,
    describe: Callable[[JobRecord], dict | None] | None = None,
) -> None:
    """``run(record, progress)`` does the work; it calls ``progress(done, total)`` and writes
    its result with ``result_file`` (a file to download) or ``save_summary`` (what the job
    page shows). It must be safe to run again after a failure. ``describe(record)`` returns
    what the job page shows for this kind (e.g. the summary and a link back): a dict with the
    ``template`` to include, which reads the dict as ``details``; or None."""
    KINDS[kind] = run
    if describe is not None:
        DESCRIBERS[kind] = describe


def describe(record: JobRecord) -> dict | None:
    """The kind's own part of the job page, if it has one."""
    describer = DESCRIBERS.get(record.kind)
    return describer(record) if describer is not None else None


def register_task(name: str, fn: Callable[..., None]) -> None:
    """``fn(*args, retries_left=n)`` runs in an app context in a worker; raising makes the
    queue try again after a growing wait while ``retries_left`` is above 0. Register at
    import time: a queue knows the tasks registered before it is built."""
    TASKS[name] = fn


def register_schedule(
    name: str, fn: Callable[[], object], *, minute: str = "*/15", hour: str = "*"
) -> None:
    """``fn()`` runs in an app context on that crontab (UTC) in every worker that runs
    periodic tasks; it must be idempotent and catch up on a missed run."""
    SCHEDULES[name] = (fn, {"minute": minute, "hour": hour})


def register_sweeper(fn: Callable[[object], int]) -> None:
    """``fn(now)`` hands over again what a failed hand-over left behind; returns how many."""
    SWEEPERS.append(fn)


def call_later(name: str, *args) -> None:
    """Hand a registered task to the queue now (raises if the queue cannot be reached: the
    caller keeps a record the sweep can find, or does the work itself)."""
    task = queue_of(current_app._get_current_object()).lms_tasks[name]
    task(*args)


def run_schedule(name: str):
    """Run one schedule now, in this process (the CLI and tests)."""
    return SCHEDULES[name][0]()


def claim_once(kind: str, key: str) -> bool:
    """True the first time (kind, key) is claimed, False ever after. The mark is written in
    the current transaction (commit it with the work it stands for); a concurrent claimer
    waits for that commit and then gets False."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(OnceMark)
        .values(kind=kind, key=key[:200], created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["kind", "key"])
        .returning(OnceMark.id)
    )
    # rowcount is not reliable with RETURNING (psycopg reports -1): a returned row is.
    return db.session.execute(statement).first() is not None


# --- the queue ------------------------------------------------------------------------------


def init_app(app: Flask) -> None:
    """Refuse a queue URL that is neither empty nor Redis at start-up, not at the first job;
    name a Redis queue in /healthz (optional: while it is down, jobs wait in the database)."""
    url = app.config["JOBS_URL"]
    if url and not url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigurationError(_URL_PROBLEM)
    if url:
        from lms.health import add_health_check

        add_health_check(
            app,
            "job_queue",
            _queue_answers,
            required=False,
            fallback="jobs wait in the database and are handed over once the queue answers",
        )


def _queue_answers() -> bool:
    """A PING with the short Redis timeout (huey's own connection has none)."""
    import redis

    seconds = current_app.config["REDIS_TIMEOUT_MS"] / 1000
    client = redis.Redis.from_url(
        current_app.config["JOBS_URL"], socket_connect_timeout=seconds, socket_timeout=seconds
    )
    try:
        return bool(client.ping())
    finally:
        client.close()


def queue_of(app: Flask):
    """The app's Huey, built on first use from the app's settings."""
    key = (
        app.config["JOBS_URL"],
        app.config["JOBS_NAME"],
        bool(app.config["JOBS_IMMEDIATE"]),
        app.instance_path,
    )
    cached = app.extensions.get(_EXTENSION)
    if cached is None or cached[0] != key:
        cached = app.extensions[_EXTENSION] = (key, _build_queue(app, *key))
    return cached[1]


def _build_queue(app: Flask, url: str, name: str, immediate: bool, instance: str):
    if url.startswith(("redis://", "rediss://", "unix://")):
        huey = RedisHuey(name, url=url, results=False, immediate=immediate)
    elif not url:
        filename = str(Path(instance) / "jobs.sqlite3")
        huey = SqliteHuey(name, filename=filename, results=False, immediate=immediate)
    else:
        raise ConfigurationError(_URL_PROBLEM)

    @huey.task(
        retries=RETRIES,
        retry_delay=RETRY_DELAY_SECONDS,
        retry_backoff=2,
        context=True,
        name="lms.run_job",
    )
    def run_job(job_id: int, task=None) -> None:
        with app.app_context():
            run(job_id, retries_left=task.retries if task is not None else 0)

    tasks = {}
    for task_name, fn in TASKS.items():
        tasks[task_name] = huey.task(
            retries=RETRIES,
            retry_delay=RETRY_DELAY_SECONDS,
            retry_backoff=2,
            context=True,
            name=task_name,
        )(_task_runner(app, fn))
    huey.lms_tasks = tasks

    for schedule_name, (fn, when) in SCHEDULES.items():
        huey.periodic_task(crontab(**when), name=f"schedule.{schedule_name}")(
            _schedule_runner(app, fn)
        )

    @huey.periodic_task(crontab(minute="*"), name="lms.sweep_jobs")
    def sweep_jobs() -> None:
        with app.app_context():
            sweep()

    @huey.on_startup(name="lms.sweep_at_start")
    def sweep_at_start() -> None:
        with app.app_context():
            sweep()

    huey.lms_run_job = run_job
    return huey


def _task_runner(app: Flask, fn: Callable[..., None]):
    def run_task(*args, task=None) -> None:
        with app.app_context():
            fn(*args, retries_left=task.retries if task is not None else 0)

    return run_task


def _schedule_runner(app: Flask, fn: Callable[[], object]):
    def run_scheduled() -> None:
        with app.app_context():
            fn()

    return run_scheduled


def enqueue(kind: str, *, user: User | None, title: str = "", **args) -> JobRecord:
    """Write the job's record in the current transaction; it is handed to the queue when that
    transaction commits (the caller commits)."""
    if kind not in KINDS:
        raise ValueError(f"unknown job kind {kind!r}")
    record = JobRecord(
        kind=kind,
        title=title[:200],
        user_id=user.id if user is not None else None,
        args_json=json.dumps(args, sort_keys=True),
        state=JobState.QUEUED.value,
    )
    db.session.add(record)
    db.session.flush()
    db.session.info.setdefault(_PENDING, []).append(record.id)
    return record


def _hand_over(app: Flask, job_ids: list[int]) -> None:
    queue = queue_of(app)
    for job_id in job_ids:
        try:
            queue.lms_run_job(job_id)
        except Exception:
            # The record stays "queued": the sweep hands it over later.
            app.logger.exception("could not hand job %s to the queue", job_id)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending:
        _hand_over(current_app._get_current_object(), pending)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


def sweep(now=None) -> int:
    """Hand over again the records queued for over a minute and those left running by a dead
    worker; a job handed over twice still runs once (``run`` claims it). Returns how many."""
    now = now or utcnow()
    rows = db.session.scalars(
        select(JobRecord.id).where(
            or_(
                and_(
                    JobRecord.state == JobState.QUEUED.value,
                    JobRecord.updated_at < now - SWEEP_AFTER,
                ),
                and_(
                    JobRecord.state == JobState.RUNNING.value,
                    JobRecord.updated_at < now - STALE_AFTER,
                ),
            )
        )
    ).all()
    handed = sum(sweeper(now) for sweeper in SWEEPERS)
    if not rows:
        return handed
    # Touched, so a queue that is merely busy gets each job again at most once a minute.
    db.session.execute(
        update(JobRecord)
        .where(JobRecord.id.in_(rows), JobRecord.state == JobState.QUEUED.value)
        .values(updated_at=now)
    )
    db.session.commit()
    _hand_over(current_app._get_current_object(), list(rows))
    return len(rows) + handed


def clean_up(now=None) -> tuple[int, int]:
    """Remove finished jobs older than ``JOBS_KEEP_DAYS`` with their result files, and marks
    older than a year and a month (no reminder looks that far back). Returns (jobs, marks)."""
    now = now or utcnow()
    config = current_app.config
    old = db.session.scalars(
        select(JobRecord).where(
            JobRecord.state.in_([JobState.DONE.value, JobState.FAILED.value]),
            JobRecord.updated_at < now - timedelta(days=config["JOBS_KEEP_DAYS"]),
        )
    ).all()
    for record in old:
        if record.result_path:
            file_storage.remove(record.result_path)
        file_storage.remove(_summary_name(record))
        shutil.rmtree(folder_of(record), ignore_errors=True)
        db.session.delete(record)
    marks = db.session.execute(
        delete(OnceMark).where(OnceMark.created_at < now - timedelta(days=400))
    ).rowcount
    db.session.commit()
    return len(old), marks


# --- running a job --------------------------------------------------------------------------


class Progress:
    """``progress(done, total)``: stored and committed at once, so the page sees it."""

    def __init__(self, record: JobRecord) -> None:
        self.record = record

    def __call__(self, done: int, total: int | None = None) -> None:
        if total is not None:
            self.record.total = total
        self.record.done = done
        self.record.updated_at = utcnow()
        db.session.commit()


def _claim(job_id: int) -> bool:
    now = utcnow()
    result = db.session.execute(
        update(JobRecord)
        .where(
            JobRecord.id == job_id,
            or_(
                JobRecord.state == JobState.QUEUED.value,
                and_(
                    JobRecord.state == JobState.RUNNING.value,
                    JobRecord.updated_at < now - STALE_AFTER,
                ),
            ),
        )
        .values(state=JobState.RUNNING.value, attempts=JobRecord.attempts + 1, updated_at=now)
    )
    db.session.commit()
    return result.rowcount == 1


def run(job_id: int, *, retries_left: int = 0) -> None:
    """Run one job if nobody else has it; done, failed, or queued again for a retry."""
    if not _claim(job_id):
        return
    record = db.session.get(JobRecord, job_id)
    kind = KINDS.get(record.kind)
    try:
        if kind is None:
            raise JobFailed(UNKNOWN_KIND)
        kind(record, Progress(record))
    except JobFailed as exc:
        db.session.rollback()
        _finish(job_id, JobState.FAILED, str(exc))
    except Exception:
        db.session.rollback()
        current_app.logger.exception("job %s failed", job_id)
        if retries_left > 0:
            _finish(job_id, JobState.QUEUED, UNEXPECTED)
            raise  # Huey tries again after a wait
        _finish(job_id, JobState.FAILED, UNEXPECTED)
    else:
        record.state = JobState.DONE.value
        record.done = max(record.done, record.total)
        record.error = None
        db.session.commit()


def _finish(job_id: int, state: JobState, error: str) -> None:
    db.session.execute(
        update(JobRecord)
        .where(JobRecord.id == job_id)
        .values(state=state.value, error=error, updated_at=utcnow())
    )
    db.session.commit()


def args_of(record: JobRecord) -> dict:
    return json.loads(record.args_json or "{}")


@contextmanager
def result_file(record: JobRecord, name: str) -> Iterator[Path]:
    """A temporary path to write the job's result to; stored (``lms.file_storage``, as
    ``jobs/<id>/<name>``) and recorded only when the block ends without an error."""
    folder = folder_of(record)
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / f".{name}.{os.getpid()}.part"
    stored_name = f"jobs/{record.id}/{name}"
    try:
        yield temporary
        file_storage.put_file(stored_name, temporary)
    finally:
        temporary.unlink(missing_ok=True)
    record.result_path = stored_name
    record.result_name = name


SUMMARY_NAME = "summary.json"


def folder_of(record: JobRecord) -> Path:
    """The job's own working folder in this machine's instance folder: temporary files, and
    what the request that started it left for it (e.g. an upload, which the job removes when
    done). What pages read (the result, the summary) is stored through ``lms.file_storage``,
    so every instance sees it."""
    return Path(current_app.instance_path, "jobs", str(record.id))


def _summary_name(record: JobRecord) -> str:
    return f"jobs/{record.id}/{SUMMARY_NAME}"


def save_summary(record: JobRecord, summary: dict) -> None:
    """Keep what the job did (plain JSON data, put into words when a page shows it) beside its
    result, stored whole and committed at once: a job that then fails with ``JobFailed`` (and
    is rolled back) keeps it (e.g. the problems it found)."""
    data = json.dumps(summary, ensure_ascii=False, sort_keys=True).encode("utf-8")
    file_storage.put(_summary_name(record), data)
    db.session.commit()


def summary_of(record: JobRecord) -> dict | None:
    """The summary a finished job saved, if any."""
    if not record.finished:
        return None
    try:
        return json.loads(file_storage.get(_summary_name(record)).decode("utf-8"))
    except (OSError, ValueError):
        return None


def has_result(record: JobRecord) -> bool:
    """Whether a finished job's result file is still stored."""
    if record.state != JobState.DONE.value or not record.result_path:
        return False
    try:
        return file_storage.exists(record.result_path)
    except ValueError:
        return False


def result_bytes(record: JobRecord) -> bytes | None:
    if not has_result(record):
        return None
    try:
        return file_storage.get(record.result_path)
    except FileNotFoundError:
        return None


def jobs_query():
    return select(JobRecord).order_by(JobRecord.id.desc())


register_schedule("clean_up", clean_up, minute="23", hour="*/6")
