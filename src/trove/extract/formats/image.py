"""Images (PNG, JPEG, TIFF, GIF, BMP, WebP): EXIF metadata and OCR of each page.

Every frame of a multi-page TIFF is a page; animated GIF and WebP are read from their
first frame only (their frames are near-identical, and OCR costs seconds each). Pillow's
decompression-bomb guard is a hard limit here: its warning is raised as an error too.
"""

from __future__ import annotations

import warnings
from datetime import datetime
from fractions import Fraction
from pathlib import Path
from typing import Any, ClassVar

from PIL import ExifTags, Image, ImageSequence, UnidentifiedImageError

from trove.errors import ExtractionError, LimitExceeded, UnsupportedFormat
from trove.extract.base import Extractor
from trove.extract.ocr import ocr_image
from trove.extract.records import Context, Extraction, Page

MAX_TAG_TEXT = 2000
SKIP_TAGS = frozenset({"MakerNote", "UserComment", "PrintImageMatching", "ExifOffset",
                       "GPSInfo", "StripOffsets", "StripByteCounts", "TileOffsets",
                       "TileByteCounts", "JPEGInterchangeFormat", "XMLPacket",
                       "InterColorProfile", "ImageResources", "IPTCNAA"})
PAGED_FORMATS = frozenset({"TIFF", "MPO"})


def _value(value: Any) -> Any:
    """An EXIF value as JSON: rationals as floats, bytes as text when they are text."""
    if isinstance(value, bytes):
        text = value.rstrip(b"\x00").decode("utf-8", "replace")
        return text[:MAX_TAG_TEXT] if text.isprintable() else None
    if isinstance(value, str):
        return value.rstrip("\x00").strip()[:MAX_TAG_TEXT]
    if isinstance(value, tuple | list):
        items = [_value(v) for v in value[:64]]
        return [v for v in items if v is not None]
    if isinstance(value, int | bool):
        return value
    try:
        number = float(value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    return round(number, 6) if number == number and abs(number) != float("inf") else None


def exif_date(value: Any, offset: Any = None) -> str | None:
    """"2020:01:02 03:04:05" (with an optional "+08:00" offset tag) as ISO 8601."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.strptime(value.strip()[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    iso = moment.isoformat()
    if isinstance(offset, str) and len(offset.strip()) == 6 and offset.strip()[0] in "+-":
        iso += offset.strip()
    return iso


def _degrees(dms: Any, ref: Any) -> float | None:
    try:
        d, m, s = (Fraction(float(x)) for x in dms)
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return None
    degrees = float(d + m / 60 + s / 3600)
    if isinstance(ref, str) and ref.strip().upper() in ("S", "W"):
        degrees = -degrees
    return round(degrees, 7)


def exif_metadata(image: Image.Image) -> dict[str, Any]:
    """Camera, dates, GPS and every readable EXIF tag of `image`."""
    exif = image.getexif()
    tags: dict[str, Any] = {}
    for ifd in (exif, exif.get_ifd(ExifTags.IFD.Exif)):
        for tag, raw in ifd.items():
            name = ExifTags.TAGS.get(tag, f"0x{tag:04x}")
            if name not in SKIP_TAGS:
                value = _value(raw)
                if value not in (None, "", []):
                    tags[name] = value
    meta: dict[str, Any] = {}
    for key, name in (("Make", "camera_make"), ("Model", "camera_model")):
        if isinstance(tags.get(key), str):
            meta[name] = tags[key]
    taken = exif_date(tags.get("DateTimeOriginal"), tags.get("OffsetTimeOriginal"))
    digitized = exif_date(tags.get("DateTimeDigitized"), tags.get("OffsetTimeDigitized"))
    changed = exif_date(tags.get("DateTime"), tags.get("OffsetTime"))
    if taken:
        meta["taken"] = taken
    if digitized or taken:
        meta["created"] = digitized or taken
    if changed:
        meta["modified"] = changed
    gps_ifd = exif.get_ifd(ExifTags.IFD.GPSInfo)
    if gps_ifd:
        gps = {ExifTags.GPSTAGS.get(k, str(k)): v for k, v in gps_ifd.items()}
        lat = _degrees(gps.get("GPSLatitude"), gps.get("GPSLatitudeRef"))
        lon = _degrees(gps.get("GPSLongitude"), gps.get("GPSLongitudeRef"))
        if lat is not None and lon is not None and abs(lat) <= 90 and abs(lon) <= 180:
            point: dict[str, float] = {"lat": lat, "lon": lon}
            altitude = _value(gps.get("GPSAltitude"))
            if isinstance(altitude, float | int):
                below = gps.get("GPSAltitudeRef") in (1, b"\x01")
                point["alt"] = -float(altitude) if below else float(altitude)
            meta["gps"] = point
    if tags:
        meta["exif"] = tags
    return meta


class ImageExtractor(Extractor):
    name: ClassVar[str] = "image"
    mime_types: ClassVar[frozenset[str]] = frozenset({
        "image/png", "image/jpeg", "image/tiff", "image/gif", "image/bmp", "image/x-ms-bmp",
        "image/webp", "image/x-portable-pixmap", "image/x-portable-greymap"})
    extensions: ClassVar[frozenset[str]] = frozenset({
        ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".gif", ".bmp", ".webp"})
    magic: ClassVar[tuple[bytes, ...]] = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00",
                                          b"MM\x00*", b"GIF87a", b"GIF89a")
    score: ClassVar[int] = 40

    def extract(self, path: Path, ctx: Context) -> Extraction:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            try:
                with Image.open(path) as image:
                    return self._extract(image, ctx)
            except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
                raise LimitExceeded(f"image too large to decode safely: {exc}") from exc
            except UnidentifiedImageError as exc:
                raise UnsupportedFormat("not an image Pillow can read") from exc

    def _extract(self, image: Image.Image, ctx: Context) -> Extraction:
        meta: dict[str, Any] = {"width": image.width, "height": image.height,
                                "image_format": image.format or ""}
        try:
            meta.update(exif_metadata(image))
        except (OSError, ValueError, SyntaxError, KeyError, TypeError) as exc:
            meta["exif_error"] = str(exc)[:200]
        frames = getattr(image, "n_frames", 1) if image.format in PAGED_FORMATS else 1
        if frames > 1:
            meta["page_count"] = frames
        if not ctx.ocr.enabled:
            return Extraction("extracted", metadata=meta)
        pages: list[Page] = []
        problems: list[str] = []
        engines: set[str] = set()
        hint: str | None = None  # the script OCR found on an earlier frame
        for index, frame in enumerate(ImageSequence.Iterator(image)):
            if index >= frames:
                break
            number = index + 1
            if index >= ctx.ocr.max_pages:
                pages.append(Page(number, "", error="OCR page limit reached"))
                problems.append(f"page {number}: OCR page limit reached")
                continue
            try:
                frame.load()
                result = ocr_image(frame.copy(), ctx.ocr, hint=hint)
                hint = result.script or hint
            except (ExtractionError, OSError, ValueError, SyntaxError) as exc:
                if isinstance(exc, LimitExceeded) and frames == 1:
                    raise
                reason = str(exc)[:200] or type(exc).__name__
                pages.append(Page(number, "", error=reason))
                problems.append(f"page {number}: {reason}")
                continue
            if result.engine:
                engines.add(result.engine)
            pages.append(Page(number, result.text, ocr=bool(result.engine),
                              ocr_engine=result.engine or None,
                              confidence=result.confidence))
        if engines:
            meta["ocr_engine"] = ", ".join(sorted(engines))
        if problems and not any(p.text for p in pages) and frames == 1:
            raise ExtractionError(problems[0][:300])
        if problems:
            return Extraction("partial", pages=tuple(pages), metadata=meta,
                              reason="; ".join(problems[:3])[:300])
        return Extraction("extracted", pages=tuple(pages), metadata=meta)


__all__ = ["ImageExtractor", "exif_date", "exif_metadata"]
