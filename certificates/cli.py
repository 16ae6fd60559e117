"""`flask --app wsgi certificates rotate-key | verify-offline`."""

from __future__ import annotations

import io
import json
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext

from certificates.keys import key_ring
from certificates.signing import SignatureInvalid, verify

certificates_cli = AppGroup("certificates", help="Signing keys and offline verification.")


@certificates_cli.command("rotate-key")
def rotate_key_command():
    """Add a new signing key; older keys stay published so older certificates verify."""
    key = key_ring().rotate()
    click.echo(f"New signing key {key.thumbprint()}; {len(key_ring().keys())} keys published.")


def read_token(data: bytes) -> str:
    """The compact JWS in a certificate PDF, an API record (JSON) or a plain token file."""
    if data.startswith(b"%PDF"):
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError

        try:
            attachments = PdfReader(io.BytesIO(data)).attachments
        except (PdfReadError, ValueError, KeyError) as error:
            raise click.ClickException(f"cannot read the PDF: {error}") from None
        if "certificate.jws" not in attachments:
            raise click.ClickException("this PDF carries no certificate.jws attachment")
        data = attachments["certificate.jws"][0]
    text = data.decode("utf-8", errors="replace").strip()
    if text.startswith("{"):
        try:
            text = json.loads(text)["jws"]
        except (ValueError, KeyError, TypeError):
            raise click.ClickException('this JSON has no "jws" field') from None
        if text is None:
            raise click.ClickException(
                "this record does not publish its signed JWS (a certificate issued before "
                "facts format 2 also signed fields that are not public): check the holder's PDF"
            )
    return text


@certificates_cli.command("verify-offline")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--jwks",
    "jwks_file",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The saved /.well-known/jwks.json to trust.",
)
def verify_offline_command(file: Path, jwks_file: Path):
    """Check the signed record in FILE (a certificate PDF, the API's JSON or a bare JWS)
    against a saved JWKS, with no database and no network."""
    token = read_token(file.read_bytes())
    try:
        jwks = json.loads(jwks_file.read_text(encoding="utf-8"))
    except ValueError:
        raise click.ClickException(f"{jwks_file} is not JSON") from None
    try:
        facts, kid = verify(token, jwks)
    except SignatureInvalid as error:
        raise click.ClickException(f"signature NOT valid: {error}") from None
    click.echo(f"Signature valid (key {kid}).")
    click.echo(json.dumps(facts, ensure_ascii=False, indent=2, sort_keys=True))
    click.echo(
        "The signature proves these facts were issued and not altered; whether the "
        "certificate is still valid today (not expired, suspended or revoked) only the "
        "verification page can tell."
    )


@click.command("issue-credentials")
@with_appcontext
def issue_credentials_command():
    """Open Badges 3.0 credentials for certificates issued before them (idempotent), and the
    status lists brought in line with every certificate's status."""
    from certificates.ob3.issuing import issue_missing

    made, refused = issue_missing()
    click.echo(f"{made} credential(s) issued; status lists up to date.")
    for line in refused:
        click.echo(f"Not issued (cannot be signed as it stands): {line}", err=True)


def init_app(app: Flask) -> None:
    app.cli.add_command(certificates_cli)
    app.cli.add_command(issue_credentials_command)
