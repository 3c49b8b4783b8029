"""现场照片: pictures of the matter — the requester's, sent with the request (portal, intake, API) or added later
(补充诉求), and the unit's, sent with 办理进展 and 办结答复 (the scene, the work done). A photo may show a face, a
plate or a home, so it is kept encrypted like the rest of the personal data, shown only to those who may read the
case and, on the portal, to its requester (their own photos and those of the reply). The same table keeps the picture addresses an Open311 client
gives (`media_url`): addresses only, never fetched."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select

from jiesu.bootstrap import App
from jiesu.domain.errors import InvalidInput, NotFound
from jiesu.domain.request import CitizenRequest, Event
from jiesu.domain.workflow import Action
from jiesu.services.access import require_read
from jiesu.services.image_metadata import without_metadata
from jiesu.services.users import Principal
from jiesu.storage import tables as t
from jiesu.storage.cipher import PersonalDataCipher

MAX_BYTES = 5 * 1024 * 1024
MAX_PER_STEP = 5
TYPES = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}  # by their first bytes, not their name
WITH_STEPS = frozenset({Action.REGISTER, Action.SUPPLEMENT, Action.NOTE_PROGRESS, Action.REPORT_BACK,
                        Action.RESOLVE})  # the steps a
# photo may come with
SHOWN_TO_REQUESTER = frozenset({Action.REGISTER, Action.SUPPLEMENT, Action.RESOLVE})  # theirs, and the reply's
REQUESTER_LINK_SECONDS = 3600  # how long a link shown on the portal opens its photo
MEDIA_URL_TYPE = "text/uri-list"  # a row that is only the address of a picture hosted elsewhere


@dataclass(frozen=True)
class Photo:
    id: int
    request_id: int
    seq: int  # the step of the case it came with
    content_type: str
    size: int
    at: datetime


def checked(photos: Sequence[bytes], field: str = "photos") -> list[tuple[bytes, str]]:
    """The photos with their types, without what the camera wrote beside the picture (`image_metadata.py`), or
    InvalidInput naming the field: too many, too large, not a JPEG or PNG, broken. Empty ones (a file input left
    empty) are dropped."""
    photos = [data for data in photos if data]
    if len(photos) > MAX_PER_STEP:
        raise InvalidInput(f"每次最多上传 {MAX_PER_STEP} 张照片，收到 {len(photos)} 张", field=field)
    typed = [(data, content_type(data, field)) for data in photos]
    return [(without_metadata(data, kind, field), kind) for data, kind in typed]


def content_type(data: bytes, field: str = "photos") -> str:
    if len(data) > MAX_BYTES:
        raise InvalidInput(f"照片不能超过 {MAX_BYTES // 1024 // 1024} MB", field=field)
    for magic, kind in TYPES.items():
        if data.startswith(magic):
            return kind
    raise InvalidInput("照片只接受 JPEG 或 PNG 图片", field=field)


def check_step(action: Action, field: str = "photos") -> None:
    if action not in WITH_STEPS:
        raise InvalidInput(f"「{action.label}」不能附照片：照片随受理、补充诉求、办理进展或办结答复上传", field=field)


def mark(step: Event, photos: Sequence[tuple[bytes, str]]) -> None:
    """Write how many photos came with the step (one `check_step` allows) into its record, before it is saved."""
    step.changes["photos"] = [None, len(photos)]


def attach(connection, cipher: PersonalDataCipher, request_id: int, step: Event,
           photos: Sequence[tuple[bytes, str]], at: datetime) -> None:
    """Store the checked photos with the step (`mark`ed) in the caller's transaction, encrypted."""
    if photos:
        connection.execute(insert(t.attachments), [
            {"request_id": request_id, "event_seq": step.seq, "content_type": kind, "size": len(data),
             "data": cipher.encrypt_bytes(data), "created_at": at} for data, kind in photos])


def attach_media_url(connection, request_id: int, step: Event, url: str, at: datetime) -> None:
    connection.execute(insert(t.attachments).values(request_id=request_id, event_seq=step.seq,
                                                    content_type=MEDIA_URL_TYPE, size=len(url), data=url.encode(),
                                                    created_at=at))


def listed(app: App, case: CitizenRequest) -> list[Photo]:
    """The case's photos (not the picture addresses), oldest first. A case none of whose steps brought photos (each
    step's record says how many: `mark`) is not looked up."""
    if not any(e.changes.get("photos") for e in case.events):
        return []
    a = t.attachments
    with app.uow(read_only=True) as uow:
        rows = uow.connection.execute(select(a.c.id, a.c.request_id, a.c.event_seq, a.c.content_type, a.c.size,
                                             a.c.created_at).where(a.c.request_id == case.id,
                                                                   a.c.content_type != MEDIA_URL_TYPE)
                                      .order_by(a.c.id)).all()
    return [Photo(r.id, r.request_id, r.event_seq, r.content_type, r.size, r.created_at) for r in rows]


def by_step(photos: Sequence[Photo]) -> dict[int, list[Photo]]:
    steps: dict[int, list[Photo]] = {}
    for photo in photos:
        steps.setdefault(photo.seq, []).append(photo)
    return steps


def for_requester(app: App, case: CitizenRequest) -> list[tuple[Action, str]]:
    """The photos the requester sees (their own, and the unit's sent with the reply): for each, the step it came
    with and its link (`requester_link`)."""
    actions = {e.seq: e.action for e in case.events}
    shown = [p for p in listed(app, case) if actions.get(p.seq) in SHOWN_TO_REQUESTER]
    return [(actions[p.seq], requester_link(app.cipher, p)) for p in shown]


def read(connection, cipher: PersonalDataCipher, request_id: int, photo_id: int) -> tuple[bytes, str]:
    """One photo of the case, decrypted, with its type. NotFound if the case has no such photo."""
    a = t.attachments
    row = connection.execute(select(a.c.data, a.c.content_type).where(
        a.c.id == photo_id, a.c.request_id == request_id, a.c.content_type != MEDIA_URL_TYPE)).first()
    if row is None:
        raise NotFound("没有这张照片", field="photo")
    return plain(cipher, row.data), row.content_type


def for_staff(app: App, principal: Principal, request_id: int, photo_id: int) -> tuple[bytes, str]:
    """One photo, for a member of staff who may read its case (NotFound otherwise, as for the case itself)."""
    with app.uow(read_only=True) as uow:
        require_read(principal, uow.requests.get(request_id))
        return read(uow.connection, app.cipher, request_id, photo_id)


def for_requester_link(app: App, token: str) -> tuple[bytes, str]:
    """The photo a link shown on the portal opens (`requester_link`), while it is valid."""
    request_id, photo_id = from_requester_link(app.cipher, token)
    with app.uow(read_only=True) as uow:
        return read(uow.connection, app.cipher, request_id, photo_id)


def plain(cipher: PersonalDataCipher, stored: bytes) -> bytes:
    """A stored photo's bytes: decrypted, or as they are for one stored before photos were encrypted (schema 0014
    and earlier; `jiesu secret rotate` encrypts those)."""
    stored = bytes(stored)
    return stored if in_clear(stored) else cipher.decrypt_bytes(stored)


def in_clear(stored: bytes) -> bool:
    return any(bytes(stored).startswith(magic) for magic in TYPES)


def requester_link(cipher: PersonalDataCipher, photo: Photo) -> str:
    """The portal's address of a photo, for the requester who opened the case: it carries the case and the photo,
    sealed, and opens for REQUESTER_LINK_SECONDS."""
    return "/portal/photos/" + cipher.seal_token(f"photo:{photo.request_id}:{photo.id}")


def from_requester_link(cipher: PersonalDataCipher, token: str) -> tuple[int, int]:
    """(case id, photo id) of a link from `requester_link`; NotFound for anything else, or for an expired one."""
    opened = cipher.open_token(token, ttl=REQUESTER_LINK_SECONDS)
    kind, _, ids = (opened or "").partition(":")
    request_id, _, photo_id = ids.partition(":")
    if kind != "photo" or not request_id.isdigit() or not photo_id.isdigit():
        raise NotFound("照片链接无效或已过期，请重新查询进度", field="photo")
    return int(request_id), int(photo_id)


def media_urls(connection, request_ids: list[int]) -> dict[int, str]:
    """The picture addresses given with the cases (Open311 media_url), by case id."""
    if not request_ids:
        return {}
    a = t.attachments
    return {rid: data.decode() for rid, data in connection.execute(select(a.c.request_id, a.c.data).where(
        a.c.request_id.in_(request_ids), a.c.content_type == MEDIA_URL_TYPE))}

