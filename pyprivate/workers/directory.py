"""Which workers exist, by id, so one worker can reach another.

A crypto provider deals its shares straight to the parties (the data
scientist's process never sees them), so it must be able to find a worker
from its id. When several live workers have the same id (a notebook cell
that creates ``bob`` ran again), the newest is the one found; once it is
garbage, the one before it is found again.
"""

import weakref

from ..errors import NotAWorkerError, WorkerMismatchError

_workers: dict[str, list] = {}  # id -> weak references, oldest first


def register(worker):
    refs = [ref for ref in _workers.get(worker.id, []) if ref() is not None]
    _workers[worker.id] = refs + [weakref.ref(worker)]


def find(worker_id):
    """The newest live worker called ``worker_id``; a clear error if there is none."""
    for ref in reversed(_workers.get(worker_id, [])):
        worker = ref()
        if worker is not None:
            return worker
    raise NotAWorkerError(f"no worker called {worker_id!r} is reachable from here")


def check_current(workers):
    """Raise a clear error if a newer worker has taken the id of one of ``workers``.

    Messages name workers by id, so a crypto provider would deal to the
    newer worker, not to the one that holds the shares.
    """
    for worker in workers:
        newest = find(worker.id)
        if newest is not worker:
            raise WorkerMismatchError(
                f"a newer worker called {worker.id!r} was created (sy.VirtualWorker(hook, id={worker.id!r}) ran "
                f"again), so the crypto provider can no longer reach the old one that holds these shares; "
                "share the tensors and the model again with the new workers"
            )
