"""现场照片 lose what the camera wrote beside the picture (place, owner, device, comments) before they are stored;
the picture itself and what says how to show it (JFIF, colour profile, orientation) stay byte for byte."""

from __future__ import annotations

import struct
import zlib

import pytest

from jiesu.domain.errors import InvalidInput
from jiesu.services.image_metadata import without_metadata
from tests.support import png


def segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def exif(orientation: int, artist: str, order: str = "<") -> bytes:
    """An Exif block whose first directory holds the orientation and the owner's name (Artist)."""
    name = artist.encode() + b"\x00"
    mark = b"II" if order == "<" else b"MM"
    entries = (struct.pack(order + "HHIHH", 0x0112, 3, 1, orientation, 0)
               + struct.pack(order + "HHII", 0x013B, 2, len(name), 8 + 2 + 2 * 12 + 4))
    tiff = mark + struct.pack(order + "HI", 42, 8) + struct.pack(order + "H", 2) + entries + b"\x00" * 4 + name
    return b"Exif\x00\x00" + tiff


SCAN = segment(0xDA, b"\x01\x01\x00\x00\x3f\x00") + b"\x12\xff\x00\x34\xff\xd3\x56" + b"\xff\xd9"  # coded data
HEAD = segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
TABLES = segment(0xDB, b"\x00" + bytes(range(64)))
ICC = segment(0xE2, b"ICC_PROFILE\x00\x01\x01" + b"profile")


def jpeg(*extra: bytes, trailer: bytes = b"") -> bytes:
    return b"\xff\xd8" + HEAD + b"".join(extra) + ICC + TABLES + SCAN + trailer


@pytest.mark.parametrize("order", ["<", ">"])
def test_a_jpeg_loses_its_exif_comments_and_appended_pictures_but_keeps_its_orientation(order):
    camera = jpeg(segment(0xE1, exif(6, "张三 GPS 39.9N", order)),
                  segment(0xE1, "http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta>李四</x:xmpmeta>".encode()),
                  segment(0xE2, b"MPF\x00MM\x00\x2a"), segment(0xED, "Photoshop 3.0\x008BIM王五".encode()),
                  segment(0xFE, "拍摄：赵六".encode()),
                  trailer=b"\xff\xd8" + segment(0xE1, exif(1, "second picture")) + b"\xff\xd9")
    clean = without_metadata(camera, "image/jpeg")
    for secret in ("张三", "李四", "王五", "赵六", "second picture", "MPF"):
        assert secret.encode() not in clean
    orientation = segment(0xE1, b"Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08" + struct.pack(">HHHIHH", 1, 0x0112, 3, 1, 6, 0)
                          + b"\x00" * 4)
    assert clean == b"\xff\xd8" + orientation + HEAD + ICC + TABLES + SCAN  # the picture and how to show it


def test_an_upright_jpeg_gets_no_exif_at_all_and_a_clean_one_is_unchanged():
    assert without_metadata(jpeg(segment(0xE1, exif(1, "张三"))), "image/jpeg") == jpeg()
    assert without_metadata(jpeg(), "image/jpeg") == jpeg()


def test_a_png_loses_its_text_exif_and_time_chunks():
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    picture = png()
    tagged = (picture[:-12] + chunk(b"tEXt", "Author\x00张三".encode()) + chunk(b"eXIf", b"MM\x00\x2aGPS")
              + chunk(b"tIME", bytes(7)) + chunk(b"iTXt", "Comment\x00\x00\x00\x00\x00李四".encode()) + picture[-12:])
    assert without_metadata(tagged, "image/png") == picture


@pytest.mark.parametrize("broken", [b"\xff\xd8" + HEAD[:5], jpeg()[:-2], b"\xff\xd8\x00\x00", png()[:-6]])
def test_a_picture_whose_structure_is_broken_is_refused_naming_the_field(broken):
    kind = "image/png" if broken.startswith(b"\x89PNG") else "image/jpeg"
    with pytest.raises(InvalidInput) as refused:
        without_metadata(broken, kind, field="photos")
    assert refused.value.field == "photos" and "损坏" in refused.value.message
