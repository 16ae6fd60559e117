"""E-mail addresses stored in the one normalised form (NFKC, case-folded)

Revision ID: 0007_email_normalisation
Revises: 0006_certificates
Create Date: 2026-12-06 11:10:00

Addresses were stored lower-cased; ``lms.text.normalise_email`` now also folds compatibility
forms (full-width letters) and case-folds (``ß`` -> ``ss``). Plain ASCII addresses, nearly
all of them, are already in that form and are not touched. A row whose folded address
belongs to another account (a look-alike such as ``ａｓｅｌ@…`` beside ``asel@…``) keeps its
address and is printed for an administrator to deal with: merging accounts is a person's
decision, not a migration's. This data migration changes no schema; the function below is a
copy of the application's, as migrations never import the app.
"""

import unicodedata

import sqlalchemy as sa
from alembic import op
from email_validator import EmailNotValidError, validate_email

revision = '0007_email_normalisation'
down_revision = '0006_certificates'
branch_labels = None
depends_on = None


def _fold(text):
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())


def normalise_email(raw):
    try:
        result = validate_email(_fold(raw.strip()), check_deliverability=False)
    except EmailNotValidError:
        return None
    return _fold(result.normalized)


def upgrade():
    connection = op.get_bind()
    users = sa.table("users", sa.column("id", sa.Integer), sa.column("email", sa.String))
    rows = connection.execute(sa.select(users.c.id, users.c.email).order_by(users.c.id)).all()
    taken = {email for _, email in rows}
    for user_id, email in rows:
        folded = normalise_email(email)
        if folded is None or folded == email:
            continue
        if folded in taken:
            print(
                f"users.id={user_id}: {email!r} folds to {folded!r}, the address of another "
                "account; left as it is for an administrator to resolve"
            )
            continue
        connection.execute(users.update().where(users.c.id == user_id).values(email=folded))
        taken.discard(email)
        taken.add(folded)


def downgrade():
    # The folded addresses are valid stored addresses for the code before this revision too.
    pass
