"""Which workers exist, by id, so one worker can reach another.

A crypto provider deals its shares straight to the parties (the data
scientist's process never sees them), so it must be able to find a worker
from its id. The newest worker created with an id is the one found.
"""

import weakref

from ..errors import NotAWorkerError

_workers = weakref.WeakValueDictionary()


def register(worker):
    _workers[worker.id] = worker


def find(worker_id):
    """The worker called ``worker_id``; a clear error if there is none."""
    worker = _workers.get(worker_id)
    if worker is None:
        raise NotAWorkerError(f"no worker called {worker_id!r} is reachable from here")
    return worker
