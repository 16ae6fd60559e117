"""Where a holder takes their credential: a wallet (a QR code of the credential's URL) and
LinkedIn's "Add to profile" link (shared/credentials §6).

The Learner Credential Wallet adds a credential from its URL ("Add credential" -> "Add from
URL", or by scanning a QR code of that URL); its ``dccrequest://request`` deep link asks the
issuer for a DID-authenticated presentation exchange this site does not run, so the QR code
holds the plain URL of the credential's JSON.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import quote, urlencode

import segno
from flask import current_app

from certificates.facts import verify_url
from certificates.models import Certificate
from certificates.ob3.credential import credential_url

LINKEDIN_ADD = "https://www.linkedin.com/profile/add"


def linkedin_url(certificate: Certificate) -> str:
    """LinkedIn's "Add to profile" link for ``certificate``: the qualification's title, the
    organisation (its LinkedIn page id when configured, else its name), the issue and expiry
    month, the public verification page and the number. Never the holder's name."""
    facts = certificate.facts
    params: dict[str, str | int] = {
        "startTask": "CERTIFICATION_NAME",
        "name": (facts.get("qualification") or {}).get("title") or certificate.number,
    }
    organisation = current_app.config.get("LINKEDIN_ORGANIZATION_ID")
    if organisation:
        params["organizationId"] = organisation
    else:
        params["organizationName"] = facts.get("issuer") or current_app.config["ORGANISATION_NAME"]
    issued = date.fromisoformat(facts["issued_on"])
    params.update(issueYear=issued.year, issueMonth=issued.month)
    if facts.get("expires_on"):
        expires = date.fromisoformat(facts["expires_on"])
        params.update(expirationYear=expires.year, expirationMonth=expires.month)
    params.update(certUrl=verify_url(certificate.number), certId=certificate.number)
    return f"{LINKEDIN_ADD}?{urlencode(params, quote_via=quote)}"


def wallet_qr(certificate: Certificate) -> str:
    """A QR code (an SVG data URI) of the credential's URL, for a wallet to scan."""
    return segno.make(credential_url(certificate.number), error="m").svg_data_uri(scale=4)
