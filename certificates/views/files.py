"""How the certificate pages hand out files: PDFs (a holder's, a trainer's, a preview) and
the ZIP of a seminar's PDFs, through ``lms.downloads``."""

from __future__ import annotations

from lms.downloads import download


def pdf_response(data: bytes, filename: str, *, inline: bool = False):
    """A PDF reply that is never cached; ``inline`` shows it in the browser (previews)."""
    response = download(data, filename, "application/pdf", inline=inline)
    # A certificate names its holder: never in a search engine, whoever shares a link to it.
    response.headers["X-Robots-Tag"] = "noindex"
    if inline:
        # Chrome's PDF viewer is an embedded object: the site's "object-src 'none'" blocks it.
        response.headers["Content-Security-Policy"] = "frame-ancestors 'none'"
    return response


def zip_response(data: bytes, filename: str):
    return download(data, filename, "application/zip")
