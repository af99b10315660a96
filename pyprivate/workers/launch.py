"""Start worker processes on this machine and join them, in one call (for notebooks and classes).

    bob, alice, james = sy.start_workers("bob", "alice", "james")
    ...                       # the same code as with virtual workers
    sy.leave()                # the group shuts down and the processes exit

Each worker is ``python -m pyprivate.worker`` in its own process, on a free
port of 127.0.0.1; its output goes to a log file (``worker.log_path``). A
worker process also exits when the process that started it dies, so a
restarted kernel leaves nothing behind.
"""

import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

from ..errors import GroupFormationError, PyPrivateError
from .client import local_worker

_started = []  # (process, log path) of the workers this process started


def _free_port(host):
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _check_names(names):
    if not names:
        raise PyPrivateError('name the workers to start, e.g. sy.start_workers("bob", "alice", "james")')
    for name in names:
        if not isinstance(name, str) or not name.isidentifier():
            raise PyPrivateError(f"a worker name is a word such as 'bob', not {name!r}")
    if len(set(names)) != len(names) or local_worker.id in names:
        raise PyPrivateError(f"worker names must be different from each other and from {local_worker.id!r}")


def start_workers(*names, timeout=30.0, host="127.0.0.1"):
    """Start one worker process per name, join them, and return their handles in the same order.

    Waits at most ``timeout`` seconds for the group to form (then
    :class:`~pyprivate.errors.GroupFormationError`, with the end of each
    worker's log); the same limit then applies to every answer.
    """
    from .rpc import join

    _check_names(names)
    if _started:
        raise PyPrivateError("workers started earlier are still running: call sy.leave() first")
    master, world = f"{host}:{_free_port(host)}", len(names) + 1
    logs = Path(tempfile.mkdtemp(prefix="pyprivate-workers-"))
    for rank, name in enumerate(names, start=1):
        log = logs / f"{name}.log"
        with open(log, "wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "pyprivate.worker", "--name", name, "--rank", str(rank), "--world",
                 str(world), "--master", master, "--timeout", str(timeout), "--parent", str(os.getpid())],
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        _started.append((process, log))
    try:
        handles = join(world, master, timeout)
    except GroupFormationError as exc:
        tails = "; ".join(f"{log.stem}: {_tail(log)}" for _, log in _started)
        reap(wait=0)
        raise GroupFormationError(f"{exc} Worker logs: {tails}") from None
    for (process, log), name in zip(_started, names):
        handles[name].pid, handles[name].log_path = process.pid, str(log)
    return [handles[name] for name in names]


def _tail(log, lines=2):
    text = log.read_text(errors="replace").strip().splitlines() if log.exists() else []
    return " / ".join(text[-lines:]) or "(nothing written)"


def reap(wait=10.0):
    """Wait up to ``wait`` seconds for the started worker processes to exit, then kill the rest."""
    while _started:
        process, _ = _started.pop()
        try:
            process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
