"""Identification by content: libmagic's verdict, refined for containers it cannot see into.

libmagic (through python-magic) names most formats from their magic bytes. Two families
need a closer look, done here: ZIP-based documents (OOXML, OpenDocument, EPUB), whose
type is in their member names, and OLE2 compound files (legacy Office, Outlook .msg,
encrypted OOXML), whose type is in their stream names. The file-name extension is only
compared with the result: a mismatch is recorded and the content wins.
"""

from __future__ import annotations

import mimetypes
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import magic
import olefile

from trove.extract.encoding import sniff_utf16_32

HEAD_SIZE = 8192
GENERIC = frozenset({"application/octet-stream", "text/plain", "application/x-empty",
                     "inode/x-empty"})

WEAK_GUESSES = frozenset({"application/x-adobe-aco"})
OOXML = {
    "word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
OLE_TYPES = (
    ("WordDocument", "application/msword"),
    ("Workbook", "application/vnd.ms-excel"),
    ("Book", "application/vnd.ms-excel"),
    ("PowerPoint Document", "application/vnd.ms-powerpoint"),
    ("EncryptedPackage", "application/x-ooxml-encrypted"),
)
# Extensions whose usual MIME type differs from what libmagic and this module report.
EXTRA_EXTENSIONS = {
    ".eml": {"message/rfc822"}, ".emlx": {"message/rfc822", "text/plain"},
    ".msg": {"application/vnd.ms-outlook"}, ".mbox": {"application/mbox"},
    ".pst": {"application/vnd.ms-outlook-pst"}, ".ost": {"application/vnd.ms-outlook-pst"},
    ".7z": {"application/x-7z-compressed"}, ".rar": {"application/x-rar",
                                                   "application/vnd.rar"},
    ".tgz": {"application/gzip"}, ".gz": {"application/gzip"}, ".bz2": {"application/x-bzip2"},
    ".xz": {"application/x-xz"}, ".tif": {"image/tiff"}, ".tiff": {"image/tiff"},
    ".webp": {"image/webp"}, ".md": {"text/markdown"}, ".csv": {"text/csv"},
    ".json": {"application/json"}, ".rtf": {"text/rtf", "application/rtf"},
    ".doc": {"application/msword", "text/rtf"},  # Word happily saves RTF as .doc
    ".xls": {"application/vnd.ms-excel"}, ".ppt": {"application/vnd.ms-powerpoint"},
    ".jpg": {"image/jpeg"}, ".jpeg": {"image/jpeg"}, ".heic": {"image/heic"},
}


@dataclass(frozen=True)
class FileType:
    """What a file is, by its content, and what its name claimed."""

    mime: str
    description: str
    extension: str  # lower-case with the dot, from the name where the file was found
    head: bytes  # the first bytes, for extractors that check magic themselves
    size: int

    @property
    def generic(self) -> bool:
        """True when the content alone does not decide the format (plain text, unknown)."""
        return self.mime in GENERIC or self.mime.startswith("text/")

    @property
    def extension_types(self) -> set[str]:
        known = set(EXTRA_EXTENSIONS.get(self.extension, set()))
        guessed = mimetypes.types_map.get(self.extension)
        if guessed:
            known.add(guessed)
        return known

    @property
    def mismatch(self) -> bool:
        """The extension names a different kind of file than the content is."""
        claimed = self.extension_types
        if not claimed or self.mime in GENERIC or self.mime in claimed:
            return False
        if self.mime.startswith("text/") and any(c.startswith("text/") for c in claimed):
            return False
        # A container named after its own family (e.g. .zip for an OOXML) is not a lie.
        family = {"application/zip", "application/x-ole-storage", "application/CDFV2"}
        return not (claimed & family and self.mime in set(OOXML.values()))

    def as_metadata(self) -> dict[str, object]:
        out: dict[str, object] = {"mime": self.mime, "description": self.description}
        if self.mismatch:
            out["extension_mismatch"] = {
                "extension": self.extension,
                "extension_suggests": sorted(self.extension_types),
                "content_is": self.mime,
            }
        return out


def _refine_zip(path: Path) -> str | None:
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            if "mimetype" in names:
                declared = archive.read("mimetype")[:100].decode("ascii", "replace").strip()
                if declared.startswith(("application/vnd.oasis.opendocument",
                                        "application/epub+zip")):
                    return declared
            if "[Content_Types].xml" in names:
                for prefix, mime in OOXML.items():
                    if any(name.startswith(prefix) for name in names):
                        return mime
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return None
    return None


def _refine_ole(path: Path) -> str | None:
    try:
        with olefile.OleFileIO(str(path)) as ole:
            streams = {"/".join(entry) for entry in ole.listdir(streams=True, storages=True)}
    except (OSError, ValueError, IndexError, TypeError, RecursionError):
        return None
    for stream, mime in OLE_TYPES:
        if stream in streams:
            return mime
    if any(s.startswith(("__substg1.0_", "__properties_version1.0")) for s in streams):
        return "application/vnd.ms-outlook"
    return None


def _refine_text(path: Path, head: bytes, extension: str) -> str | None:
    if head.startswith(b"From ") and b"\n" in head:
        lines = head.split(b"\n", 8)
        if any(line.lower().startswith((b"from:", b"subject:", b"date:", b"received:",
                                         b"return-path:", b"message-id:"))
               for line in lines[1:]):
            return "application/mbox"
    by_extension = {".csv": "text/csv", ".tsv": "text/tab-separated-values",
                    ".json": "application/json", ".md": "text/markdown"}
    return by_extension.get(extension)


def identify(path: Path, name: str = "") -> FileType:
    """Identify the file at `path`; `name` is where it was found (for the extension)."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        head = handle.read(HEAD_SIZE)
    extension = PurePosixPath(name or path.name).suffix.lower()
    if size == 0:
        return FileType("application/x-empty", "empty", extension, head, size)
    try:
        mime = magic.from_file(str(path), mime=True)
        description = magic.from_file(str(path))
    except (magic.MagicException, OSError, ValueError):
        mime, description = "application/octet-stream", "unknown"
    refined: str | None = None
    if "(COM)" in description or mime in WEAK_GUESSES:
        # Rules with no real magic number: libmagic's COM-executable rule fires on many
        # 8-bit texts (Mac Cyrillic, say), its colour-swatch rule on UTF-32BE text.
        mime = "application/octet-stream"
    if mime == "application/octet-stream" and sniff_utf16_32(head):
        mime = "text/plain"  # UTF-16/32 without a byte order mark
    if head.startswith(b"!BDN"):  # libmagic calls Outlook stores by the .msg type
        refined = "application/vnd.ms-outlook-pst"
    elif head.startswith(b"PK\x03\x04") or mime in {"application/zip", "application/epub+zip"}:
        refined = _refine_zip(path)
    elif head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        refined = _refine_ole(path) or "application/x-ole-storage"
    elif mime in GENERIC or mime.startswith("text/"):
        refined = _refine_text(path, head, extension)
    if refined:
        mime = refined
    return FileType(mime, description[:300], extension, head, size)
