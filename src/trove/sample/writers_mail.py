"""Mail writers for the sample leak: .eml messages with attachments, HTML mail, and mbox.

MIME boundaries are normally random; here they derive from the message id, and the mbox
"From " lines carry the message date, so output is reproducible.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from trove.sample.corpus_text import Mail

Attachment = tuple[str, str, bytes]  # file name, MIME type, content


def _fix_boundaries(message: EmailMessage, message_id: str) -> None:
    seed = hashlib.sha1(message_id.encode()).hexdigest()[:16]
    for i, part in enumerate(message.walk()):
        if part.is_multipart():
            part.set_boundary(f"----=_Part_{i}_{seed}")


def build_message(mail: Mail, attachments: Sequence[Attachment] = (), *,
                  html_body: str | None = None) -> EmailMessage:
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = formataddr((mail.sender.name, mail.sender.email))
    message["To"] = ", ".join(formataddr((p.name, p.email)) for p in mail.recipients)
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(mail.date)
    message["Message-ID"] = mail.message_id
    message["X-Mailer"] = "Foxmail 7.2.23.116[cn]" if mail.language.startswith("zh") \
        else "Microsoft Outlook 16.0"
    message.set_content("\n\n".join(mail.paragraphs), charset="utf-8")
    if html_body is not None:
        message.add_alternative(html_body, subtype="html", charset="utf-8")
    for name, mime, content in attachments:
        maintype, subtype = mime.split("/", 1)
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
    _fix_boundaries(message, mail.message_id)
    return message


def write_eml(mail: Mail, attachments: Sequence[Attachment] = (), *,
              html_body: str | None = None) -> bytes:
    return build_message(mail, attachments, html_body=html_body).as_bytes()


def html_mail_body(mail: Mail) -> str:
    """An HTML body with a tracking script and style, as marketing-grade clients send."""
    paras = "".join(f"<p>{p}</p>" for p in mail.paragraphs)
    return ("<html><head><style>p { margin: 0 0 8px }</style>"
            "<script>document.write('<img src=\"https://track.example/p.gif\">');"
            "var secretToken = 'SCRIPT-ONLY-TEXT';</script></head>"
            f"<body>{paras}</body></html>")


def write_mbox(messages: Sequence[tuple[Mail, Sequence[Attachment]]]) -> bytes:
    """An mbox (mboxo quoting) of several messages."""
    out = []
    for mail, attachments in messages:
        raw = build_message(mail, attachments).as_bytes().replace(b"\r\n", b"\n")
        quoted = b"\n".join(b">" + line if line.startswith(b"From ") else line
                            for line in raw.split(b"\n"))
        envelope = f"From {mail.sender.email} {mail.date:%a %b %d %H:%M:%S %Y}\n"
        out.append(envelope.encode() + quoted.rstrip(b"\n") + b"\n\n")
    return b"".join(out)
