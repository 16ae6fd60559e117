"""Page links: they keep the list's own path values and filters and nothing a visitor could
use to steer them; a page past the end shows the last page."""

from __future__ import annotations

import pytest

from lms.pagination import page_url


@pytest.mark.parametrize(
    ("address", "method", "endpoint", "expected"),
    [
        # The gradebook's quiz comes from the path; a ?quiz_id= cannot point it elsewhere.
        (
            "/manage/quizzes/5/gradebook?quiz_id=99&q=mediation",
            "GET",
            "manage_quizzes.gradebook_page",
            "/manage/quizzes/5/gradebook?q=mediation&page=2",
        ),
        # Keys that would steer url_for itself are dropped, and the old page number too.
        (
            "/seminars/?_external=1&_anchor=x%22%3E&endpoint=admin.users&page=7",
            "GET",
            "seminars.index",
            "/seminars/?page=2",
        ),
        # A form that re-renders the builder: its own path values (question_id) stay out.
        (
            "/manage/quizzes/5/questions/7/remove",
            "POST",
            "quiz_builder.questions",
            "/manage/quizzes/5/questions?page=2",
        ),
    ],
)
def test_page_links_keep_only_what_the_list_takes(app, address, method, endpoint, expected):
    with app.test_request_context(address, method=method):
        assert page_url(endpoint, 2) == expected


def test_steering_keys_in_the_address_do_not_break_a_paged_page(client):
    response = client.get("/seminars/?endpoint=x&_method=POST&_external=1&page=3")
    assert response.status_code == 200


@pytest.mark.parametrize(
    "address",
    ["/courses/", "/courses/?q=ethics&language=ru&page=4", "/seminars/?page=2&q=a%26b"],
)
def test_each_page_link_is_the_address_url_for_gives(app, address):
    """The address without ``page`` is built once a request; every link must still be what
    ``url_for`` would build with the page number."""
    from flask import request, url_for

    endpoint = "courses.catalogue" if address.startswith("/courses") else "seminars.index"
    with app.test_request_context(address):
        query = {k: v for k, v in request.args.items() if k != "page"}
        for page in (1, 2, 3, 10):
            assert page_url(endpoint, page) == url_for(endpoint, **query, page=page)


def test_page_links_of_two_requests_in_one_application_context_differ(app):
    """The address without ``page`` is kept per request: a second request in the same
    application context (tests, jobs) gets its own filters."""
    with app.app_context():
        with app.test_request_context("/courses/?q=first"):
            assert page_url("courses.catalogue", 2) == "/courses/?q=first&page=2"
        with app.test_request_context("/courses/?q=second"):
            assert page_url("courses.catalogue", 2) == "/courses/?q=second&page=2"
