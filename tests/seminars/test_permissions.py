"""Which seminars a user manages: one rule (administrators; the seminar's trainers; the
owners of its course; active staff only) for one seminar and for every list of them."""

from __future__ import annotations

import pytest

from assessments import rubrics
from assessments.rubrics import LineSpec
from lms import accounts
from lms.extensions import db
from seminars import authoring
from seminars.permissions import (
    can_manage,
    managed_by_each,
    managed_query,
    seminars_managed_by,
)


@pytest.fixture
def people(make_user, make_course, make_seminar, trainer):
    """``trainer`` owns the course; ``runner`` trains its seminar; ``other`` owns nothing."""
    runner = make_user("trainer")
    other = make_user("trainer")
    course = make_course("Owned course", owner=trainer)
    seminar = make_seminar("Run by a colleague", course=course, trainers=[runner])
    cancelled = make_seminar("Called off", course=course, trainers=[runner])
    authoring.set_status(cancelled, "cancelled")
    elsewhere = make_seminar(
        "Elsewhere", course=make_course("Their course", owner=other), trainers=[other]
    )
    return {
        "owner": trainer,
        "runner": runner,
        "other": other,
        "seminar": seminar,
        "cancelled": cancelled,
        "elsewhere": elsewhere,
    }


def test_one_rule_for_one_seminar_and_for_the_list(people, admin, trainee):
    seminar, cancelled, elsewhere = people["seminar"], people["cancelled"], people["elsewhere"]
    expected = {
        "owner": {seminar.id, cancelled.id},
        "runner": {seminar.id, cancelled.id},
        "other": {elsewhere.id},
    }
    for name, ids in expected.items():
        user = people[name]
        assert {s.id for s in seminars_managed_by(user)} == ids, name
        for candidate in (seminar, cancelled, elsewhere):
            assert can_manage(user, candidate) == (candidate.id in ids), (name, candidate.title)
        assert {s.id for s in seminars_managed_by(user, include_cancelled=False)} == ids - {
            cancelled.id
        }
    assert {s.id for s in seminars_managed_by(admin)} == {seminar.id, cancelled.id, elsewhere.id}
    assert all(can_manage(admin, s) for s in (seminar, cancelled, elsewhere))
    assert seminars_managed_by(trainee) == [] and not can_manage(trainee, seminar)


def test_many_users_at_once_follow_the_same_rule(
    people, admin, trainee, make_user, make_seminar, make_course
):
    """``managed_by_each`` (the trainers' digest) agrees with ``manages`` for everyone, in a
    fixed number of queries whatever the number of users and seminars."""
    gone = make_user("trainer")
    make_seminar("Theirs, once", course=make_course("Gone's course", owner=gone), trainers=[gone])
    accounts.set_active(admin, gone, False)
    users = [people["owner"], people["runner"], people["other"], admin, trainee, gone]
    seminars = {s.id: s.course_id for s in db.session.scalars(managed_query(admin))}
    managed = managed_by_each(users, seminars)
    for user in users:
        assert managed[user.id] == {s.id for s in seminars_managed_by(user)}, user.email
    assert managed[admin.id] == set(seminars) and managed[trainee.id] == managed[gone.id] == set()
    only = {people["seminar"].id: people["seminar"].course_id}
    assert managed_by_each(users, only)[people["other"].id] == set()
    assert managed_by_each(users, only)[people["runner"].id] == set(only)
    assert managed_by_each(users, {})[admin.id] == set()


def test_an_inactive_account_manages_nothing(people, admin):
    for name in ("owner", "runner"):
        accounts.set_active(admin, people[name], False)
        assert seminars_managed_by(people[name]) == []
        assert not can_manage(people[name], people["seminar"])
    db.session.refresh(admin)
    accounts.set_active(admin, people["other"], False)
    assert list(db.session.scalars(managed_query(people["other"]))) == []


def test_a_course_owner_sees_the_seminar_on_every_page(people, login, criteria):
    seminar, elsewhere = people["seminar"], people["elsewhere"]
    rubric = rubrics.create_rubric(
        seminar.course,
        title="Role-play",
        kind="role_play",
        lines=[LineSpec("Opening", criteria["C2-PROC"].id, "quality")],
    )
    client = login(people["owner"])
    mine = client.get("/manage/seminars/").get_data(as_text=True)
    assert f'href="/manage/seminars/{seminar.id}"' in mine
    assert f'href="/manage/seminars/{elsewhere.id}"' not in mine

    certificates = client.get("/manage/certificates/seminars/").get_data(as_text=True)
    assert f"/manage/certificates/seminars/{seminar.id}" in certificates
    assert f"/manage/certificates/seminars/{elsewhere.id}" not in certificates

    new = client.get("/manage/assessments/new").get_data(as_text=True)
    assert f'<option value="{seminar.id}"' in new
    assert f'<option value="{people["cancelled"].id}"' not in new
    assert f'<option value="{elsewhere.id}"' not in new
    picked = client.get(
        f"/manage/assessments/new?rubric={rubric.id}&seminar={seminar.id}"
    ).get_data(as_text=True)
    assert f'<option value="{seminar.id}" selected>' in picked


def test_a_deactivated_trainer_sees_none(people, login, admin):
    client = login(people["runner"])
    assert client.get("/manage/seminars/").status_code == 200
    accounts.set_active(admin, people["runner"], False)
    for url in (
        "/manage/seminars/",
        f"/manage/seminars/{people['seminar'].id}",
        "/manage/certificates/seminars/",
        "/manage/assessments/new",
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url
