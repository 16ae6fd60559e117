"""User-visible text that is not marked for translation: in the Jinja templates of every
package and in the Python calls whose message reaches a user (``tests/i18n/scanners.py``)."""

from __future__ import annotations

import pytest

from tests.i18n.scanners import (
    ROOT,
    python_files,
    python_findings,
    template_files,
    template_findings,
)


def test_every_template_text_is_marked():
    files = template_files()
    assert len(files) > 100
    findings = [
        str(finding)
        for path in files
        for finding in template_findings(
            path.read_text(encoding="utf-8"),
            path.relative_to(ROOT).as_posix(),
            html=path.suffix == ".html",
        )
    ]
    assert findings == []


def test_every_python_message_is_marked():
    files = python_files()
    assert len(files) > 100
    findings = [
        str(finding)
        for path in files
        for finding in python_findings(
            path.read_text(encoding="utf-8"), path.relative_to(ROOT).as_posix()
        )
    ]
    assert findings == []


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("<p>Hello</p>", ["Hello"]),
        ("<p>{{ _('Hello') }}</p>", []),
        ("<p>{% trans %}Hello {{ name }}{% endtrans %}</p>", []),
        ("<p>{% trans n=3 %}One{% pluralize %}Many{% endtrans %} Left</p>", ["Left"]),
        ("<p>{{ name }}: saved</p>", [": saved"]),
        ('<input placeholder="Search" title="{{ _(\'Find\') }}">', ["Search"]),
        ('<img alt="Logo" src="x.png">', ["Logo"]),
        ('<button aria-label="Close">×</button>', ["Close"]),
        ("<span>PDF · CSV · SHA-256 · {{ size }} – 42</span>", []),
        ("<script>var label = 'Hello';</script><style>p { color: red }</style>", []),
        ("{# a comment with words #}<p>{{ x }}</p>", []),
        ('<input placeholder="{{ prefix }}-XXXX-XXXX-X">', []),
        ('{% if e %} aria-invalid="true" aria-describedby="{{ n }}-error"{% endif %}', []),
        ("<code>## {{ _('Heading') }}</code> <code>| a | b |</code>", []),
        ("<a href='/x'>{{ _('Open') }}</a> <a>images/file.png</a>", []),
        ("<td>Русский текст</td>", ["Русский текст"]),
        ('<span{{ lang_of(m, "title") }}>{{ m.title }}</span>', []),
        ('<span{{ lang_of(m, "title") }}>Title</span>', ["Title"]),
        ("{% if x %}<b>Draft</b>{% endif %}", ["Draft"]),
    ],
)
def test_planted_template_texts(source, found):
    assert [finding.text for finding in template_findings(source)] == found


def test_planted_text_template():
    source = "{{ _('Hello %(name)s', name=name) }}\n\nYour seminar starts soon.\n{{ url }}\n"
    findings = template_findings(source, "mail/x.txt", html=False)
    assert [(finding.line, finding.text) for finding in findings] == [
        (3, "Your seminar starts soon.")
    ]


def test_a_finding_names_the_template_line():
    source = (
        "{% extends 'base.html' %}\n{% block content %}\n<h1>{{ _('A') }}</h1>\n"
        "<p>\n  Plain\n</p>\n{% endblock %}"
    )
    (finding,) = template_findings(source, "x/templates/page.html")
    assert str(finding) == "x/templates/page.html:5: 'Plain'"


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ('flash("Saved")', ["Saved"]),
        ('flash(_("Saved"), "success")', []),
        ('flash(f"Saved {name}")', ["Saved "]),
        ('raise ServiceError("Too long", "title")', ["Too long"]),
        ('raise ServiceError(_l("Too long"), "title")', []),
        ("raise ServiceError(message)", []),
        ('abort(404, description="No such seminar")', ["No such seminar"]),
        ('abort(403, "Not yours")', ["Not yours"]),
        ('abort(404, description=_("No such seminar"))', []),
        ('name = StringField("Name", validators=[DataRequired()])', ["Name"]),
        ('name = StringField(label="Name")', ["Name"]),
        ('name = wtforms.StringField(_l("Name"))', []),
        ('v = DataRequired(message="Give a name")', ["Give a name"]),
        ('v = Length(max=200, message=_l("Too long"))', []),
        ("v = Length(max=200)", []),
        ('raise ValidationError("Not a date")', ["Not a date"]),
        ('raise AnswerError("Pick one", fields=["a"])', ["Pick one"]),
        ('flash("…")', []),  # no letter
    ],
)
def test_planted_python_messages(source, found):
    assert [finding.text for finding in python_findings(source)] == found
