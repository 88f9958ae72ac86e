"""Unix mailboxes (mbox): every message becomes a child .eml, read as a stream.

The file is read line by line in bounded pieces and never held in memory, so a mailbox
of many gigabytes is fine. A message starts at a "From " envelope line at the start of
the file or after a blank line (a body line starting with "From " that was not quoted
does not look like an envelope: it has no time of day). mboxrd quoting (">From ",
">>From ") is undone by one level. The envelope line itself is not written into the
child, so the child is identified as one message rather than as a mailbox again.
"""

from __future__ import annotations

import re
from email import policy
from email.parser import HeaderParser
from pathlib import Path
from typing import IO, Any, ClassVar

from trove.extract.base import Extractor
from trove.extract.formats.email_mime import header_metadata
from trove.extract.records import Child, Context, Extraction, State

__all__ = ["MboxExtractor"]

PIECE = 1024 * 1024  # longest run read at once; longer lines arrive in pieces
MAX_HEADER_BYTES = 256 * 1024  # headers kept per message for its subject and sender
LISTED = 500  # messages named in the mailbox's own text
_ENVELOPE = re.compile(rb"^From \S*.*\d{1,2}:\d{2}")
_QUOTED_FROM = re.compile(rb"^>+From ")


class _Message:
    """One message being copied out of the mailbox."""

    def __init__(self, ctx: Context, number: int, envelope: bytes) -> None:
        self.name = f"message-{number:06d}.eml"
        self.path = ctx.new_child_path(".eml")
        self.handle: IO[bytes] = self.path.open("wb")
        self.envelope = envelope.decode("utf-8", "replace").removeprefix("From ").strip()
        self.header = bytearray()
        self.in_header = True
        self.pending_blank = b""  # the blank line before the next envelope belongs to neither

    def write(self, piece: bytes, line_start: bool) -> None:
        if self.pending_blank:
            self._emit(self.pending_blank, True)
            self.pending_blank = b""
        if line_start and piece in (b"\n", b"\r\n"):
            self.pending_blank = piece
            return
        self._emit(piece, line_start)

    def _emit(self, piece: bytes, line_start: bool) -> None:
        self.handle.write(piece)
        if self.in_header:
            if (line_start and piece.strip() == b"") or len(self.header) > MAX_HEADER_BYTES:
                self.in_header = False
            else:
                self.header.extend(piece)

    def close(self) -> Child:
        self.handle.close()
        meta: dict[str, Any] = {"envelope": self.envelope} if self.envelope else {}
        try:
            msg = HeaderParser(policy=policy.compat32).parsestr(
                self.header.decode("utf-8", "surrogateescape"))
            heads = header_metadata(msg)
        except Exception:  # a header block too broken to read: the child still has it all
            heads = {}
        for key in ("subject", "from", "date", "message_id"):
            if key in heads:
                meta[key] = heads[key]
        return Child(name=self.name, path=self.path, metadata=meta)


class MboxExtractor(Extractor):
    """A Unix mailbox: Thunderbird folders, Google Takeout, exports from mail servers."""

    name = "mbox"
    mime_types: ClassVar[frozenset[str]] = frozenset({"application/mbox", "application/x-mbox"})
    extensions: ClassVar[frozenset[str]] = frozenset({".mbox", ".mbx", ".mbs"})
    score = 20

    def extract(self, path: Path, ctx: Context) -> Extraction:
        children: list[Child] = []
        current: _Message | None = None
        limit = ctx.limits.max_archive_members
        reason: str | None = None
        previous_blank = True  # the start of the file counts as after a blank line
        line_start = True
        with path.open("rb") as handle:
            while True:
                piece = handle.readline(PIECE)
                if not piece:
                    break
                if line_start and previous_blank and _ENVELOPE.match(piece):
                    if current is not None:
                        children.append(current.close())
                        current = None
                    if len(children) >= limit:
                        reason = (f"limit: mailbox has more than {limit} messages "
                                  "(TROVE_MAX_ARCHIVE_MEMBERS); the rest were not read")
                        break
                    current = _Message(ctx, len(children) + 1,
                                       piece if piece.endswith(b"\n") else piece + b"\n")
                    while not piece.endswith(b"\n"):  # an absurdly long envelope line
                        piece = handle.readline(PIECE)
                        if not piece:
                            break
                    previous_blank, line_start = False, True
                    continue
                if line_start and _QUOTED_FROM.match(piece):
                    piece = piece[1:]
                if current is None:  # text before the first envelope: keep it as a message
                    current = _Message(ctx, len(children) + 1, b"")
                current.write(piece, line_start)
                if line_start:
                    previous_blank = piece.strip() == b""
                line_start = piece.endswith(b"\n")
        if current is not None:
            children.append(current.close())
        state: State = "partial" if reason else "extracted"
        return Extraction(state, text=_listing(children), children=tuple(children),
                          metadata={"messages": len(children)}, reason=reason)


def _listing(children: list[Child]) -> str:
    lines = [f"Mailbox with {len(children)} message{'s' if len(children) != 1 else ''}"]
    for child in children[:LISTED]:
        meta = child.metadata
        sender = ", ".join(meta.get("from", []))
        date = meta.get("date") or ""
        lines.append("\t".join((child.name, date, sender, meta.get("subject", ""))).rstrip())
    if len(children) > LISTED:
        lines.append(f"… and {len(children) - LISTED} more")
    return "\n".join(lines)
