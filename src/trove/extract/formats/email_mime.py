"""RFC 822 / MIME email (.eml, Apple .emlx): headers, body text and attachments.

The structure is parsed by the standard library's `email` package under the modern
policy, falling back to compat32 when the modern parser raises on a broken message, and
to a bare header split when even that fails. Header values and body charsets are decoded
here rather than by the stdlib, because leaked Chinese mail is full of labels that lie:
GB2312 that is really GBK, raw 8-bit headers, encoded words split mid-character.

The text starts with the main headers (so search finds senders and subjects), then the
plain bodies, then the visible text of HTML bodies when it adds something. Attachments,
inline parts with a filename, nested messages and the machine parts of delivery reports
become children.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import email.utils
import mimetypes
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from email import policy
from email.message import Message
from email.parser import BytesParser, HeaderParser
from pathlib import Path, PurePosixPath
from typing import Any, ClassVar

import charset_normalizer

from trove.errors import LimitExceeded
from trove.extract.base import Extractor
from trove.extract.htmltext import visible_text
from trove.extract.identify import FileType
from trove.extract.records import Child, Context, Extraction, State

__all__ = ["EmailExtractor", "decode_bytes", "decode_words", "header_metadata",
           "header_text", "looks_like_message"]

MAX_MESSAGE_BYTES = 512 * 1024**2  # the stdlib parser holds a whole message in memory
MAX_HEADER_LINES = 1000
SHORT_TEXT = 400  # bytes; below this, charset statistics are guesswork
MAX_PARTS_LISTED = 200
MAX_DEPTH = 64  # multipart nesting inside one message
# Declared charsets mapped to the superset that mail clients actually use for them.
CHARSET_ALIASES = {
    **dict.fromkeys(("gb2312", "gbk", "gb_2312-80", "x-gbk", "cp936", "euc-cn", "x-euc-cn",
                     "csgb2312", "chinese", "windows-936", "ms936", "gb18030", "x-gb2312",
                     "gb_2312"), "gb18030"),
    **dict.fromkeys(("ks_c_5601-1987", "ks_c_5601", "ks_c_5601-1989", "euc-kr", "korean",
                     "x-windows-949", "windows-949", "ksc5601", "cp949"), "cp949"),
    **dict.fromkeys(("shift_jis", "shift-jis", "sjis", "x-sjis", "ms_kanji", "windows-31j",
                     "cp932", "x-ms-cp932"), "cp932"),
    **dict.fromkeys(("iso-2022-jp", "csiso2022jp", "iso-2022-jp-2"), "iso2022_jp_2"),
    **dict.fromkeys(("big5", "big5-hkscs", "x-x-big5", "cn-big5", "cp950"), "big5hkscs"),
    **dict.fromkeys(("iso-8859-1", "latin1", "latin-1", "us-ascii", "ascii", "iso_8859-1"),
                    "cp1252"),
    **dict.fromkeys(("utf-7", "unicode-1-1-utf-7", "x-unicode-2-0-utf-7"), "utf-7"),
    **dict.fromkeys(("utf8", "utf-8", "x-utf-8"), "utf-8"),
}
UNKNOWN_CHARSETS = frozenset({"unknown-8bit", "x-unknown", "unknown", "default", "x-user-defined",
                              "8bit", "none", "charset", ""})
ADDRESS_HEADERS = ("from", "to", "cc", "bcc")
HEADER_LINES = (("From", "from"), ("To", "to"), ("Cc", "cc"), ("Bcc", "bcc"), ("Date", "date"),
                ("Subject", "subject"))
NESTED_MESSAGES = frozenset({"message/rfc822", "message/global", "message/news"})
BODY_TYPES = frozenset({"text/plain", "text/html", "text/enriched", "text/richtext"})
# Parser defects that mean content was lost, not merely that the message is untidy.
# (A missing start boundary is not one: the body is then read as text, all of it.)
LOSSY_DEFECTS = frozenset({"CloseBoundaryNotFoundDefect", "InvalidBase64LengthDefect"})

_ENCODED_WORD = re.compile(r"=\?([^?\s]+?)\?([bBqQ])\?([^?]*?)\?=")
_FOLD = re.compile(r"\r?\n(?=[ \t])|\r?\n$")
_MSG_ID = re.compile(r"<[^<>\s]+>")
_HEADER_LINE = re.compile(rb"^[!-9;-~]{1,76}:")
_KNOWN_HEADERS = re.compile(rb"^(from|to|subject|date|message-id|received|mime-version|"
                            rb"return-path|delivered-to|reply-to|cc|x-mailer|sender):",
                            re.IGNORECASE)
_UU_BLOCK = re.compile(r"^begin [0-7]{3,4} (?P<name>[^\r\n]+)\r?\n(?P<body>.*?)^end[ \t]*$",
                       re.MULTILINE | re.DOTALL)


# --- decoding ----------------------------------------------------------------------------

def _codec(charset: str | None) -> str | None:
    """A Python codec for a declared charset, or None when it is unknown or unusable."""
    if not charset:
        return None
    label = charset.strip().strip("\"'").lower()
    if label in UNKNOWN_CHARSETS:
        return None
    label = CHARSET_ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def decode_bytes(data: bytes, charset: str | None = None) -> str:
    """Text from bytes: the declared charset if it fits, else UTF-8, else a detected one."""
    codec = _codec(charset)
    if codec:
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if codec:  # a few bad bytes in a correctly labelled text: keep the label
        lenient = data.decode(codec, "replace")
        if lenient.count("\ufffd") <= max(2, len(lenient) // 200):
            return lenient
    if len(data) < SHORT_TEXT:
        return data.decode("gb18030") if _looks_like_gb(data) else data.decode(
            codec or "cp1252", "replace")
    guess = charset_normalizer.from_bytes(data[:262_144]).best()
    if guess is not None and guess.encoding:
        return data.decode(guess.encoding, "replace")
    return data.decode(codec or "cp1252", "replace")


def _looks_like_gb(data: bytes) -> bool:
    """Short unlabelled bytes (a raw header) that read as GB18030 and whose high bytes come
    in runs, as double-byte Chinese does; accented Latin text has lone high bytes. Too
    short for statistical detection, which takes such text for Korean or Cyrillic."""
    try:
        data.decode("gb18030")
    except UnicodeDecodeError:
        return False
    runs = re.findall(rb"[\x81-\xfe]+", data)
    high = sum(len(run) for run in runs)
    paired = sum(len(run) for run in runs if len(run) >= 2 and len(run) % 2 == 0)
    return high > 0 and paired >= 0.8 * high


def _unescape(value: str) -> str:
    """Undo the parser's surrogate escapes of raw 8-bit header bytes."""
    if not any("\udc80" <= ch <= "\udcff" for ch in value):
        return value
    return decode_bytes(value.encode("utf-8", "surrogateescape"))


def _word_bytes(encoding: str, text: str) -> bytes:
    if encoding in "bB":
        text = re.sub(r"[^A-Za-z0-9+/]", "", text)
        text = text[: len(text) - len(text) % 4] if len(text) % 4 == 1 else text
        return base64.b64decode(text + "=" * (-len(text) % 4))
    return binascii.a2b_qp(text.encode("ascii", "replace"), header=True)


def decode_words(value: str) -> str:
    """Decode RFC 2047 encoded words, joining adjacent ones in one charset before decoding
    (mailers split multi-byte characters across words)."""
    value = _unescape(value)
    if "=?" not in value:
        return value
    out: list[str] = []
    pending: tuple[str, bytearray] | None = None
    pos = 0
    for match in _ENCODED_WORD.finditer(value):
        between = value[pos:match.start()]
        charset = match.group(1).split("*", 1)[0].lower()  # drop an RFC 2231 language
        if pending is not None and (between.strip() or pending[0] != charset):
            out.append(decode_bytes(bytes(pending[1]), pending[0]))
            pending = None
        if pending is None or between.strip():
            out.append(between)
        try:
            data = _word_bytes(match.group(2), match.group(3))
        except (binascii.Error, ValueError):
            data = match.group(0).encode("ascii", "replace")
        if pending is None:
            pending = (charset, bytearray(data))
        else:
            pending[1].extend(data)
        pos = match.end()
    if pending is not None:
        out.append(decode_bytes(bytes(pending[1]), pending[0]))
    out.append(value[pos:])
    return "".join(out)


def header_text(value: object) -> str:
    """A header value unfolded and decoded, for display and search."""
    return decode_words(_FOLD.sub("", str(value))).strip()


# --- headers -----------------------------------------------------------------------------

def _raw_headers(msg: Message) -> list[tuple[str, str]]:
    return [(str(name), str(value)) for name, value in list(msg.raw_items())[:MAX_HEADER_LINES]]


def _raw_value(msg: Message, name: str) -> str:
    """A header as written (the modern policy's str() re-renders it)."""
    for key, value in _raw_headers(msg):
        if key.strip().lower() == name:
            return value
    return ""


def _addresses(raw_values: list[str]) -> list[str]:
    found: list[str] = []
    try:
        pairs = email.utils.getaddresses([_unescape(_FOLD.sub("", v)) for v in raw_values])
    except Exception:  # getaddresses has crashed on hostile input before
        pairs = []
    for name, addr in pairs:
        name, addr = decode_words(name).strip(), addr.strip()
        if addr and name and name != addr:
            found.append(f"{name} <{addr}>")
        elif addr or name:
            found.append(addr or name)
    if not found:  # keep what was written rather than nothing
        found = [header_text(v) for v in raw_values if header_text(v)]
    return found


def _squeeze_ids(value: str) -> str:
    """Message ids without the folding whitespace the obsolete syntax allows inside <>."""
    return re.sub(r"<[^<>]*>", lambda m: re.sub(r"\s+", "", m.group(0)), value)


def _iso_date(raw: str) -> str | None:
    try:
        return email.utils.parsedate_to_datetime(raw).isoformat()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def header_metadata(msg: Message) -> dict[str, Any]:
    """Metadata from a message's headers (see the conventions in `trove.extract.base`)."""
    headers: dict[str, list[str]] = {}
    raw: dict[str, list[str]] = {}
    for name, value in _raw_headers(msg):
        key = name.strip().lower()
        raw.setdefault(key, []).append(value)
        headers.setdefault(key, []).append(header_text(value))
    meta: dict[str, Any] = {"headers": headers}
    for key in ADDRESS_HEADERS:
        if key in raw:
            meta[key] = _addresses(raw[key])
    if headers.get("subject"):
        meta["subject"] = headers["subject"][0]
    if headers.get("date"):
        meta["date_raw"] = headers["date"][0]
        iso = _iso_date(headers["date"][0])
        if iso:
            meta["date"] = iso
    for key, meta_key in (("message-id", "message_id"), ("in-reply-to", "in_reply_to")):
        if headers.get(key):
            meta[meta_key] = _squeeze_ids(headers[key][0])
    if headers.get("references"):
        refs = _MSG_ID.findall(_squeeze_ids(" ".join(headers["references"])))
        meta["references"] = refs or headers["references"]
    if headers.get("received"):
        meta["received"] = headers["received"]
    unixfrom = msg.get_unixfrom()
    if unixfrom:
        meta["envelope_from"] = _unescape(unixfrom).removeprefix("From ").strip()
    return meta


def _header_block(meta: dict[str, Any]) -> str:
    headers: dict[str, list[str]] = meta.get("headers", {})
    lines = [f"{label}: {', '.join(headers[key])}" for label, key in HEADER_LINES
             if headers.get(key)]
    return "\n".join(lines)


def looks_like_message(head: bytes) -> bool:
    """True when `head` starts with an RFC 822 header block naming at least two of the
    usual mail headers."""
    known = 0
    for line in head.splitlines()[:60]:
        if not line.strip():
            break
        if line[:1] in b" \t":
            continue
        if not _HEADER_LINE.match(line):
            return False
        known += bool(_KNOWN_HEADERS.match(line))
    return known >= 2


# --- bodies and attachments --------------------------------------------------------------

@dataclass
class _Walk:
    ctx: Context
    plain: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    children: list[Child] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    encrypted: bool = False
    generated: int = 0


def _safe(call: Any, default: Any) -> Any:
    try:
        return call()
    except Exception:  # header parsing in the modern policy can raise on garbage
        return default


def _filename(part: Message) -> str | None:
    name = _safe(part.get_filename, None)
    if not name:
        return None
    name = header_text(name).replace("\x00", "")
    # An unquoted name with spaces ("filename=My file.txt") is cut at the first space by
    # the parameter parser; take the whole run up to the next ";" instead.
    for header in ("content-disposition", "content-type"):
        raw = header_text(_raw_value(part, header))
        whole = re.search(r"(?:file)?name\s*=\s*([^\"';\s][^;]*)", raw, re.IGNORECASE)
        if whole and whole.group(1).strip().startswith(name) and "*" not in raw:
            return whole.group(1).strip()
    return name or None


def _payload(part: Message) -> bytes:
    data = _safe(lambda: part.get_payload(decode=True), None)
    if isinstance(data, bytes):
        return data
    raw = part.get_payload()
    return raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""


def _part_text(part: Message, data: bytes) -> str:
    charset = _safe(part.get_content_charset, None)
    if charset is None and part.get_content_type() == "text/html":
        declared = re.search(rb"<meta[^>]+charset=[\"']?([A-Za-z0-9_.:-]+)", data[:4096], re.I)
        charset = declared.group(1).decode("ascii") if declared else None
    return decode_bytes(data, charset)


def _message_bytes(msg: Message) -> bytes:
    """A nested message serialised with its headers as they were written."""
    if isinstance(msg.policy, policy.EmailPolicy):
        try:
            return msg.as_bytes(policy=msg.policy.clone(refold_source="none"))
        except Exception:  # fall through to the permissive generator
            pass
    return msg.as_bytes(policy=policy.compat32)


def _add_child(walk: _Walk, name: str, data: bytes, part: Message | None,
               extra: dict[str, Any] | None = None) -> None:
    if len(walk.children) >= walk.ctx.limits.max_archive_members:
        if not any(r.startswith("limit") for r in walk.lost):
            walk.lost.append(f"limit: more than {walk.ctx.limits.max_archive_members} parts")
        return
    meta: dict[str, Any] = dict(extra or {})
    if part is not None:
        meta["content_type"] = _safe(part.get_content_type, "application/octet-stream")
        cid = part.get("content-id") if _safe(lambda: part.get("content-id"), None) else None
        if cid:
            meta["content_id"] = header_text(cid).strip("<> ")
        disposition = _safe(part.get_content_disposition, None)
        if disposition:
            meta["disposition"] = disposition
    path = walk.ctx.new_child_path(PurePosixPath(name).suffix.lower())
    path.write_bytes(data)
    walk.children.append(Child(name=name, path=path, metadata=meta))


def _generated_name(walk: _Walk, ctype: str, stem: str = "part") -> str:
    walk.generated += 1
    extension = ".eml" if ctype in NESTED_MESSAGES else mimetypes.guess_extension(ctype) or ".bin"
    return f"{stem}-{walk.generated}{extension}"


def _nested(walk: _Walk, part: Message) -> None:
    inner = part.get_payload()
    msg = inner[0] if isinstance(inner, list) and inner else None
    name = _filename(part)
    if msg is None or not isinstance(msg, Message):
        _add_child(walk, name or _generated_name(walk, "message/rfc822"), _payload(part), part)
        return
    subject = header_text(msg.get("subject", "") or "") if _safe(
        lambda: msg.get("subject"), None) else ""
    if not name:
        stem = re.sub(r"[\x00-\x1f/\\]+", "_", subject)[:100].strip()
        name = f"{stem}.eml" if stem else _generated_name(walk, "message/rfc822", "message")
    try:
        data = _message_bytes(msg)
    except Exception as exc:  # a message the generator cannot write back
        walk.lost.append(f"nested message {name!r} could not be written: {type(exc).__name__}")
        return
    _add_child(walk, name, data, part, {"subject": subject} if subject else None)


def _uudecode(walk: _Walk, text: str) -> str:
    """Cut old inline uuencoded blocks out of a plain body into children."""
    def cut(match: re.Match[str]) -> str:
        data = bytearray()
        for line in match.group("body").splitlines():
            if line.strip() in ("", "`"):
                continue
            try:
                data.extend(binascii.a2b_uu(line))
            except binascii.Error:
                # Some encoders add padding beyond the declared length; trust the length.
                length = (ord(line[0]) - 32) & 63
                data.extend(binascii.a2b_uu(line[: (length * 4 + 5) // 3 + 1]))
        name = match.group("name").strip()
        _add_child(walk, name, bytes(data), None, {"content_type": "application/octet-stream",
                                                   "encoding": "uuencode"})
        return f"[attachment: {name}]"

    try:
        return _UU_BLOCK.sub(cut, text) if "begin " in text else text
    except binascii.Error:
        return text


def _walk(walk: _Walk, part: Message, depth: int = 0, in_report: bool = False) -> None:
    if depth > MAX_DEPTH:
        walk.lost.append(f"MIME parts nested deeper than {MAX_DEPTH} were not read")
        return
    ctype = _safe(part.get_content_type, "text/plain")
    if ctype in {"multipart/encrypted", "application/pkcs7-mime", "application/x-pkcs7-mime"}:
        walk.encrypted = True
    if ctype in NESTED_MESSAGES:
        _nested(walk, part)
        return
    if part.is_multipart():
        subparts = part.get_payload()
        if ctype.startswith("message/"):  # delivery-status and its kin: a list of blocks
            blocks = b"\n".join(_message_bytes(m) for m in subparts if isinstance(m, Message))
            _add_child(walk, _filename(part) or _generated_name(walk, "text/plain", "status"),
                       blocks, part)
            return
        for index, sub in enumerate(subparts if isinstance(subparts, list) else []):
            report_part = ctype == "multipart/report" and index > 0
            _walk(walk, sub, depth + 1, in_report=report_part)
        return
    disposition = _safe(part.get_content_disposition, None)
    name = _filename(part)
    data = _payload(part)
    body_like = ctype in BODY_TYPES or ctype.startswith("multipart/")  # multipart: no boundary
    if body_like and not name and disposition != "attachment" and not in_report:
        text = _part_text(part, data)
        if ctype == "text/html":
            walk.html.append(visible_text(text))
        elif ctype in {"text/enriched", "text/richtext"}:
            walk.plain.append(re.sub(r"<[^<>]{1,40}>", "", text))
        else:
            walk.plain.append(_uudecode(walk, text))
        return
    if not data and not name:
        return
    _add_child(walk, name or _generated_name(walk, ctype), data, part)


def _structure(msg: Message) -> list[dict[str, str]]:
    """The MIME tree, flattened: what a forensic reader checks (types, charsets, names,
    boundaries, which fingerprint the sending software)."""
    parts: list[dict[str, str]] = []
    for part in msg.walk():
        if len(parts) >= MAX_PARTS_LISTED:
            break
        entry = {"content_type": _safe(part.get_content_type, "")}
        for key, value in (("charset", _safe(lambda p=part: p.get_param("charset"), None)),
                           ("boundary", _safe(part.get_boundary, None)),
                           ("disposition", _safe(part.get_content_disposition, None)),
                           ("filename", _filename(part))):
            if isinstance(value, str) and value:
                entry[key] = header_text(value)
        parts.append(entry)
    return parts


def _bigrams(text: str) -> set[str]:
    squeezed = "".join(ch for ch in text.lower() if ch.isalnum())
    return {squeezed[i:i + 2] for i in range(len(squeezed) - 1)}


def _body_text(plain: list[str], html: list[str]) -> str:
    """Plain bodies, then each HTML body whose text is not already there."""
    parts = [p.strip() for p in plain if p.strip()]
    seen = _bigrams("\n".join(parts))
    for text in html:
        grams = _bigrams(text)
        if text.strip() and (not seen or len(grams - seen) > max(3, len(grams) // 10)):
            parts.append(text.strip())
            seen |= grams
    return "\n\n".join(parts)


# --- reading -----------------------------------------------------------------------------

def _unwrap(raw: bytes, extension: str) -> tuple[bytes, dict[str, Any]]:
    """Strip an Apple .emlx length prefix and re-encode UTF-16 files as UTF-8."""
    meta: dict[str, Any] = {}
    prefix = re.match(rb"[ \t]*(\d{1,12})[ \t]*\r?\n", raw[:32])
    if prefix and (extension in {".emlx", ".emlxpart"} or looks_like_message(raw[prefix.end():])):
        length = int(prefix.group(1))
        body = raw[prefix.end():prefix.end() + length]
        meta["emlx"] = True
        if len(body) < length:
            meta["emlx_truncated"] = True
        raw = body
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff") or raw[:400].count(b"\x00") > 40:
        if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
            encoding = "utf-16"
        else:
            encoding = "utf-16-le" if raw[1:400:2].count(b"\x00") > raw[0:400:2].count(
                b"\x00") else "utf-16-be"
        raw = raw.decode(encoding, "replace").encode("utf-8")
        meta["file_encoding"] = encoding
    # Obsolete syntax allows space before the colon ("Subject  : hi"); the stdlib parser
    # would take such a block for body text, and "From  :" for an mbox envelope.
    end = raw.find(b"\n\n") if b"\r\n\r\n" not in raw[:65536] else raw.find(b"\r\n\r\n")
    head = raw[:end] if end > 0 else raw[:65536]
    if re.search(rb"(?m)^[!-9;-~]+[ \t]+:", head):
        raw = re.sub(rb"(?m)^([!-9;-~]+)[ \t]+:", rb"\1:", head) + raw[len(head):]
    return raw, meta


def _read(raw: bytes, ctx: Context, modern: bool) -> tuple[dict[str, Any], str, _Walk]:
    msg = (BytesParser(policy=policy.default) if modern
           else BytesParser(policy=policy.compat32)).parsebytes(raw)
    meta = header_metadata(msg)
    walk = _Walk(ctx)
    _walk(walk, msg)
    meta["parts"] = _structure(msg)
    defects = sorted({type(d).__name__ for p in msg.walk() for d in getattr(p, "defects", [])})
    if defects:
        meta["mime_defects"] = defects
        walk.lost.extend(f"MIME defect: {d}" for d in defects if d in LOSSY_DEFECTS)
    return meta, _body_text(walk.plain, walk.html), walk


def _headers_only(raw: bytes) -> tuple[dict[str, Any], str]:
    head, _, body = raw.partition(b"\n\n") if b"\r\n\r\n" not in raw[:65536] else \
        raw.partition(b"\r\n\r\n")
    msg = HeaderParser(policy=policy.compat32).parsestr(head.decode("utf-8", "surrogateescape"))
    return header_metadata(msg), decode_bytes(body[:4 * 1024**2])


class EmailExtractor(Extractor):
    """One RFC 822 message: .eml, .emlx, news articles, Maildir files."""

    name = "email"
    mime_types: ClassVar[frozenset[str]] = frozenset({"message/rfc822", "message/news",
                                                      "message/global", "message/x-emlx"})
    extensions: ClassVar[frozenset[str]] = frozenset({".eml", ".emlx", ".emlxpart", ".mim",
                                                      ".nws"})
    score = 20

    @classmethod
    def match(cls, filetype: FileType) -> int:
        if filetype.mime in cls.mime_types:
            return cls.score
        named = filetype.extension in cls.extensions
        # An .eml whose first line is an mbox envelope is one message, not a mailbox.
        if filetype.mime == "application/mbox" and named:
            return cls.score + 5
        if filetype.generic and named:
            return cls.score - 5
        if filetype.generic and looks_like_message(filetype.head):
            return cls.score - 8
        return 0

    def extract(self, path: Path, ctx: Context) -> Extraction:
        size = path.stat().st_size
        if size > MAX_MESSAGE_BYTES:
            raise LimitExceeded(f"message of {size} bytes is larger than {MAX_MESSAGE_BYTES}")
        raw, meta = _unwrap(path.read_bytes(), PurePosixPath(ctx.name or path.name).suffix)
        return read_message(raw, ctx, meta)


def read_message(raw: bytes, ctx: Context, meta: dict[str, Any] | None = None) -> Extraction:
    """Extract one message held in memory (also used for .msg transport headers' kin)."""
    meta = dict(meta or {})
    notes: list[str] = []
    try:
        head_meta, body, walk = _read(raw, ctx, modern=True)
    except MemoryError:
        raise
    except Exception as exc:  # the modern policy raises on some broken headers
        notes.append(f"modern parser failed ({type(exc).__name__}); read with compat32")
        try:
            head_meta, body, walk = _read(raw, ctx, modern=False)
        except Exception as exc2:  # keep what a bare header split can recover
            head_meta, body = _headers_only(raw)
            walk = _Walk(ctx)
            walk.lost.append(f"MIME structure unreadable ({type(exc2).__name__}); "
                             "body kept as raw text")
    meta.update(head_meta)
    if walk.encrypted:
        meta["encrypted"] = True
    if walk.children:
        meta["attachments"] = len(walk.children)
    if notes:
        meta["parse_notes"] = notes
    text = "\n\n".join(t for t in (_header_block(meta), body) if t)
    if meta.get("emlx_truncated"):
        walk.lost.append("emlx message shorter than its declared length")
    state: State = "partial" if walk.lost else "extracted"
    reason = "; ".join(_dedupe(walk.lost))[:300] if walk.lost else None
    return Extraction(state, text=text, metadata=meta, children=tuple(walk.children),
                      reason=reason)


def _dedupe(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))
