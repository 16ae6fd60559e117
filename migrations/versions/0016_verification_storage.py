"""Fast verification: each certificate stores its facts once, compressed (the JWS is rebuilt
from them), and public lookups are counted in batches

Revision ID: 0016_verification_storage
Revises: 0015_file_blobs
Create Date: 2026-12-06 19:00:00

A certificate stored its signed facts twice: as ``facts_json`` and again, base64-encoded,
inside ``jws``. A token signed here is ``<standard header of key_id>.<facts_json>.<signature>``
(``certificates.signing.assemble``), so only its signature is kept (``jws_signature``) and the
token is rebuilt byte for byte. A stored token that cannot be rebuilt exactly (another header,
or a payload that is not ``facts_json``) is kept whole in ``jws_exact``, so nothing a holder or
a verifier holds stops verifying. The facts themselves are kept zlib-compressed in
``facts_zlib`` (the model reads and writes them as ``facts_json``): a demo record of 2.7 KB
takes 1.1 KB, and a row fits in well under half of SQLite's 4 KB page. The downgrade puts
every token back in ``jws`` and the facts back in ``facts_json``, exactly.

``verification_lookups`` gains ``count``: a row is now that many lookups of one kind in a
window (``certificates.lookup_counts``); existing rows are one lookup each. The downgrade
writes a row with ``count`` n as n rows.

Plain ALTER TABLE statements, no batch mode (see 0009: on SQLite a batch operation copies and
drops ``certificates``, and dropping it deletes every certificate event by cascade). SQLite
3.35 drops a column in place.
"""
import base64
import json
import zlib

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0016_verification_storage'
down_revision = '0015_file_blobs'
branch_labels = None
depends_on = None

BATCH = 2000


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _assemble(kid: str, facts_json: str, signature: str) -> str:
    # As certificates.signing.assemble at the time of this migration (kept here unchanged).
    header = json.dumps({"alg": "EdDSA", "kid": kid, "typ": "JWT"}, separators=(",", ":"))
    return f"{_b64(header.encode())}.{_b64(facts_json.encode())}.{signature}"


def _split(token: str, facts_json: str, key_id: str) -> tuple[str, str | None]:
    """(signature, whole token or None when it is rebuilt exactly from the row)."""
    parts = token.split(".")
    if len(parts) != 3:
        return "", token
    if _assemble(key_id, facts_json, parts[2]) == token:
        return parts[2], None
    return parts[2], token


def _batches(connection, query):
    last = 0
    while True:
        rows = connection.execute(sa.text(query), {"last": last, "size": BATCH}).all()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def upgrade():
    op.add_column('certificates', sa.Column('jws_signature', sa.String(length=128),
                                            nullable=False, server_default=''))
    op.add_column('certificates', sa.Column('jws_exact', sa.Text(), nullable=True))
    op.add_column('certificates', sa.Column('facts_zlib', sa.LargeBinary(), nullable=False,
                                            server_default=''))
    connection = op.get_bind()
    for rows in _batches(
        connection,
        "SELECT id, jws, facts_json, key_id FROM certificates WHERE id > :last "
        "ORDER BY id LIMIT :size",
    ):
        values = []
        for row_id, token, facts_json, key_id in rows:
            signature, exact = _split(token, facts_json, key_id)
            values.append({"row_id": row_id, "signature": signature, "exact": exact,
                           "facts": zlib.compress(facts_json.encode(), 9)})
        connection.execute(
            sa.text("UPDATE certificates SET jws_signature = :signature, jws_exact = :exact, "
                    "facts_zlib = :facts WHERE id = :row_id"),
            values,
        )
    if connection.dialect.name != 'sqlite':  # SQLite cannot drop a default in place
        op.alter_column('certificates', 'facts_zlib', server_default=None)
    op.drop_column('certificates', 'jws')
    op.drop_column('certificates', 'facts_json')

    op.add_column('verification_lookups', sa.Column('count', sa.Integer(), nullable=False,
                                                    server_default='1'))


def downgrade():
    connection = op.get_bind()
    rows = connection.execute(sa.text(
        "SELECT certificate_id, outcome, channel, ip_hash, count, at, created_at "
        "FROM verification_lookups WHERE count > 1"
    )).all()
    for certificate_id, outcome, channel, ip_hash, count, at, created_at in rows:
        copies = [
            {"certificate_id": certificate_id, "outcome": outcome, "channel": channel,
             "ip_hash": ip_hash, "at": at, "created_at": created_at}
        ] * (count - 1)
        connection.execute(
            sa.text("INSERT INTO verification_lookups (certificate_id, outcome, channel, "
                    "ip_hash, count, at, created_at) VALUES (:certificate_id, :outcome, "
                    ":channel, :ip_hash, 1, :at, :created_at)"),
            copies,
        )
    op.drop_column('verification_lookups', 'count')

    op.add_column('certificates', sa.Column('facts_json', sa.Text(), nullable=False,
                                            server_default=''))
    op.add_column('certificates', sa.Column('jws', sa.Text(), nullable=False, server_default=''))
    for rows in _batches(
        connection,
        "SELECT id, jws_exact, facts_zlib, key_id, jws_signature FROM certificates "
        "WHERE id > :last ORDER BY id LIMIT :size",
    ):
        values = []
        for row_id, exact, facts_zlib, key_id, signature in rows:
            facts_json = zlib.decompress(facts_zlib).decode()
            values.append({"row_id": row_id, "facts": facts_json,
                           "token": exact or _assemble(key_id, facts_json, signature)})
        connection.execute(
            sa.text("UPDATE certificates SET jws = :token, facts_json = :facts "
                    "WHERE id = :row_id"),
            values,
        )
    if connection.dialect.name != 'sqlite':  # SQLite cannot drop a default in place
        op.alter_column('certificates', 'jws', server_default=None)
        op.alter_column('certificates', 'facts_json', server_default=None)
    op.drop_column('certificates', 'facts_zlib')
    op.drop_column('certificates', 'jws_exact')
    op.drop_column('certificates', 'jws_signature')
