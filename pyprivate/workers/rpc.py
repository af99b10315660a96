"""Workers in other processes or on other machines, over ``torch.distributed.rpc``.

The engine is PyTorch's own RPC (TensorPipe over TCP); pyprivate adds no
socket protocol. Each process runs one worker. A request is pyprivate's
usual message bytes, handed to one registered function, :func:`deliver`,
in the receiving process, which passes them to its worker's ``recv_msg``.

Trust: torch RPC frames its calls with pickle, so every process that joins
the group can run code in the others. Only start workers in a group you
trust (your own terminals, a classroom's machines); pyprivate's own message
decoder never runs code, but the engine underneath does not promise that.

    # in three terminals
    python -m pyprivate.worker --name bob   --rank 1 --world 4 --master 127.0.0.1:29500
    python -m pyprivate.worker --name alice --rank 2 --world 4 --master 127.0.0.1:29500
    python -m pyprivate.worker --name james --rank 3 --world 4 --master 127.0.0.1:29500
    # in the notebook
    workers = sy.join(world=4, master="127.0.0.1:29500")
    bob, alice, james = workers["bob"], workers["alice"], workers["james"]
"""

from ..errors import WorkerUnreachableError
from .base import BaseWorker, VirtualWorker
from .client import local_worker
from .transport import Transport

_served = {}  # the worker this process runs, under "worker"


def _rpc():
    # Imported on use: some torch builds ship without the distributed package.
    import torch.distributed.rpc as rpc

    return rpc


def deliver(payload):
    """Runs in the receiving process: hand the bytes to its worker."""
    return _served["worker"].recv_msg(payload)


class RpcTransport(Transport):
    """Delivers message bytes to the process called ``name`` in the RPC group."""

    def __init__(self, name, timeout=30.0):
        self.name, self.timeout = name, timeout

    def request(self, payload):
        try:
            return _rpc().rpc_sync(self.name, deliver, args=(bytes(payload),), timeout=self.timeout)
        except RuntimeError as exc:
            raise WorkerUnreachableError(
                f"worker {self.name!r} did not answer within {self.timeout:g} s (stopped or unreachable): {exc}"
            ) from None


class RemoteWorker(BaseWorker):
    """A handle to a worker in another process: messages to it travel over RPC."""

    def __init__(self, name, timeout=30.0):
        super().__init__(id=name)
        self.transport = RpcTransport(name, timeout)

    def __repr__(self):
        return f"<RemoteWorker id:{self.id}>"


def _options(master, timeout):
    return _rpc().TensorPipeRpcBackendOptions(init_method=f"tcp://{master}", rpc_timeout=timeout)


def _handles(own_name, timeout):
    infos = _rpc()._get_current_rpc_agent().get_worker_infos()
    return {info.name: RemoteWorker(info.name, timeout) for info in infos if info.name != own_name}


def join(world, master="127.0.0.1:29500", timeout=30.0):
    """Join the group as the local worker "me" (rank 0); returns ``{name: RemoteWorker}`` for the others."""
    _rpc().init_rpc(local_worker.id, rank=0, world_size=world, rpc_backend_options=_options(master, timeout))
    handles = _handles(local_worker.id, timeout)
    _served["handles"] = handles
    return handles


def serve(name, rank, world, master="127.0.0.1:29500", timeout=30.0):
    """Run a worker called ``name`` in this process until the group shuts down."""
    _served["worker"] = VirtualWorker(id=name)
    _rpc().init_rpc(name, rank=rank, world_size=world, rpc_backend_options=_options(master, timeout))
    _served["handles"] = _handles(name, timeout)  # so a crypto provider can reach the parties
    _rpc().shutdown()


def leave(graceful=True):
    """Leave the group (``graceful``: wait for the other processes to finish too)."""
    _rpc().shutdown(graceful=graceful)
    _served.pop("handles", None)
