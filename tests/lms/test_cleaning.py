"""lms.cleaning: typed text checked in services, one limit for an audit reason."""

from __future__ import annotations

import pytest

from lms.cleaning import clean_line, clean_reason, clean_text
from lms.service_error import ServiceError
from lms.text_limits import REASON


def test_a_line_folds_white_space_and_keeps_within_its_limit(app):
    assert clean_line("  Role-play \n  one\t", field="title", limit=20) == "Role-play one"
    assert clean_line(None, field="title", limit=20) == ""
    assert clean_line("x" * 20, field="title", limit=20) == "x" * 20
    with pytest.raises(ServiceError) as refused:
        clean_line("x" * 21, field="title", limit=20)
    assert refused.value.field == "title" and "20" in str(refused.value.message)
    with pytest.raises(ServiceError) as refused:
        clean_line("   ", field="title", limit=20, required=True)
    assert refused.value.field == "title"


def test_a_text_keeps_its_line_breaks(app):
    assert clean_text(" one\r\ntwo\n\n ", field="notes", limit=10) == "one\ntwo"
    with pytest.raises(ServiceError) as refused:
        clean_text("x" * 11, field="notes", limit=10)
    assert refused.value.field == "notes"


@pytest.mark.parametrize("given", [None, "", "  \n "])
def test_a_reason_is_required(app, given):
    with pytest.raises(ServiceError) as refused:
        clean_reason(given)
    assert refused.value.field == "reason"
    assert "Give the reason" in str(refused.value.message)


def test_a_reason_has_one_limit_wherever_it_is_asked(app):
    assert clean_reason("x" * REASON, field="breach_note") == "x" * REASON
    with pytest.raises(ServiceError) as refused:
        clean_reason("x" * (REASON + 1), field="breach_note")
    assert refused.value.field == "breach_note"


def test_messages_are_in_the_readers_language(app):
    with app.test_request_context(headers={"Accept-Language": "ru"}):
        with pytest.raises(ServiceError) as refused:
            clean_reason("")
        assert "Give the reason" not in str(refused.value.message)
