"""A pool of extraction worker processes, each with a deadline per job.

Written by hand because the standard pools cannot kill one hung task: here every worker
owns a pipe, a job that outlives its deadline gets its worker's whole process group
killed (including any OCR or conversion subprocess it started), and a fresh worker takes
its place. A worker that dies (a crash in a native parser) is replaced the same way.
Workers are also replaced after a number of jobs, which bounds the memory a long run
can accumulate.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

_CONTEXT = multiprocessing.get_context("spawn")
READY = "ready"


@dataclass(frozen=True)
class Outcome:
    job_id: int
    ok: bool
    value: Any  # the job's return value, or the reason it failed


def _serve(conn: Connection, initializer: Callable[..., Any], init_args: tuple[Any, ...],
           handler: Callable[[Any, str, Any], Any]) -> None:
    os.setpgrp()  # so the coordinator can kill this worker together with its subprocesses
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the coordinator's business
    state = initializer(*init_args)
    try:
        conn.send(READY)  # deadlines start counting only once a worker is ready
    except (BrokenPipeError, OSError):
        return
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        job_id, kind, payload = message
        try:
            reply = (job_id, True, handler(state, kind, payload))
        except Exception as exc:  # reported to the coordinator, which records it
            reply = (job_id, False, f"{type(exc).__name__}: {exc}"[:300])
        try:
            conn.send(reply)
        except (BrokenPipeError, OSError):
            return


class _Worker:
    def __init__(self, target: Callable[..., None], args: tuple[Any, ...]) -> None:
        parent, child = _CONTEXT.Pipe()
        self.conn = parent
        self.process = _CONTEXT.Process(target=target, args=(child, *args), daemon=True)
        self.process.start()
        child.close()
        self.job: int | None = None
        self.started = 0.0
        self.jobs_done = 0
        self.ready = False
        self.spawned = time.monotonic()

    def kill(self) -> None:
        pid = self.process.pid
        if pid is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.process.join(timeout=5)
        self.conn.close()

    def stop(self) -> None:
        with contextlib.suppress(OSError, BrokenPipeError):
            self.conn.send(None)
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.kill()
        else:
            self.conn.close()


class WorkerPool:
    def __init__(self, size: int, initializer: Callable[..., Any], init_args: tuple[Any, ...],
                 handler: Callable[[Any, str, Any], Any], timeout: float,
                 max_jobs: int = 400) -> None:
        self._args = (initializer, init_args, handler)
        self.timeout = timeout
        self.max_jobs = max_jobs
        self.workers = [self._spawn() for _ in range(size)]

    def _spawn(self) -> _Worker:
        return _Worker(_serve, self._args)

    def idle(self) -> int:
        """Workers that are ready and have no job."""
        return sum(1 for w in self.workers if w.job is None and w.ready)

    def submit(self, job_id: int, kind: str, payload: Any) -> None:
        for worker in self.workers:
            if worker.job is None and worker.ready:
                worker.conn.send((job_id, kind, payload))
                worker.job, worker.started = job_id, time.monotonic()
                return
        raise RuntimeError("no idle worker")

    def poll(self, timeout: float) -> list[Outcome]:
        """Outcomes of finished, failed and timed-out jobs, waiting at most `timeout`."""
        outcomes: list[Outcome] = []
        watched = {w.conn: w for w in self.workers if w.job is not None or not w.ready}
        if watched:
            for conn in wait(list(watched), timeout=timeout):
                worker = watched[conn]  # type: ignore[index]
                job = worker.job
                try:
                    message = worker.conn.recv()
                except (EOFError, OSError):
                    worker.process.join(timeout=5)
                    if job is not None:
                        outcomes.append(Outcome(job, False,
                                                _death_reason(worker.process.exitcode)))
                    elif time.monotonic() - worker.spawned < 1:
                        raise RuntimeError("extraction workers cannot start") from None
                    self._replace(worker)
                    continue
                if message == READY:
                    worker.ready = True
                    continue
                job_id, ok, value = message
                worker.job = None
                worker.jobs_done += 1
                outcomes.append(Outcome(job_id, ok, value))
                if worker.jobs_done >= self.max_jobs:
                    worker.stop()
                    self.workers[self.workers.index(worker)] = self._spawn()
        else:
            time.sleep(min(timeout, 0.05))
        now = time.monotonic()
        for worker in list(self.workers):
            if worker.job is not None and now - worker.started > self.timeout:
                outcomes.append(Outcome(worker.job, False,
                                        f"timeout: extraction took over {self.timeout:g} s"))
                self._replace(worker)
        return outcomes

    def _replace(self, worker: _Worker) -> None:
        worker.kill()
        self.workers[self.workers.index(worker)] = self._spawn()

    def close(self) -> None:
        for worker in self.workers:
            if worker.job is None:
                worker.stop()
            else:
                worker.kill()


def _death_reason(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = str(-code)
        return f"extractor crashed (killed by {name})"
    return f"extractor crashed (exit code {code})"
