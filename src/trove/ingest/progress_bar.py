"""The progress bar shown while a cache is ingested: files/s, bytes/s and ETA."""

from __future__ import annotations

import time
from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, Progress, ProgressColumn, Task, TextColumn
from rich.text import Text

from trove.ingest.pipeline import Progress as Counters


def _human_bytes(size: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size < 1000 or unit == "TB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} TB"


class _Rates(ProgressColumn):
    def render(self, task: Task) -> Text:
        fields = task.fields
        elapsed = max(time.monotonic() - fields["started"], 1e-6)
        files_rate = task.completed / elapsed
        bytes_rate = fields["bytes_done"] / elapsed
        remaining = (task.total or 0) - task.completed
        eta = "--:--" if files_rate <= 0 else time.strftime(
            "%H:%M:%S", time.gmtime(remaining / files_rate))
        return Text(f"{task.completed:,}/{int(task.total or 0):,} files  "
                    f"{files_rate:,.1f} files/s  {_human_bytes(bytes_rate)}/s  ETA {eta}")


class IngestProgress:
    """A context manager whose `update` is the pipeline's progress callback."""

    def __init__(self, console: Console, enabled: bool = True) -> None:
        self.enabled = enabled
        self.bar = Progress(TextColumn("[bold]ingest"), BarColumn(), _Rates(),
                            console=console, transient=False, auto_refresh=True,
                            refresh_per_second=4)
        self.task = self.bar.add_task("ingest", total=0, started=time.monotonic(),
                                      bytes_done=0)
        self._last = 0.0

    def __enter__(self) -> IngestProgress:
        if self.enabled:
            self.bar.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self.enabled:
            self.bar.stop()

    def update(self, counters: Counters, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._last < 0.1:
            return
        self._last = now
        self.bar.update(self.task, completed=counters.files_done, total=counters.files_total,
                        started=counters.started, bytes_done=counters.bytes_done)
