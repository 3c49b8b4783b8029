"""What a camera or an editing program writes into a picture beside the picture — where it was taken (GPS), when,
the device and its serial number, the owner's name, comments — taken out of every 现场照片 before it is stored, so
that a citizen's photo does not show a unit where they live and a unit's photo does not show a citizen who took it.

The picture itself is not decoded or encoded again (no loss, no image library): a JPEG keeps its JFIF header,
colour profile (APP2 ICC) and Adobe colour transform (APP14) and loses its Exif and XMP (APP1), every other
application segment, its comments and whatever follows its end; the one Exif field that changes how it looks, the orientation a phone
records instead of turning the pixels, is written back alone. A PNG loses its text chunks, its Exif chunk and its
modification time. A file whose structure is broken is refused: what it carries cannot be told."""

from __future__ import annotations

import struct

from jiesu.domain.errors import InvalidInput

JPEG_KEPT = {0xE0, 0xE2, 0xEE}  # APP0 (JFIF), APP2 (ICC profile), APP14 (Adobe): how to show the picture
PNG_DROPPED = {b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"tIME"}
ORIENTATION = 0x0112
BROKEN = "照片文件不完整或已损坏：请重新拍摄或重新选择"


def without_metadata(data: bytes, content_type: str, field: str = "photos") -> bytes:
    """The picture without what was written beside it; InvalidInput naming `field` when its structure is broken."""
    try:
        if content_type == "image/jpeg":
            return _jpeg(data)
        if content_type == "image/png":
            return _png(data)
    except (IndexError, ValueError, struct.error):
        raise InvalidInput(BROKEN, field=field) from None
    return data


def _jpeg(data: bytes) -> bytes:
    if data[:2] != b"\xff\xd8":
        raise ValueError("no SOI")
    kept, at, orientation = [b"\xff\xd8"], 2, 1
    while True:
        if data[at] != 0xFF:
            raise ValueError("not a marker")
        while data[at] == 0xFF:  # fill bytes may pad a marker
            at += 1
        marker = data[at]
        at += 1
        if marker == 0xD9:  # EOI before any scan: nothing to show, but nothing hidden either
            kept.append(b"\xff\xd9")
            return b"".join(kept)
        (length,) = struct.unpack(">H", data[at:at + 2])
        if length < 2 or at + length > len(data):
            raise ValueError("segment past the end")
        segment = data[at - 2:at + length]
        if marker == 0xDA:  # start of scan: the picture itself, as it is, to its end (in the coded data a 0xFF
            # is always followed by 0x00 or a restart marker, so the first FFD9 ends it); what a camera appends
            # after it — the further pictures of a multi-picture file, with their own Exif — is left out
            end = data.find(b"\xff\xd9", at)
            if end < 0:
                raise ValueError("no EOI")
            if orientation != 1:  # where a camera writes it: right after SOI
                kept.insert(1, _orientation_segment(orientation))
            kept.append(data[at - 2:end + 2])
            return b"".join(kept)
        if marker == 0xE1 and data[at + 2:at + 8] == b"Exif\x00\x00":
            orientation = _orientation(data[at + 8:at + length])
        shows = marker in JPEG_KEPT and (marker != 0xE2 or data[at + 2:at + 14] == b"ICC_PROFILE\x00")
        if not (0xE0 <= marker <= 0xEF or marker == 0xFE) or shows:
            kept.append(segment)  # tables, frame headers and the segments that say how to show it
        at += length


def _orientation(tiff: bytes) -> int:
    """The Orientation of the first image directory of an Exif block (1, as recorded upright, when absent)."""
    order = {b"II": "<", b"MM": ">"}.get(tiff[:2])
    if order is None:
        return 1
    (first,) = struct.unpack(order + "I", tiff[4:8])
    (entries,) = struct.unpack(order + "H", tiff[first:first + 2])
    for n in range(entries):
        entry = tiff[first + 2 + 12 * n:first + 14 + 12 * n]
        tag, kind = struct.unpack(order + "HH", entry[:4])
        if tag == ORIENTATION and kind == 3:  # SHORT
            (value,) = struct.unpack(order + "H", entry[8:10])
            return value if 1 <= value <= 8 else 1
    return 1


def _orientation_segment(orientation: int) -> bytes:
    """An Exif segment holding only the orientation (big-endian TIFF, one directory, one entry)."""
    tiff = b"MM\x00\x2a\x00\x00\x00\x08" + struct.pack(">HHHIHH", 1, ORIENTATION, 3, 1, orientation, 0) + b"\x00" * 4
    payload = b"Exif\x00\x00" + tiff
    return b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload


def _png(data: bytes) -> bytes:
    signature = b"\x89PNG\r\n\x1a\n"
    if data[:8] != signature:
        raise ValueError("no signature")
    kept, at = [signature], 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at:at + 4])
        kind, end = data[at + 4:at + 8], at + 12 + length
        if end > len(data):
            raise ValueError("chunk past the end")
        if kind not in PNG_DROPPED:
            kept.append(data[at:end])
        at = end
        if kind == b"IEND":
            return b"".join(kept)
    raise ValueError("no IEND")
