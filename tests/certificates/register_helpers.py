"""Helpers for the public register's tests: listing a holder through the service or through
the holder's own page."""

from __future__ import annotations

import re

from certificates import public_register
from certificates.public_register import EntryData

DIGEST = re.compile(r'name="consent_digest"[^>]*value="([0-9a-f]{64})"')


def list_holder(holder, certificate, **fields):
    """``holder`` listed on the ground of ``certificate`` (the service, consent in English)."""
    data = EntryData(
        region=fields.pop("region", "almaty"),
        languages=fields.pop("languages", ["kk", "ru"]),
        **fields,
    )
    return public_register.save(
        holder,
        certificate,
        data,
        consent=True,
        shown_digest=public_register.digest(public_register.consent_text()),
    )


def entry_url(certificate) -> str:
    return f"/certificates/{certificate.id}/public-register"


def shown_digest(client, certificate) -> str:
    page = client.get(entry_url(certificate)).get_data(as_text=True)
    match = DIGEST.search(page)
    assert match, "no consent digest on the entry page"
    return match.group(1)


def post_entry(client, certificate, *, consent: bool = True, digest: str | None = None, **fields):
    data = {
        "region": "almaty",
        "languages": ["kk", "ru"],
        "consent_digest": digest if digest is not None else shown_digest(client, certificate),
        **fields,
    }
    if consent:
        data["consent"] = "y"
    return client.post_form(entry_url(certificate), data)


def names_on(client, query: str = "") -> list[str]:
    """The names the feed lists for ``query`` (one page of at most 100)."""
    separator = "&" if query else ""
    feed = client.get(f"/mediators.json?per_page=100{separator}{query}").get_json()
    return [item["name"] for item in feed["items"]]
