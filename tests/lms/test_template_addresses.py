"""Templates' url_for keeps the addresses that take no values (lms.layout)."""

from __future__ import annotations

from flask import render_template_string, url_for


def test_kept_addresses_are_flasks_per_script_root(app):
    source = (
        "{{ url_for('main.home') }}|{{ url_for('static', filename='css/site.css') }}|"
        "{{ url_for('certificates.verify_number', number='X') }}|"
        "{{ url_for('main.home', _external=True) }}"
    )
    for script_root in ("", "/lms", ""):
        with app.test_request_context("/", base_url=f"http://site.example{script_root}/"):
            shown = render_template_string(source)
            expected = "|".join(
                [
                    url_for("main.home"),
                    url_for("static", filename="css/site.css"),
                    url_for("certificates.verify_number", number="X"),
                    url_for("main.home", _external=True),
                ]
            )
            assert shown == expected
            assert shown.startswith(f"{script_root}/|{script_root}/static/css/site.css|")
