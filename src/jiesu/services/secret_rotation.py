"""Replacing the secret that encrypts personal data (密钥轮换), without stopping the service.

1. Start every server process with the new secret in `JIESU_SECRET_KEY` and the previous one in
   `JIESU_OLD_SECRET_KEYS`: new cases are encrypted with the new secret, old ones still open, a caller's earlier
   cases are still found by phone (under either secret's hash).
2. `rotate` re-encrypts every case still under an old secret (name, phone, and the phone's keyed hash), in batches,
   each one transaction with its line of the audit trail; an interrupted run is simply run again.
3. When `survey` finds nothing left under an old secret, remove `JIESU_OLD_SECRET_KEYS` and restart.

Backups made before the rotation still need the old secret to be read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import bindparam, func, or_, select, update

from jiesu.bootstrap import App
from jiesu.domain.errors import ConflictError
from jiesu.services.audit import record
from jiesu.storage import tables as t

BATCH = 1000
PROBE = 50  # the latest cases with personal data looked at before a server starts


@dataclass
class Survey:
    cases: int = 0  # cases holding encrypted personal data
    current: int = 0  # encrypted with the current secret
    old: int = 0  # with one of JIESU_OLD_SECRET_KEYS: to rotate
    unreadable: list[int] | None = None  # ids no configured secret opens (the first few)


@dataclass
class Rotated:
    scanned: int
    rotated: int
    batches: int


_r = t.requests
_HAS_DATA = or_(_r.c.requester_name.is_not(None), _r.c.requester_phone.is_not(None))


def count_encrypted(app: App) -> int:
    with app.uow(read_only=True) as uow:
        return uow.connection.execute(select(func.count()).select_from(_r).where(_HAS_DATA)).scalar()


def _batches(app: App, progress: Callable[[int], None] | None, read_only: bool = False):
    """(unit of work, rows) batch by batch, in id order, each batch in its own transaction."""
    last = 0
    while True:
        with app.uow(read_only=read_only) as uow:
            rows = uow.connection.execute(select(_r.c.id, _r.c.requester_name, _r.c.requester_phone)
                                          .where(_r.c.id > last, _HAS_DATA).order_by(_r.c.id).limit(BATCH)).all()
            if not rows:
                return
            yield uow, rows
        last = rows[-1].id
        if progress:
            progress(len(rows))


def survey(app: App, progress: Callable[[int], None] | None = None) -> Survey:
    """How many cases are under the current secret, under an old one, or under none that is configured."""
    cipher, found = app.cipher, Survey(unreadable=[])
    for _, rows in _batches(app, progress, read_only=True):
        for row in rows:
            found.cases += 1
            if cipher.is_current(row.requester_name) and cipher.is_current(row.requester_phone):
                found.current += 1
            elif cipher.opens(row.requester_name) and cipher.opens(row.requester_phone):
                found.old += 1
            elif len(found.unreadable) < 10:
                found.unreadable.append(row.id)
    return found


def rotate(app: App, by: str, progress: Callable[[int], None] | None = None) -> Rotated:
    """Re-encrypt with the current secret every case still under an old one."""
    cipher = app.cipher
    scanned = rotated = batches = 0
    change = update(_r).where(_r.c.id == bindparam("case_id")).values(
        requester_name=bindparam("new_name"), requester_phone=bindparam("new_phone"),
        requester_key=bindparam("new_key"))
    for uow, rows in _batches(app, progress):
        changes = []
        for row in rows:
            if cipher.is_current(row.requester_name) and cipher.is_current(row.requester_phone):
                continue
            if not (cipher.opens(row.requester_name) and cipher.opens(row.requester_phone)):
                raise ConflictError(f"诉求 {row.id} 的个人信息不是用当前或旧密钥加密的：请把加密它的密钥加入 "
                                    f"JIESU_OLD_SECRET_KEYS 后重新运行（已完成的批次不会重做）", field="JIESU_OLD_SECRET_KEYS")
            name, phone = cipher.decrypt(row.requester_name), cipher.decrypt(row.requester_phone)
            changes.append({"case_id": row.id, "new_name": cipher.encrypt(name), "new_phone": cipher.encrypt(phone),
                            "new_key": cipher.lookup_key(phone)})
        scanned += len(rows)
        if changes:
            uow.connection.execute(change, changes)
            record(uow.connection, app.now(), by, "secret.rotate",
                   f"诉求 {changes[0]['case_id']}–{changes[-1]['case_id']}", {"cases": len(changes)})
            uow.commit()
            rotated, batches = rotated + len(changes), batches + 1
    return Rotated(scanned, rotated, batches)


def unreadable_recent(app: App) -> list[int]:
    """Ids among the latest cases with personal data that no configured secret opens: a server started with the
    wrong secret would fail on every one of them (checked before serving)."""
    cipher = app.cipher
    with app.uow(read_only=True) as uow:
        rows = uow.connection.execute(select(_r.c.id, _r.c.requester_name, _r.c.requester_phone).where(_HAS_DATA)
                                      .order_by(_r.c.id.desc()).limit(PROBE)).all()
    return [row.id for row in rows if not (cipher.opens(row.requester_name) and cipher.opens(row.requester_phone))]
