"""Open Badges 3.0 tables (migration 0026): each certificate's signed credential, the status
lists and the indexes given out in them.

- ``ob3_credentials``: one row per certificate (its id is the key), the signed
  ``OpenBadgeCredential`` as canonical JSON, zlib-compressed, frozen at issue (never updated),
  and the two status entries it names (list and index for revocation and for suspension).
- ``ob3_status_lists``: one bitstring per (purpose, number), stored compressed, with the signed
  ``BitstringStatusListCredential`` served at its URL (signed again only when a bit changes).
- ``ob3_status_indexes``: every index ever given out, per list (the primary key makes an index
  unique; rows are never deleted, so an index is never given twice, even after its credential
  is gone).
"""

from __future__ import annotations

import json
import zlib
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from certificates.models import Certificate
from lms.database import UTCDateTime, utcnow
from lms.extensions import db

PURPOSES = ("revocation", "suspension")
LIST_SIZE = 131_072  # bits: the W3C minimum (16 KB), far above this platform's volume


def pack_json(value: dict) -> bytes:
    """Canonical-enough JSON (sorted keys, no spaces, UTF-8) compressed for storage."""
    raw = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    return zlib.compress(raw, 9)


def unpack_json(data: bytes) -> dict:
    return json.loads(zlib.decompress(data).decode())


class StatusList(db.Model):
    __tablename__ = "ob3_status_lists"
    __table_args__ = (
        UniqueConstraint("purpose", "number"),
        CheckConstraint("purpose IN ('revocation', 'suspension')", name="purpose_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(String(16))
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, ... within the purpose (the URL)
    size: Mapped[int] = mapped_column(Integer, default=LIST_SIZE)
    bits_zlib: Mapped[bytes] = mapped_column(LargeBinary)  # the bitstring, zlib-compressed
    # The signed list credential as served (compressed JSON), and when its bits last changed.
    signed_zlib: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def bits(self) -> bytearray:
        return bytearray(zlib.decompress(self.bits_zlib))

    @bits.setter
    def bits(self, value: bytes) -> None:
        self.bits_zlib = zlib.compress(bytes(value), 9)

    @property
    def signed(self) -> dict | None:
        return unpack_json(self.signed_zlib) if self.signed_zlib else None


class StatusIndex(db.Model):
    __tablename__ = "ob3_status_indexes"

    list_id: Mapped[int] = mapped_column(
        ForeignKey("ob3_status_lists.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)


class StoredCredential(db.Model):
    __tablename__ = "ob3_credentials"

    certificate_id: Mapped[int] = mapped_column(
        ForeignKey("certificates.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    credential_zlib: Mapped[bytes] = mapped_column(LargeBinary)
    revocation_list_id: Mapped[int] = mapped_column(ForeignKey("ob3_status_lists.id"))
    revocation_index: Mapped[int] = mapped_column(Integer)
    suspension_list_id: Mapped[int] = mapped_column(ForeignKey("ob3_status_lists.id"))
    suspension_index: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # ``certificate.ob3_credential``: set at issue, so the credential is inserted with its
    # certificate (``storage.insert_all`` inserts it for a bulk issue).
    certificate: Mapped[Certificate] = relationship(
        backref=backref("ob3_credential", uselist=False, passive_deletes=True)
    )

    @property
    def credential(self) -> dict:
        return unpack_json(self.credential_zlib)

    def slot(self, purpose: str) -> tuple[int, int]:
        if purpose == "revocation":
            return self.revocation_list_id, self.revocation_index
        return self.suspension_list_id, self.suspension_index
