"""Safe reading of XML parts inside ZIP packages (OOXML, OpenDocument).

The parser never resolves entities, loads DTDs or touches the network, and refuses
trees too large for libxml2's default limits. Members are read only after their declared
size and compression ratio pass the context's limits: Python's zipfile stops at the
declared size, so checking the central directory is enough to bound what is inflated.
"""

from __future__ import annotations

import zipfile
import zlib

from lxml import etree

from trove.errors import ExtractionError, LimitExceeded
from trove.extract.records import Limits

__all__ = ["PackageReader", "attr", "local", "open_package", "parse_xml"]

# An XML part larger than this is not a document anyone wrote by hand; it is refused even
# when the archive limits would allow it, because lxml holds the whole tree in memory.
MAX_XML_PART = 256 * 1024**2
# Tiny members compress extraordinarily well (a run of spaces); the ratio limit only
# applies to members big enough to matter.
RATIO_FLOOR = 1024**2


def local(el: etree._Element) -> str:
    """Local name of an element; namespaces differ between transitional and strict OOXML."""
    tag = el.tag
    if not isinstance(tag, str):  # comments and processing instructions
        return ""
    return tag.rsplit("}", 1)[-1]


def attr(el: etree._Element, name: str) -> str | None:
    """An attribute by local name, whatever its namespace."""
    for key, value in el.attrib.items():
        if str(key).rsplit("}", 1)[-1] == name:
            return str(value)
    return None


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                           load_dtd=False, dtd_validation=False, recover=True,
                           remove_comments=True, remove_pis=True)


def parse_xml(data: bytes) -> etree._Element:
    """Parse one XML part; a part with no usable root is an `ExtractionError`."""
    try:
        root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as exc:
        raise ExtractionError(f"unreadable XML: {exc}") from exc
    if root is None:
        raise ExtractionError("unreadable XML: empty document")
    return root


class PackageReader:
    """A ZIP package whose members are read under the limits against bombs."""

    def __init__(self, archive: zipfile.ZipFile, limits: Limits, compressed_size: int) -> None:
        self.archive = archive
        self.limits = limits
        self.names = set(archive.namelist())
        self._infos = {info.filename: info for info in archive.infolist()}
        self.check_all(compressed_size)

    def check_all(self, compressed_size: int) -> None:
        """Refuse the whole package when its members together expand beyond the limits."""
        if len(self._infos) > self.limits.max_archive_members:
            raise LimitExceeded(f"package has {len(self._infos)} members, over the limit "
                                f"of {self.limits.max_archive_members}")
        total = sum(info.file_size for info in self._infos.values())
        if total > self.limits.max_archive_total:
            raise LimitExceeded(f"package expands to {total} bytes, over the limit of "
                                f"{self.limits.max_archive_total}")
        if total > RATIO_FLOOR and total / max(compressed_size, 1) > \
                self.limits.max_archive_ratio:
            raise LimitExceeded(f"package expands {total / max(compressed_size, 1):.0f} "
                                f"times, over the ratio limit of "
                                f"{self.limits.max_archive_ratio:.0f}")
        for info in self._infos.values():
            self._check(info)

    def _check(self, info: zipfile.ZipInfo) -> None:
        size = info.file_size
        if size > RATIO_FLOOR and size / max(info.compress_size, 1) > \
                self.limits.max_archive_ratio:
            raise LimitExceeded(f"member {info.filename[:80]!r} expands "
                                f"{size / max(info.compress_size, 1):.0f} times, over the "
                                f"ratio limit of {self.limits.max_archive_ratio:.0f}")

    def read(self, name: str) -> bytes:
        info = self._infos.get(name)
        if info is None:
            raise KeyError(name)
        if name.endswith((".xml", ".rels")) and info.file_size > MAX_XML_PART:
            raise LimitExceeded(f"XML part {name[:80]!r} is {info.file_size} bytes, over "
                                f"{MAX_XML_PART}")
        try:
            return self.archive.read(info)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError,
                NotImplementedError, RuntimeError) as exc:
            # RuntimeError: a member encrypted with the legacy ZIP cipher.
            raise ExtractionError(f"corrupt package member {name[:80]!r}: {exc}") from exc

    def xml(self, name: str) -> etree._Element | None:
        """The parsed part, or None when the package has no such member."""
        if name not in self.names:
            return None
        return parse_xml(self.read(name))


def open_package(path: str, limits: Limits, compressed_size: int) -> tuple[zipfile.ZipFile,
                                                                         PackageReader]:
    """Open a ZIP package; a file that is not a readable ZIP is an `ExtractionError`."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        raise ExtractionError(f"corrupt or truncated package: {exc}") from exc
    try:
        return archive, PackageReader(archive, limits, compressed_size)
    except BaseException:
        archive.close()
        raise
