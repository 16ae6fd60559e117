"""W3C Bitstring Status Lists for the site's credentials: one list per purpose (revocation,
suspension), of ``LIST_SIZE`` bits, published signed at ``/credentials/status/<purpose>/<n>``.

- **Indexes** are random (the spec's advice: a position tells nothing about when or to whom a
  credential was issued) and never reused: every index given out is a row of
  ``ob3_status_indexes`` (primary key list + position) that is never deleted. Two issuers
  drawing the same index at once: the second insert fails on the key (on PostgreSQL it waits
  for the first transaction) inside a savepoint and draws again. A list counts as full at half
  its size (random draws then collide half the time); the next number is opened.
- **Bits are derived, never toggled**: :func:`refresh` recomputes a list's bits from the
  certificates' statuses (revocation: revoked or superseded; suspension: suspended) under a
  row lock on the list, and signs a new list credential only when the bits changed. The
  signal receivers call it after each committed change, and ``flask issue-credentials`` calls
  it for every list, so a missed change (a crash between the two commits) is mended there.
- **A superseded certificate's revocation bit is set**: a reissue or renewal is final (the old
  certificate never becomes current again, which is what "revocation" means in the spec), so a
  wallet holding the old credential shows it revoked, and the verification page names its
  replacement.
- **Encoding** (W3C §4.4, ``encode_list``): index 0 is the most significant bit of byte 0;
  GZIP with mtime 0 (the same bits give the same bytes), base64url without padding, multibase
  prefix ``u``.
"""

from __future__ import annotations

import base64
import gzip
import secrets

from flask import current_app
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from certificates.models import Certificate
from certificates.ob3 import signer
from certificates.ob3.models import (
    LIST_SIZE,
    PURPOSES,
    StatusIndex,
    StatusList,
    StoredCredential,
    pack_json,
)
from lms.database import utcnow
from lms.extensions import db

VC_V2 = "https://www.w3.org/ns/credentials/v2"
# Which certificate statuses set a list's bit.
SET_BY = {"revocation": ("revoked", "superseded"), "suspension": ("suspended",)}
DRAWS = 20  # attempts before giving up (an insert loses only to a concurrent issuer)
ROUNDS = 64  # redraws of the taken positions per attempt (each finds at least half free)


class StatusListFull(RuntimeError):
    """No free index could be drawn (should never happen below half-full lists)."""


# --- encoding ------------------------------------------------------------------------------


def encode_list(bits: bytes) -> str:
    packed = gzip.compress(bytes(bits), compresslevel=9, mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).decode().rstrip("=")


def decode_list(encoded: str) -> bytes:
    if not encoded.startswith("u"):
        raise ValueError("not a base64url multibase value")
    body = encoded[1:]
    return gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def bit(bits: bytes, index: int) -> int:
    return (bits[index // 8] >> (7 - index % 8)) & 1


def set_bit(bits: bytearray, index: int, value: int) -> None:
    mask = 1 << (7 - index % 8)
    if value:
        bits[index // 8] |= mask
    else:
        bits[index // 8] &= ~mask & 0xFF


# --- lists and their URLs ------------------------------------------------------------------


def list_url(purpose: str, number: int) -> str:
    return f"{current_app.config['PUBLIC_URL']}/credentials/status/{purpose}/{number}"


def entry(status_list: StatusList, index: int) -> dict:
    """A credential's ``BitstringStatusListEntry`` for ``index`` of ``status_list``."""
    url = list_url(status_list.purpose, status_list.number)
    return {
        "id": f"{url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": status_list.purpose,
        "statusListIndex": str(index),
        "statusListCredential": url,
    }


def _open_list(purpose: str, number: int) -> StatusList:
    """List ``number`` of ``purpose``, made (empty, signed) if it does not exist yet."""
    query = select(StatusList).where(StatusList.purpose == purpose, StatusList.number == number)
    found = db.session.scalar(query)
    if found is not None:
        return found
    try:
        with db.session.begin_nested():
            made = StatusList(purpose=purpose, number=number, size=LIST_SIZE, version=0)
            made.bits = bytes(LIST_SIZE // 8)
            db.session.add(made)
            db.session.flush()
            _sign(made)
    except IntegrityError:  # another process made it first
        return db.session.scalar(query)
    return made


def current_lists() -> dict[str, StatusList]:
    """The list each purpose gives new indexes from: the highest number, or a new one when it
    is half full."""
    lists = {}
    for purpose in PURPOSES:
        highest = db.session.scalar(
            select(StatusList)
            .where(StatusList.purpose == purpose)
            .order_by(StatusList.number.desc())
            .limit(1)
        )
        if highest is None:
            highest = _open_list(purpose, 1)
        used = db.session.scalar(
            select(func.count()).select_from(StatusIndex).where(StatusIndex.list_id == highest.id)
        )
        if used >= highest.size // 2:
            highest = _open_list(purpose, highest.number + 1)
        lists[purpose] = highest
    return lists


def allocate(count: int) -> list[dict[str, tuple[StatusList, int]]]:
    """``count`` fresh slots, each {purpose: (list, index)}: random, unused, recorded (in the
    caller's transaction; a rollback gives them back unpublished)."""
    if count <= 0:
        return []
    lists = current_lists()
    chosen: dict[str, list[int]] = {}
    for purpose, status_list in lists.items():
        chosen[purpose] = _draw(status_list, count)
    return [
        {purpose: (lists[purpose], chosen[purpose][n]) for purpose in PURPOSES}
        for n in range(count)
    ]


def _draw(status_list: StatusList, count: int) -> list[int]:
    """``count`` random free positions of ``status_list``, recorded. Taken positions are
    drawn again one by one (a list may be up to half full, and a bulk issue asks for hundreds:
    redrawing the whole batch on any collision would almost never succeed); a position another
    issuer records meanwhile makes the insert fail and the draw start again."""
    for _ in range(DRAWS):
        picked: set[int] = set()
        for _round in range(ROUNDS):
            candidates: set[int] = set()
            while len(candidates) < count - len(picked):
                position = secrets.randbelow(status_list.size)
                if position not in picked:
                    candidates.add(position)
            taken = set(
                db.session.scalars(
                    select(StatusIndex.position).where(
                        StatusIndex.list_id == status_list.id,
                        StatusIndex.position.in_(candidates),
                    )
                )
            )
            picked |= candidates - taken
            if len(picked) == count:
                break
        else:
            continue
        order = sorted(picked, key=lambda _: secrets.randbits(32))
        try:
            with db.session.begin_nested():
                db.session.execute(
                    insert(StatusIndex),
                    [{"list_id": status_list.id, "position": p} for p in order],
                )
        except IntegrityError:  # another issuer drew one of them meanwhile
            continue
        return order
    raise StatusListFull(f"no free index in {status_list.purpose} list {status_list.number}")


# --- the signed list credential ------------------------------------------------------------


def list_credential(status_list: StatusList) -> dict:
    """The unsigned ``BitstringStatusListCredential`` of the list as it is now."""
    url = list_url(status_list.purpose, status_list.number)
    return {
        "@context": [VC_V2],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": signer.issuer_id(),
        "validFrom": signer.timestamp(status_list.updated_at or utcnow()),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": status_list.purpose,
            "encodedList": encode_list(status_list.bits),
        },
    }


def _sign(status_list: StatusList) -> None:
    status_list.signed_zlib = pack_json(signer.sign(list_credential(status_list)))


def wanted_bits(status_list: StatusList) -> bytearray:
    """The list's bits as the certificates' statuses say now (one query)."""
    index_column = (
        StoredCredential.revocation_index
        if status_list.purpose == "revocation"
        else StoredCredential.suspension_index
    )
    list_column = (
        StoredCredential.revocation_list_id
        if status_list.purpose == "revocation"
        else StoredCredential.suspension_list_id
    )
    positions = db.session.scalars(
        select(index_column)
        .join(Certificate, Certificate.id == StoredCredential.certificate_id)
        .where(list_column == status_list.id, Certificate.status.in_(SET_BY[status_list.purpose]))
    )
    bits = bytearray(status_list.size // 8)
    for position in positions:
        set_bit(bits, position, 1)
    return bits


def refresh(list_ids: set[int] | None = None) -> int:
    """Bring the lists (all, or ``list_ids``) in line with the certificates' statuses, each
    under a row lock, signing a new list credential where a bit changed; commits. Returns how
    many lists changed."""
    query = select(StatusList.id).order_by(StatusList.id)
    if list_ids is not None:
        query = query.where(StatusList.id.in_(list_ids))
    changed = 0
    for list_id in db.session.scalars(query).all():
        status_list = db.session.scalar(
            select(StatusList)
            .where(StatusList.id == list_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        bits = wanted_bits(status_list)
        if bits != status_list.bits or status_list.signed_zlib is None:
            status_list.bits = bits
            status_list.version += 1
            status_list.updated_at = utcnow()
            _sign(status_list)
            changed += 1
        db.session.commit()
    return changed


def published(purpose: str, number: int) -> StatusList | None:
    if purpose not in PURPOSES:
        return None
    return db.session.scalar(
        select(StatusList).where(StatusList.purpose == purpose, StatusList.number == number)
    )
