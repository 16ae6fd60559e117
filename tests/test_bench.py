"""The benchmark's data set builder (bench/dataset.py): a tiny data set, its counts, and one of
its certificates verified by the site's own verification code. No test here asserts a time."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bench import dataset
from certificates.models import Certificate, CertificateEvent
from certificates.numbers import parse
from certificates.verification import Outcome, lookup
from config import TestingConfig
from courses.models import Course, Module
from lms import create_app
from lms.extensions import db
from lms.models import User
from quizzes.models import Attempt, AttemptQuestion
from seminars.models import Registration, Seminar


@pytest.fixture
def built(tmp_path):
    app = create_app(TestingConfig(instance_path=str(tmp_path), WTF_CSRF_ENABLED=False))
    marker = tmp_path / "lms.sqlite3.bench.json"
    recorded = dataset.migrate_and_build(app, marker, 0, log=lambda _: None)
    yield app, marker, recorded
    with app.app_context():
        db.engine.dispose()


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_data_set_has_the_sizes_it_records(built):
    app, _, recorded = built
    expected = dataset.sizes(0)
    with app.app_context():
        assert _count(User) == expected["users"] == recorded["counts"]["users"]
        assert _count(Course) == expected["courses"]
        assert _count(Module) == expected["courses"] * expected["modules_per_course"]
        assert _count(Seminar) == expected["seminars"]
        assert _count(Registration) == expected["seminars"] * dataset.SEMINAR_SEATS
        assert _count(Certificate) == expected["certificates"] == recorded["counts"]["certificates"]
        assert _count(CertificateEvent) == expected["certificates"]
        # The historical attempts, and one open attempt (with its questions) per autosaver.
        assert _count(Attempt) == expected["attempts"] + dataset.AUTOSAVE_TRAINEES
        open_attempts = [item["attempt_id"] for item in recorded["autosave"]]
        assert len(set(open_attempts)) == dataset.AUTOSAVE_TRAINEES
        questions = db.session.scalar(
            select(func.count())
            .select_from(AttemptQuestion)
            .where(AttemptQuestion.attempt_id.in_(open_attempts))
        )
        assert questions == dataset.AUTOSAVE_TRAINEES * dataset.QUIZ_QUESTIONS
        roles = dict(db.session.execute(select(User.role, func.count()).group_by(User.role)).all())
        assert roles["admin"] == 1 and roles["trainer"] == expected["trainers"]


def test_a_generated_certificate_verifies_through_the_site(built):
    app, _, _ = built
    with app.test_request_context():
        numbers = db.session.scalars(select(Certificate.number).order_by(Certificate.id)).all()
        assert len(set(numbers)) == len(numbers)
        number = numbers[len(numbers) // 2]
        assert str(parse(number, app.config["CERTIFICATE_PREFIX"])) == number
        result = lookup(number.lower(), channel="api", address="192.0.2.1")
        assert result.outcome == Outcome.FOUND
        assert result.signature_valid is True
        assert result.certificate.facts["number"] == number
    reply = app.test_client().get(f"/api/v1/certificates/{number}")
    assert reply.status_code == 200
    assert reply.json["signature"]["valid"] is True
    assert reply.json["status"] == "valid"


def test_the_fast_signer_makes_the_tokens_signing_makes(built):
    app, _, _ = built
    from certificates.keys import key_ring
    from certificates.signing import sign

    with app.app_context():
        key = key_ring().current()
        facts = {"number": "KZM-0000-0000-0000-0000-0", "holder": "Әсел", "format": 2}
        assert dataset.FastSigner(key).token(facts) == sign(facts, key)


def test_the_record_is_reused_only_for_the_same_scale_and_schema(built):
    app, marker, recorded = built
    assert dataset.read_marker(marker, 0, recorded["revision"]) == recorded
    assert dataset.read_marker(marker, 0.5, recorded["revision"]) is None
    assert dataset.read_marker(marker, 0, "0001_core_accounts") is None
    with app.app_context():
        assert recorded["revision"] == dataset.schema_revision(app)


def test_every_autosave_of_the_benchmark_changes_an_answer(built):
    """The autosave bodies carry a counter that wrk (and the script's own requests) replace
    on every request, so every save writes; a stored answer with any number counts as kept,
    the word left in or another answer as lost."""
    from bench import run

    app, _marker, recorded = built
    entries, expected = run.autosave_entries(app, recorded)
    assert entries and all(run.SAVE_COUNTER in entry["body"] for entry in entries)
    script = run.lua_script([("POST", "/x", {}, entries[0]["body"])])
    assert f'body:gsub("{run.SAVE_COUNTER}"' in script
    answers = expected[entries[0]["attempt_id"]]
    counted = next(value for value in answers.values() if run.SAVE_COUNTER in value)
    assert run.stored_as(counted.replace(run.SAVE_COUNTER, "100000007"), counted)
    assert not run.stored_as(counted, counted)  # never replaced: not what a save sent
    assert not run.stored_as(None, counted)
    other = next(value for value in answers.values() if run.SAVE_COUNTER not in value)
    assert run.stored_as(other, other) and not run.stored_as(counted, other)


def test_the_floor_replays_what_an_endpoint_sends(built, monkeypatch, tmp_path):
    """bench/floor.py records each endpoint's statements in process and its page replays
    them through the plain driver: the module page only reads; the autosave's replay writes
    the answer the recorded save wrote."""
    import pickle

    from bench import floor, run

    app, _marker, recorded = built
    listed, _extra = run.endpoints(app, recorded)
    chosen = [entry for entry in listed if entry[0] in ("module page", "answer autosave")]
    plans = floor.record(app, chosen, 3, run.SAVE_COUNTER)

    def statements(steps):
        return [step[1].lstrip().split()[0].upper() for step in steps if step[0] == "execute"]

    module = plans["module page"]
    assert len(module) == 1  # one cookie, one address
    assert statements(module[0]) and set(statements(module[0])) == {"SELECT"}
    saves = plans["answer autosave"]
    assert len(saves) == 3
    assert all("UPDATE" in statements(steps) and ("commit", False) in steps for steps in saves)
    assert floor.statements_per_request(saves) >= len(statements(saves[0])) + 1

    attempt_id = run.autosave_entries(app, recorded)[0][0]["attempt_id"]  # answers cleared
    with app.app_context():
        stored = select(AttemptQuestion.answer_json).where(AttemptQuestion.attempt_id == attempt_id)
        assert set(db.session.scalars(stored)) == {None}
        db.session.remove()
    plan_file = tmp_path / "floor.pickle"
    plan_file.write_bytes(pickle.dumps(list(plans.values())))
    monkeypatch.setenv("BENCH_FLOOR_PLAN", str(plan_file))
    monkeypatch.setenv("BENCH_FLOOR_DATABASE", app.config["SQLALCHEMY_DATABASE_URI"])
    monkeypatch.setattr(floor, "_state", {})
    client = floor.app.test_client()
    assert client.get("/").status_code == 200
    assert client.get("/0/0").status_code == 200  # the module page's reads
    assert client.get("/1/0").status_code == 200  # the first trainee's recorded save
    with app.app_context():
        replayed = {
            row.attempt_id
            for row in db.session.execute(
                select(AttemptQuestion.attempt_id).where(AttemptQuestion.answer_json.is_not(None))
            )
        }
    assert attempt_id in replayed
    floor._state["replayer"].connection.close()
