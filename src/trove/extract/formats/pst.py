"""Outlook personal folders (.pst) and offline stores (.ost), through libpst's `readpst`.

`readpst` (Debian package pst-utils) writes one RFC 822 file per item (.eml, and .ics /
.vcf for appointments and contacts) into a folder tree named after the store's folders;
each file becomes a child named by that folder path and its file name, and the email
extractor reads it. readpst runs in its own process group under a time limit, and is
killed, with all it started, when the limit is reached.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from email import policy
from email.parser import HeaderParser
from pathlib import Path
from typing import Any, ClassVar

from trove.errors import ExtractionError, LimitExceeded, UnsupportedFormat
from trove.extract.base import Extractor
from trove.extract.formats.email_mime import header_metadata
from trove.extract.records import Child, Context, Extraction, State

__all__ = ["PstExtractor"]

PST_MAGIC = b"!BDN"
BASE_TIMEOUT = 120.0  # seconds, plus PER_MIB_TIMEOUT for every MiB of the store
PER_MIB_TIMEOUT = 2.0
MAX_TIMEOUT = 4 * 3600.0
HEADER_BYTES = 64 * 1024


def _readpst() -> str | None:
    return shutil.which("readpst")


def _run(command: list[str], timeout: float) -> subprocess.CompletedProcess[bytes]:
    """Run readpst in a new process group, so a timeout kills its forks too."""
    with subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          stdin=subprocess.DEVNULL, start_new_session=True) as process:
        try:
            _, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise
        return subprocess.CompletedProcess(command, process.returncode, b"", stderr)


def _summary(path: Path) -> dict[str, Any]:
    """Subject, sender and date of one exported item, from its first bytes."""
    with path.open("rb") as handle:
        head = handle.read(HEADER_BYTES)
    end = head.find(b"\r\n\r\n") if b"\r\n\r\n" in head else head.find(b"\n\n")
    try:
        msg = HeaderParser(policy=policy.compat32).parsestr(
            head[: end if end > 0 else len(head)].decode("utf-8", "surrogateescape"))
        meta = header_metadata(msg)
    except Exception:  # the child is read in full later; a summary is a nicety
        return {}
    return {k: meta[k] for k in ("subject", "from", "date", "message_id") if k in meta}


class PstExtractor(Extractor):
    """Outlook .pst / .ost stores: every message, appointment and contact is a child."""

    name = "pst"
    mime_types: ClassVar[frozenset[str]] = frozenset({"application/vnd.ms-outlook-pst",
                                                      "application/vnd.ms-outlook-ost"})
    extensions: ClassVar[frozenset[str]] = frozenset({".pst", ".ost"})
    magic: ClassVar[tuple[bytes, ...]] = (PST_MAGIC,)
    score = 20

    def extract(self, path: Path, ctx: Context) -> Extraction:
        readpst = _readpst()
        if readpst is None:
            raise UnsupportedFormat("Outlook .pst/.ost needs readpst (Debian package "
                                    "pst-utils), which is not installed")
        out = ctx.workdir / "readpst-output"
        out.mkdir()
        size_mib = path.stat().st_size / 1024**2
        timeout = min(MAX_TIMEOUT, BASE_TIMEOUT + PER_MIB_TIMEOUT * size_mib)
        # -e: one file per item with an extension; -D: deleted items too; -b: no RTF
        # copies of bodies as attachments; -8: UTF-8 bodies; -j 0: no forked workers.
        command = [readpst, "-e", "-D", "-b", "-8", "-j", "0", "-q", "-cv", "-o", str(out),
                   str(path.resolve())]
        try:
            done = _run(command, timeout)
        except subprocess.TimeoutExpired as exc:
            shutil.rmtree(out, ignore_errors=True)
            raise LimitExceeded(f"readpst took longer than {timeout:.0f} s") from exc
        except OSError as exc:
            raise UnsupportedFormat(f"readpst could not be run: {exc}") from exc
        error = done.stderr.decode("utf-8", "replace").strip()
        children, reason = self._collect(out, ctx)
        if done.returncode != 0 and not children:
            raise ExtractionError(f"readpst failed ({done.returncode}): {error[:200]}")
        if done.returncode != 0:
            reason = "; ".join(r for r in (reason, f"readpst exited with {done.returncode}: "
                                                   f"{error[:150]}") if r)
        folders = sorted({c.name.rsplit("/", 1)[0] for c in children if "/" in c.name})
        text = "\n".join([f"Outlook store with {len(children)} items in {len(folders)} folders",
                          *folders[:1000]])
        state: State = "partial" if reason else "extracted"
        return Extraction(state, text=text, children=tuple(children), reason=reason,
                          metadata={"items": len(children), "folders": folders[:1000]})

    def _collect(self, out: Path, ctx: Context) -> tuple[list[Child], str | None]:
        limit = ctx.limits.max_archive_members
        children: list[Child] = []
        root = out.resolve()
        for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
            dirnames.sort()
            for filename in sorted(filenames, key=_natural):
                source = Path(dirpath) / filename
                # readpst builds these paths from folder names in the store: trust nothing
                # that is not a regular file inside the output tree.
                if source.is_symlink() or not source.is_file() or \
                        not source.resolve().is_relative_to(root):
                    continue
                if len(children) >= limit:
                    return children, (f"limit: store has more than {limit} items "
                                      "(TROVE_MAX_ARCHIVE_MEMBERS); the rest were not read")
                name = source.relative_to(root).as_posix()
                target = ctx.new_child_path(source.suffix.lower())
                source.replace(target)
                meta = _summary(target) if target.suffix == ".eml" else {}
                children.append(Child(name=name, path=target, metadata=meta))
        return children, None


def _natural(name: str) -> tuple[int, str]:
    """readpst numbers items 1, 2, … 10: sort them as numbers."""
    stem = name.split(".", 1)[0]
    return (int(stem), name) if stem.isdigit() else (1 << 62, name)
