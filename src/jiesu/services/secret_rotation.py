"""Replacing the secret that encrypts personal data (密钥轮换), without stopping the service.

1. Start every server process with the new secret in `JIESU_SECRET_KEY` and the previous one in
   `JIESU_OLD_SECRET_KEYS`: new data is encrypted with the new secret, old data still opens, a caller's earlier
   cases are still found by phone (under either secret's hash).
2. `rotate` re-encrypts everything still under an old secret — each case's name and phone (and the phone's keyed
   hash), each 受理 text message's tracking code, each text message a requester sent back (短信评价), each 现场照片
   (and encrypts a photo stored before photos were), each 值班表 mobile — in batches, each one transaction with its line of the audit
   trail; an interrupted run is simply run again.
3. When `survey` finds nothing left under an old secret, remove `JIESU_OLD_SECRET_KEYS` and restart.

Backups made before the rotation still need the old secret to be read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, bindparam, func, or_, select, update

from jiesu.bootstrap import App
from jiesu.domain.errors import ConflictError
from jiesu.services import photos
from jiesu.services.audit import record
from jiesu.storage import tables as t
from jiesu.storage.cipher import PersonalDataCipher

BATCH = 1000
PROBE = 50  # the latest cases with personal data looked at before a server starts


@dataclass(frozen=True)
class Encrypted:
    """A table holding encrypted columns, and how its rows are named in messages and the audit trail. `binary`:
    the columns hold bytes (photos). `batch`: rows read at a time, when not BATCH."""

    table: Table
    columns: tuple[str, ...]
    noun: str
    binary: bool = False
    batch: int | None = None
    only: object = None  # the rows that hold encrypted data, when not all do
    lookup: tuple[str, str] | None = None  # (hash column, phone column): the phone's keyed hash, made again

    def has_data(self):
        present = or_(*(self.table.c[name].is_not(None) for name in self.columns))
        return present if self.only is None else present & self.only

    def opens(self, cipher: PersonalDataCipher, token) -> bool:
        return (self.binary and photos.in_clear(token)) or cipher.opens(token)

    def decrypt(self, cipher: PersonalDataCipher, token):
        return photos.plain(cipher, token) if self.binary else cipher.decrypt(token)

    def encrypt(self, cipher: PersonalDataCipher, value):
        return cipher.encrypt_bytes(value) if self.binary else cipher.encrypt(value)


CASES = Encrypted(t.requests, ("requester_name", "requester_phone"), "诉求",
                  lookup=("requester_key", "requester_phone"))
NOTICES = Encrypted(t.notifications, ("code",), "短信")
PHOTOS = Encrypted(t.attachments, ("data",), "照片", binary=True, batch=20,  # up to 20 × 5 MB in memory
                   only=t.attachments.c.content_type != photos.MEDIA_URL_TYPE)
REPLIES = Encrypted(t.sms_replies, ("text",), "短信回复")
DUTY = Encrypted(t.duty_shifts, ("phone",), "值班记录")
CALLS = Encrypted(t.calls, ("caller_phone",), "来电", lookup=("caller_key", "caller_phone"))
ENCRYPTED = (CASES, NOTICES, PHOTOS, REPLIES, DUTY, CALLS)


@dataclass
class Survey:
    rows: int = 0  # rows holding encrypted data, over every table
    current: int = 0  # encrypted with the current secret
    old: int = 0  # with one of JIESU_OLD_SECRET_KEYS: to rotate
    unreadable: list[str] = field(default_factory=list)  # "诉求 12": what no configured secret opens (the first few)


@dataclass
class Rotated:
    scanned: int
    rotated: int
    batches: int


def count_encrypted(app: App) -> int:
    with app.uow(read_only=True) as uow:
        return sum(uow.connection.execute(select(func.count()).select_from(e.table).where(e.has_data())).scalar_one()
                   for e in ENCRYPTED)


def _batches(app: App, encrypted: Encrypted, progress: Callable[[int], None] | None, read_only: bool = False):
    """(unit of work, rows) batch by batch, in id order, each batch in its own transaction."""
    table, last = encrypted.table, 0
    while True:
        with app.uow(read_only=read_only) as uow:
            rows = uow.connection.execute(select(table.c.id, *(table.c[name] for name in encrypted.columns))
                                          .where(table.c.id > last, encrypted.has_data())
                                          .order_by(table.c.id).limit(encrypted.batch or BATCH)).all()
            if not rows:
                return
            yield uow, rows
        last = rows[-1].id
        if progress:
            progress(len(rows))


def survey(app: App, progress: Callable[[int], None] | None = None) -> Survey:
    """How much is under the current secret, under an old one, or under none that is configured."""
    cipher, found = app.cipher, Survey()
    for encrypted in ENCRYPTED:
        for _, rows in _batches(app, encrypted, progress, read_only=True):
            for row in rows:
                tokens = row[1:]
                found.rows += 1
                if all(cipher.is_current(token) for token in tokens):
                    found.current += 1
                elif all(encrypted.opens(cipher, token) for token in tokens):
                    found.old += 1
                elif len(found.unreadable) < 10:
                    found.unreadable.append(f"{encrypted.noun} {row.id}")
    return found


def rotate(app: App, by: str, progress: Callable[[int], None] | None = None) -> Rotated:
    """Re-encrypt with the current secret everything still under an old one."""
    cipher = app.cipher
    scanned = rotated = batches = 0
    for encrypted in ENCRYPTED:
        table = encrypted.table
        values: dict[str, Any] = {name: bindparam(f"new_{name}") for name in encrypted.columns}
        if encrypted.lookup:
            values[encrypted.lookup[0]] = bindparam("new_key")  # the phone's hash under the new secret
        change = update(table).where(table.c.id == bindparam("row_id")).values(**values)
        for uow, rows in _batches(app, encrypted, progress):
            changes = []
            for row in rows:
                tokens = dict(zip(encrypted.columns, row[1:], strict=True))
                if all(cipher.is_current(token) for token in tokens.values()):
                    continue
                if not all(encrypted.opens(cipher, token) for token in tokens.values()):
                    raise ConflictError(f"{encrypted.noun} {row.id} 的个人信息不是用当前或旧密钥加密的：请把加密它的"
                                        "密钥加入 JIESU_OLD_SECRET_KEYS 后重新运行（已完成的批次不会重做）",
                                        field="JIESU_OLD_SECRET_KEYS")
                plain = {name: encrypted.decrypt(cipher, token) for name, token in tokens.items()}
                change_row = {"row_id": row.id, **{f"new_{name}": encrypted.encrypt(cipher, value)
                                                   for name, value in plain.items()}}
                if encrypted.lookup:
                    change_row["new_key"] = cipher.lookup_key(plain[encrypted.lookup[1]])
                changes.append(change_row)
            scanned += len(rows)
            if changes:
                uow.connection.execute(change, changes)
                record(uow.connection, app.now(), by, "secret.rotate",
                       f"{encrypted.noun} {changes[0]['row_id']}–{changes[-1]['row_id']}", {"rows": len(changes)})
                uow.commit()
                rotated, batches = rotated + len(changes), batches + 1
    return Rotated(scanned, rotated, batches)


def unreadable_recent(app: App) -> list[int]:
    """Ids among the latest cases with personal data that no configured secret opens: a server started with the
    wrong secret would fail on every one of them (checked before serving)."""
    cipher, r = app.cipher, t.requests
    with app.uow(read_only=True) as uow:
        rows = uow.connection.execute(select(r.c.id, r.c.requester_name, r.c.requester_phone).where(CASES.has_data())
                                      .order_by(r.c.id.desc()).limit(PROBE)).all()
    return [row.id for row in rows if not (cipher.opens(row.requester_name) and cipher.opens(row.requester_phone))]
