"""Outlook .msg files (MS-OXMSG): an OLE compound file of MAPI properties.

Written by hand over olefile, because the one complete Python reader (extract-msg) is
GPL-licensed. The compressed-RTF decoder (MS-OXRTFCP, "LZFu") is written here too, for
the same reason; the RTF body is used only when there is neither a plain nor an HTML one.

Properties live in streams named `__substg1.0_TTTTYYYY` (tag, type: 001F UTF-16LE,
001E 8-bit in the message's code page, 0102 binary) and, for fixed-size values, in the
`__properties_version1.0` stream. Recipients and attachments are sub-storages.
Attachments become children; an embedded message (attach method 5) is written out as
a child .eml rebuilt from its properties (its transport headers when it has them), so
that the email extractor reads it like any other message.
"""

from __future__ import annotations

import codecs
import email.utils
import re
import struct
from datetime import UTC, datetime, timedelta
from email import policy
from email.header import Header
from email.message import EmailMessage
from email.parser import BytesParser, HeaderParser
from pathlib import Path
from typing import Any, ClassVar

import olefile

from trove.errors import ExtractionError
from trove.extract.base import Extractor
from trove.extract.formats.email_mime import decode_bytes, header_metadata
from trove.extract.htmltext import visible_text
from trove.extract.identify import FileType
from trove.extract.records import Child, Context, Extraction, State

__all__ = ["OutlookMsgExtractor", "decompress_rtf"]

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_RTF_BYTES = 64 * 1024**2
MAX_EMBED_DEPTH = 16
# Header sizes of the property stream: top-level message, embedded message, others.
TOP_HEADER, EMBEDDED_HEADER, CHILD_HEADER = 32, 24, 8
PT_STRING8, PT_UNICODE, PT_BINARY, PT_OBJECT = 0x001E, 0x001F, 0x0102, 0x000D
PT_LONG, PT_SYSTIME = 0x0003, 0x0040
# Property tags used here (MS-OXPROPS).
SUBJECT, MESSAGE_CLASS, TRANSPORT_HEADERS, CONVERSATION_TOPIC = 0x0037, 0x001A, 0x007D, 0x0070
SENDER_NAME, SENDER_EMAIL, SENDER_SMTP = 0x0C1A, 0x0C1F, 0x5D01
REPRESENTING_NAME, REPRESENTING_EMAIL = 0x0042, 0x0065
DISPLAY_TO, DISPLAY_CC, DISPLAY_BCC = 0x0E04, 0x0E03, 0x0E02
BODY, HTML, RTF_COMPRESSED = 0x1000, 0x1013, 0x1009
SUBMIT_TIME, DELIVERY_TIME, CREATED, MODIFIED = 0x0039, 0x0E06, 0x3007, 0x3008
MESSAGE_ID, IN_REPLY_TO, REFERENCES = 0x1035, 0x1042, 0x1039
MESSAGE_CODEPAGE, INTERNET_CPID = 0x3FFD, 0x3FDE
RECIP_NAME, RECIP_EMAIL, RECIP_SMTP, RECIP_TYPE = 0x3001, 0x3003, 0x39FE, 0x0C15
ATTACH_DATA, ATTACH_LONG_NAME, ATTACH_NAME, ATTACH_DISPLAY = 0x3701, 0x3707, 0x3704, 0x3001
ATTACH_MIME, ATTACH_CID, ATTACH_METHOD = 0x370E, 0x3712, 0x3705
ENCRYPTED_TYPES = frozenset({"application/pgp-encrypted", "application/pkcs7-mime",
                             "application/x-pkcs7-mime"})
RECIPIENT_FIELDS = {1: "to", 2: "cc", 3: "bcc"}
CODEPAGES = {65001: "utf-8", 20127: "ascii", 28591: "latin-1", 936: "gb18030", 54936: "gb18030",
             950: "big5hkscs", 932: "cp932", 949: "cp949", 50220: "iso2022_jp_2",
             50221: "iso2022_jp_ext", 50222: "iso2022_jp", 51932: "euc_jp", 51949: "cp949",
             52936: "hz", 20936: "gb18030", 1200: "utf-16-le"}
# The dictionary every LZFu stream starts from (MS-OXRTFCP 2.1.2.1): 207 bytes.
RTF_PREBUF = (b"{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman \\fswiss "
              b"\\fmodern \\fscript \\fdecor MS Sans SerifSymbolArialTimes New RomanCourier"
              b"{\\colortbl\\red0\\green0\\blue0\r\n\\par \\pard\\plain\\f0\\fs20\\b\\i\\u\\tab"
              b"\\tx")


def decompress_rtf(data: bytes, limit: int = MAX_RTF_BYTES) -> bytes:
    """The RTF held in a PR_RTF_COMPRESSED value (MS-OXRTFCP)."""
    if len(data) < 16:
        raise ValueError("compressed RTF header truncated")
    comp_size, raw_size, kind, _crc = struct.unpack_from("<IIII", data)
    if kind == 0x414C454D:  # "MELA": stored uncompressed
        return data[16:16 + min(raw_size, limit)]
    if kind != 0x75465A4C:  # "LZFu"
        raise ValueError(f"unknown RTF compression {kind:#x}")
    src = data[16:4 + comp_size]
    window = bytearray(4096)
    window[:len(RTF_PREBUF)] = RTF_PREBUF
    write = len(RTF_PREBUF)
    out = bytearray()
    i = 0
    while i < len(src) and len(out) < limit:
        control = src[i]
        i += 1
        for bit in range(8):
            if i >= len(src):
                break
            if not control & (1 << bit):
                window[write] = src[i]
                out.append(src[i])
                write = (write + 1) & 0xFFF
                i += 1
                continue
            if i + 1 >= len(src):
                return bytes(out)
            reference = (src[i] << 8) | src[i + 1]
            i += 2
            offset, length = reference >> 4, (reference & 0xF) + 2
            if offset == write:  # the end marker
                return bytes(out)
            for _ in range(length):
                byte = window[offset]
                out.append(byte)
                window[write] = byte
                offset, write = (offset + 1) & 0xFFF, (write + 1) & 0xFFF
    return bytes(out)


def _filetime(value: int) -> str | None:
    if value <= 0 or value >= 0x7FFFFFFFFFFFFFFF:
        return None
    try:
        when = datetime(1601, 1, 1, tzinfo=UTC) + timedelta(microseconds=value // 10)
    except OverflowError:
        return None
    return when.isoformat() if 1970 <= when.year <= 2200 else None


class _Object:
    """The properties of one MAPI object (a message, recipient or attachment)."""

    def __init__(self, ole: olefile.OleFileIO, prefix: list[str], header: int,
                 entries: set[tuple[str, ...]], codepage: str | None = None) -> None:
        self.ole, self.prefix, self.entries = ole, prefix, entries
        self.fixed: dict[int, tuple[int, bytes]] = {}
        data = self._read("__properties_version1.0")
        for offset in range(header, len(data or b"") - 15, 16):
            kind, tag, _flags, value = struct.unpack_from("<HHI8s", data or b"", offset)
            self.fixed[tag] = (kind, value)
        cpid = self.long(INTERNET_CPID) or self.long(MESSAGE_CODEPAGE)
        self.codepage = _codepage(cpid) if cpid else codepage

    def _read(self, name: str) -> bytes | None:
        path = (*self.prefix, name)
        if path not in self.entries:
            return None
        try:
            with self.ole.openstream(list(path)) as stream:
                data: bytes = stream.read()
                return data
        except (OSError, ValueError, IndexError, TypeError) as exc:
            raise _StreamError("/".join(path)) from exc

    def has_storage(self, tag: int, kind: int) -> bool:
        return (*self.prefix, f"__substg1.0_{tag:04X}{kind:04X}") in self.entries

    def string(self, tag: int) -> str | None:
        data = self._read(f"__substg1.0_{tag:04X}{PT_UNICODE:04X}")
        if data is not None:
            return data.decode("utf-16-le", "replace").split("\x00", 1)[0]
        data = self._read(f"__substg1.0_{tag:04X}{PT_STRING8:04X}")
        if data is not None:
            return decode_bytes(data.split(b"\x00", 1)[0], self.codepage)
        return None

    def binary(self, tag: int) -> bytes | None:
        return self._read(f"__substg1.0_{tag:04X}{PT_BINARY:04X}")

    def long(self, tag: int) -> int | None:
        kind, value = self.fixed.get(tag, (0, b""))
        return int(struct.unpack_from("<i", value)[0]) if kind == PT_LONG else None

    def time(self, tag: int) -> str | None:
        kind, value = self.fixed.get(tag, (0, b""))
        return _filetime(struct.unpack_from("<q", value)[0]) if kind == PT_SYSTIME else None

    def substorages(self, kind: str) -> list[list[str]]:
        depth = len(self.prefix) + 1
        names = sorted({e[len(self.prefix)] for e in self.entries if len(e) > depth - 1
                        and list(e[:len(self.prefix)]) == self.prefix
                        and e[len(self.prefix)].startswith(f"__{kind}_version1.0_")})
        return [[*self.prefix, name] for name in names]


class _StreamError(Exception):
    """A property stream that olefile could not read."""


def _codepage(cpid: int) -> str | None:
    name = CODEPAGES.get(cpid, f"cp{cpid}")
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _address(name: str | None, addr: str | None) -> str:
    name, addr = (name or "").strip(), (addr or "").strip()
    if name and addr and name != addr:
        return f"{name} <{addr}>"
    return addr or name


class _Message:
    """One message (top-level or embedded) read into plain values."""

    def __init__(self, obj: _Object) -> None:
        self.obj = obj
        self.lost: list[str] = []
        self.subject = obj.string(SUBJECT) or obj.string(CONVERSATION_TOPIC)
        self.body = obj.string(BODY)
        html = obj.binary(HTML)
        self.html = (decode_bytes(html, obj.codepage or _meta_charset(html)) if html is not None
                     else obj.string(HTML))
        self.rtf = obj.binary(RTF_COMPRESSED)
        self.transport = obj.string(TRANSPORT_HEADERS)
        self.recipients: dict[str, list[str]] = {}
        for prefix in obj.substorages("recip"):
            recip = _Object(obj.ole, prefix, CHILD_HEADER, obj.entries, obj.codepage)
            field = RECIPIENT_FIELDS.get(recip.long(RECIP_TYPE) or 1, "to")
            email_addr = recip.string(RECIP_SMTP) or recip.string(RECIP_EMAIL)
            entry = _address(recip.string(RECIP_NAME), email_addr)
            if entry:
                self.recipients.setdefault(field, []).append(entry)

    def metadata(self) -> dict[str, Any]:
        obj = self.obj
        meta: dict[str, Any] = {}
        if self.transport:
            headers = HeaderParser(policy=policy.compat32).parsestr(self.transport)
            meta.update(header_metadata(headers))
        sender = _address(obj.string(SENDER_NAME),
                          obj.string(SENDER_SMTP) or obj.string(SENDER_EMAIL))
        if sender:
            meta["from"] = [sender]
        representing = _address(obj.string(REPRESENTING_NAME), obj.string(REPRESENTING_EMAIL))
        if representing and representing != sender:
            meta["sent_representing"] = representing
        for field, tag in (("to", DISPLAY_TO), ("cc", DISPLAY_CC), ("bcc", DISPLAY_BCC)):
            listed = self.recipients.get(field)
            display = obj.string(tag)
            if listed:
                meta[field] = listed
            elif display:
                meta[field] = [d.strip() for d in display.split(";") if d.strip()]
        if self.subject:
            meta["subject"] = self.subject
        date = obj.time(SUBMIT_TIME) or obj.time(DELIVERY_TIME)
        if date:
            meta["date"] = date
        for key, tag in (("created", CREATED), ("modified", MODIFIED),
                         ("delivered", DELIVERY_TIME)):
            when = obj.time(tag)
            if when:
                meta[key] = when
        for key, tag in (("message_id", MESSAGE_ID), ("in_reply_to", IN_REPLY_TO)):
            value = obj.string(tag)
            if value and key not in meta:
                meta[key] = value.strip()
        references = obj.string(REFERENCES)
        if references and "references" not in meta:
            meta["references"] = re.findall(r"<[^<>\s]+>", references) or [references]
        message_class = obj.string(MESSAGE_CLASS)
        if message_class:
            meta["message_class"] = message_class
            if ".SMIME" in message_class.upper() and "SIGNED" not in message_class.upper():
                meta["encrypted"] = True
        return meta

    def body_text(self) -> str:
        parts = [self.body.strip()] if self.body and self.body.strip() else []
        if self.html:
            html_text = visible_text(self.html)
            squeezed = "".join(parts).split()
            if html_text and (not parts or not _contained(html_text, " ".join(squeezed))):
                parts.append(html_text)
        if not parts and self.rtf:
            rtf_text = self.rtf_text()
            if rtf_text:
                parts.append(rtf_text)
        return "\n\n".join(parts)

    def rtf_text(self) -> str:
        from striprtf.striprtf import rtf_to_text  # imported late: rarely needed

        try:
            rtf = decompress_rtf(self.rtf or b"")
            text: str = rtf_to_text(  # type: ignore[no-untyped-call]  # untyped library
                rtf.decode("latin-1"), errors="ignore")
            return text.strip()
        except (ValueError, IndexError, struct.error) as exc:
            self.lost.append(f"compressed RTF body unreadable: {exc}")
            return ""


def _contained(html_text: str, plain: str) -> bool:
    """True when the HTML body says nothing the plain body does not (by character pairs)."""
    def grams(text: str) -> set[str]:
        s = "".join(ch for ch in text.lower() if ch.isalnum())
        return {s[i:i + 2] for i in range(len(s) - 1)}
    extra = grams(html_text) - grams(plain)
    return len(extra) <= max(3, len(grams(html_text)) // 10)


def _meta_charset(html: bytes) -> str | None:
    found = re.search(rb"<meta[^>]+charset=[\"']?([A-Za-z0-9_.:-]+)", html[:4096], re.I)
    return found.group(1).decode("ascii") if found else None


def _header_lines(meta: dict[str, Any]) -> str:
    lines = []
    for label, key in (("From", "from"), ("To", "to"), ("Cc", "cc"), ("Bcc", "bcc"),
                       ("Date", "date"), ("Subject", "subject")):
        value = meta.get(key)
        if value:
            lines.append(f"{label}: {', '.join(value) if isinstance(value, list) else value}")
    return "\n".join(lines)


def _mime_header(name: str, value: str) -> str:
    value = " ".join(value.split())
    encoded = value if value.isascii() else Header(value, "utf-8", header_name=name).encode()
    return f"{name}: {encoded}\r\n"


def _as_eml(message: _Message, attachments: list[tuple[str, str, bytes]]) -> bytes:
    """An embedded message rebuilt as RFC 822 bytes."""
    meta = message.metadata()
    head = ""
    if message.transport:
        kept = HeaderParser(policy=policy.compat32).parsestr(message.transport)
        for name, value in kept.items():
            if not name.lower().startswith("content-") and name.lower() != "mime-version":
                head += f"{name}: {value}\r\n"
    else:
        for name, key in (("From", "from"), ("To", "to"), ("Cc", "cc"), ("Bcc", "bcc"),
                          ("Subject", "subject"), ("Message-ID", "message_id")):
            found = meta.get(key)
            if found:
                head += _mime_header(name, ", ".join(found) if isinstance(found, list) else found)
        if meta.get("date"):
            when = datetime.fromisoformat(meta["date"])
            head += f"Date: {email.utils.format_datetime(when)}\r\n"
    body = EmailMessage(policy=policy.default)
    body.set_content(message.body or (visible_text(message.html) if message.html else
                                      message.rtf_text() if message.rtf else ""))
    if message.html:
        body.add_alternative(message.html, subtype="html")
    for name, mime, data in attachments:
        maintype, _, subtype = (mime or "application/octet-stream").partition("/")
        if maintype == "message":
            body.add_attachment(BytesParser(policy=policy.default).parsebytes(data),
                                filename=name)
        else:
            body.add_attachment(data, maintype=maintype or "application",
                                subtype=subtype or "octet-stream", filename=name)
    return head.encode("utf-8") + body.as_bytes()


class OutlookMsgExtractor(Extractor):
    """An Outlook message saved as .msg (also what Exchange exports hold)."""

    name = "outlook-msg"
    mime_types: ClassVar[frozenset[str]] = frozenset({"application/vnd.ms-outlook",
                                                      "application/x-ms-outlook-msg"})
    extensions: ClassVar[frozenset[str]] = frozenset({".msg"})
    score = 20

    @classmethod
    def match(cls, filetype: FileType) -> int:
        # Content decides: a .msg that is really MIME text belongs to the email extractor,
        # and libmagic calls .pst stores application/vnd.ms-outlook too.
        if not filetype.head.startswith(OLE_MAGIC):
            return 0
        if filetype.mime in cls.mime_types:
            return cls.score
        return cls.score // 2 if filetype.extension == ".msg" else 0

    def extract(self, path: Path, ctx: Context) -> Extraction:
        try:
            ole = olefile.OleFileIO(str(path))
        except (OSError, ValueError, IndexError, TypeError, struct.error) as exc:
            raise ExtractionError(f"not a readable Outlook .msg file: {exc}") from exc
        with ole:
            entries = {tuple(e) for e in ole.listdir(streams=True, storages=True)}
            try:
                message = _Message(_Object(ole, [], TOP_HEADER, entries))
                meta = message.metadata()
                text = "\n\n".join(t for t in (_header_lines(meta), message.body_text()) if t)
            except _StreamError as exc:
                raise ExtractionError(f"message stream {exc} is unreadable") from exc
            children = _Attachments(ctx, ole, entries).read(message.obj, depth=0)
        lost = message.lost + [c.reason or "" for c in children if c.state]
        if children:
            meta["attachments"] = len(children)
        if any(c.metadata.get("content_type") in ENCRYPTED_TYPES for c in children):
            meta["encrypted"] = True
        state: State = "partial" if lost else "extracted"
        reason = "; ".join(dict.fromkeys(lost))[:300] if lost else None
        return Extraction(state, text=text, metadata=meta, children=tuple(children),
                          reason=reason)


class _Attachments:
    """Reads the attachments of a message, recursing into embedded messages."""

    def __init__(self, ctx: Context, ole: olefile.OleFileIO,
                 entries: set[tuple[str, ...]]) -> None:
        self.ctx, self.ole, self.entries = ctx, ole, entries
        self.count = 0

    def read(self, parent: _Object, depth: int) -> list[Child]:
        children: list[Child] = []
        for index, prefix in enumerate(parent.substorages("attach")):
            if self.count >= self.ctx.limits.max_archive_members:
                children.append(Child(name=f"attachment-{index + 1}", path=None,
                                      state="skipped", reason="limit: too many attachments"))
                break
            self.count += 1
            try:
                children.append(self._one(parent, prefix, index, depth))
            except _StreamError as exc:
                children.append(Child(name=f"attachment-{index + 1}", path=None, state="failed",
                                      reason=f"attachment stream {exc} is unreadable"))
        return children

    def _one(self, parent: _Object, prefix: list[str], index: int, depth: int) -> Child:
        att = _Object(self.ole, prefix, CHILD_HEADER, self.entries, parent.codepage)
        name = (att.string(ATTACH_LONG_NAME) or att.string(ATTACH_NAME)
                or att.string(ATTACH_DISPLAY) or "")
        name = name.replace("\x00", "").strip()
        mime = (att.string(ATTACH_MIME) or "").strip().lower()
        meta: dict[str, Any] = {"content_type": mime or "application/octet-stream"}
        content_id = att.string(ATTACH_CID)
        if content_id:
            meta["content_id"] = content_id.strip("<> ")
        method = att.long(ATTACH_METHOD)
        data = att.binary(ATTACH_DATA)
        if data is not None:
            name = name or f"attachment-{index + 1}.bin"
            path = self.ctx.new_child_path(Path(name).suffix.lower())
            path.write_bytes(data)
            return Child(name=name, path=path, metadata=meta)
        if att.has_storage(ATTACH_DATA, PT_OBJECT) and method == 5:
            if depth >= MAX_EMBED_DEPTH:
                return Child(name=name or "message.eml", path=None, state="skipped",
                             reason="limit: embedded messages nested too deeply")
            embedded = _Object(self.ole, [*prefix, f"__substg1.0_{ATTACH_DATA:04X}000D"],
                               EMBEDDED_HEADER, self.entries, parent.codepage)
            inner = _Message(embedded)
            nested = self.read(embedded, depth + 1)
            parts = [(c.name, str(c.metadata.get("content_type", "")), c.path.read_bytes())
                     for c in nested if c.path is not None]
            eml_name = re.sub(r"[\x00-\x1f/\\]+", "_", name or inner.subject or "message")[:100]
            if not eml_name.lower().endswith(".eml"):
                eml_name += ".eml"
            path = self.ctx.new_child_path(".eml")
            path.write_bytes(_as_eml(inner, parts))
            for child in nested:  # their content now lives inside the .eml
                if child.path is not None:
                    child.path.unlink(missing_ok=True)
            meta.update(content_type="message/rfc822", subject=inner.subject or "")
            return Child(name=eml_name, path=path, metadata=meta)
        if att.has_storage(ATTACH_DATA, PT_OBJECT):
            return Child(name=name or f"attachment-{index + 1}", path=None, state="unsupported",
                         reason="embedded OLE object attachment is not extracted", metadata=meta)
        return Child(name=name or f"attachment-{index + 1}", path=None, state="skipped",
                     reason="attachment has no data (attached by reference)", metadata=meta)
