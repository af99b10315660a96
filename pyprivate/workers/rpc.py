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

(:func:`pyprivate.workers.launch.start_workers` does all of this in one call
on one machine.) The group forms at a rendezvous hosted by the notebook
(rank 0): every process waits there at most ``timeout`` seconds, then
raises :class:`~pyprivate.errors.GroupFormationError` instead of waiting
for torch's default 30 minutes.
"""

import collections
import os
import socket
import threading
import time
import warnings
from dataclasses import asdict, dataclass
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

from ..errors import GroupFormationError, PyPrivateError, WorkerUnreachableError
from .base import BaseWorker, MessageRecord, VirtualWorker
from .client import local_worker, request
from .messages import GetLog
from .transport import Transport

_served = {}  # the worker this process runs, under "worker"
_SCHEME = "pyprivate"  # tcp:// rendezvous with a time limit
_READY_WAIT = 30.0  # seconds a request waits for the worker's handles to the others


def _rpc():
    # Imported on use: some torch builds ship without the distributed package.
    import torch.distributed.rpc as rpc

    return rpc


def deliver(payload):
    """Runs in the receiving process: hand the bytes to its worker.

    A request can arrive as soon as the group has formed, before this process
    has made its handles to the other workers (a crypto provider needs them
    to deal): it waits for them first.
    """
    ready = _served.get("ready")
    if ready is not None:
        ready.wait(_READY_WAIT)
    return _served["worker"].recv_msg(payload)


class RpcTransport(Transport):
    """Delivers message bytes to the process called ``name`` in the RPC group."""

    concurrent = True  # the parties of a round are asked at once: one round trip per round

    def __init__(self, name, timeout=30.0):
        self.name, self.timeout = name, timeout

    def request(self, payload):
        try:
            return _rpc().rpc_sync(self.name, deliver, args=(bytes(payload),), timeout=self.timeout)
        except RuntimeError as exc:
            if "could not find destination name" in str(exc):  # asked at once: no waiting happened
                raise WorkerUnreachableError(
                    f"no worker called {self.name!r} is in this group (its members: {', '.join(_members())}); "
                    "check the name, or start that worker and let it join"
                ) from None
            raise WorkerUnreachableError(
                f"worker {self.name!r} did not answer within {self.timeout:g} s (stopped or unreachable): {exc}"
            ) from None


def _members():
    """The names of the processes in the group (this one included)."""
    try:
        return [info.name for info in _rpc().api._get_current_rpc_agent().get_worker_infos()]
    except Exception:  # a private torch API: the message then just names no members
        return ["?"]


@dataclass(frozen=True)
class Process:
    """Where a worker runs: its process id, its rank in the group (None outside a group), its computer."""

    pid: int
    rank: int | None
    host: str


def this_process(rank=None):
    """The :class:`Process` this code runs in (``rank``: this process's rank, else asked of the group)."""
    if rank is None and _joined():
        rank = _rpc().get_worker_info().id
    return Process(os.getpid(), rank, socket.gethostname())


class RemoteWorker(BaseWorker):
    """A handle to a worker in another process: messages to it travel over RPC.

    The worker logs the messages it receives in its own process.
    :meth:`sync_message_log` asks it for them, so that this handle's
    ``message_log`` is a copy of that log (for a MessagesView), and
    ``process`` says where the worker runs.
    """

    def __init__(self, name, timeout=30.0):
        super().__init__(id=name)
        self.transport = RpcTransport(name, timeout)
        self.process = None  # a Process, known after the first sync_message_log()
        self._log_seen = 0  # how many messages of the worker's log this copy has seen
        self._log_reachable = True

    def __repr__(self):
        return f"<RemoteWorker id:{self.id}>"

    def sync_message_log(self):
        """Copy what the worker logged since the last call into ``message_log`` (one ``get_log`` message).

        The worker logs this question too. A worker that did not answer
        once, or a group that was left, is not asked again: the copy then
        stays as it was. Returns ``message_log``.
        """
        if self._log_reachable and _joined():
            try:
                answer = request(self, GetLog(self._log_seen))
            except PyPrivateError:  # stopped, or not a worker that keeps its log for others
                self._log_reachable = False
            else:
                self._log_seen = answer["total"]
                self.process = Process(**answer["process"])
                self.message_log.extend(MessageRecord(*fields) for fields in answer["records"])
        else:
            self._log_reachable = False
        return self.message_log


class ServedWorker(VirtualWorker):
    """The worker that a process runs for its group (:func:`serve`).

    It also answers :class:`~pyprivate.workers.messages.GetLog`: its log
    lives in this process, so a handle in another process must ask for it.
    It numbers the messages it logs, so that a handle asks only for what is new.
    """

    def __init__(self, name, rank, log_size=10_000):
        super().__init__(id=name, log_size=log_size)
        self.process = this_process(rank)
        self._lock = threading.Lock()  # messages arrive on several RPC threads at once
        self._logged = 0
        self._numbered = collections.deque(maxlen=log_size)  # the log again, counted under the lock
        self.observe_messages(self._count)

    def _count(self, record):
        with self._lock:
            self._logged += 1
            self._numbered.append(record)

    def _handle(self, message, sender="?"):
        if isinstance(message, GetLog):
            return self._log_since(message.since)
        return super()._handle(message, sender)

    def _log_since(self, since):
        with self._lock:
            total, records = self._logged, list(self._numbered)
        # A count beyond ours comes from a handle of an earlier group: it gets all we have.
        new = min(total - since, len(records)) if 0 <= since <= total else len(records)
        fields = [[r.kind, r.sender, r.receiver, r.nbytes, r.reply_nbytes, r.op, r.time]
                  for r in records[len(records) - new:]]
        return {"total": total, "records": fields, "process": asdict(self.process)}


def _rendezvous(url, **kwargs):
    """torch's tcp:// rendezvous, but waiting at most the ``timeout`` given in the URL."""
    import torch.distributed as dist

    parsed = urlparse(url)
    query = {key: values[-1] for key, values in parse_qs(parsed.query).items()}
    rank, world = int(query["rank"]), int(query["world_size"])
    listening = {}
    if rank == 0:  # the rendezvous listens on the address it was given (loopback by default), not on every interface
        try:
            server = socket.create_server((parsed.hostname, parsed.port))
        except OSError as exc:  # reported like torch's own failures: join() turns it into a GroupFormationError
            raise RuntimeError(f"cannot listen on {parsed.hostname}:{parsed.port}: {exc.strerror}") from None
        listening = {"master_listen_fd": server.detach()}  # the store owns the socket from now on
    try:
        store = dist.TCPStore(parsed.hostname, parsed.port, world, is_master=rank == 0,
                              timeout=timedelta(seconds=float(query["timeout"])), wait_for_workers=True, **listening)
    except BaseException:
        if listening:
            try:
                os.close(listening["master_listen_fd"])
            except OSError:  # the store had taken it and closed it already
                pass
        raise
    yield store, rank, world
    raise RuntimeError("a pyprivate group cannot re-form; start it again")


def _options(master, timeout):
    import torch.distributed as dist

    try:
        dist.register_rendezvous_handler(_SCHEME, _rendezvous)
    except RuntimeError:  # registered by an earlier join
        pass
    host, _, port = str(master).rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise PyPrivateError(f"master must be 'host:port', e.g. '127.0.0.1:29500', not {master!r}")
    return _rpc().TensorPipeRpcBackendOptions(init_method=f"{_SCHEME}://{master}?timeout={float(timeout)}",
                                              rpc_timeout=timeout)


def _init(name, rank, world, master, timeout):
    """``init_rpc``, with a clear error when the group does not form in time."""
    if _joined():
        raise PyPrivateError("this process is already in a worker group: call sy.leave() first")
    if not isinstance(world, int) or world < 2:
        raise PyPrivateError(f"world counts every process of the group, this one included: at least 2, not {world!r}")
    options = _options(master, timeout)
    rpc = _rpc()
    _forget_earlier_groups(rpc)
    try:
        with warnings.catch_warnings():  # torch's deprecation notice about its own internal process group
            warnings.filterwarnings("ignore", message=".*as a ProcessGroup", category=UserWarning)
            rpc.init_rpc(name, rank=rank, world_size=world, rpc_backend_options=options)
    except (RuntimeError, ValueError) as exc:  # DistStoreError and DistNetworkError are RuntimeErrors
        if rank == 0:
            ranks = "1" if world == 2 else f"1, ..., {world - 1}"
            fix = (f"start {world - 1} worker(s) with `python -m pyprivate.worker --name NAME --rank RANK "
                   f"--world {world} --master {master}` (RANK = {ranks}), or use sy.start_workers, then join again")
        else:
            fix = f"start the notebook side first (sy.join(world={world}, master={master!r})) and check the address"
        raise GroupFormationError(
            f"the group of {world} processes at {master} did not form within {timeout:g} s: {fix}. "
            f"({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})"
        ) from None


def _forget_earlier_groups(rpc):
    """Let a process that left a group join a new one (a notebook run twice in one kernel).

    torch numbers its ``init_rpc`` calls and its all-gathers per process, and
    fresh worker processes start at 0, so a second group would wait forever.
    Each pyprivate group has a store of its own and no gather is in flight
    after ``leave``, so both counts can start again. (Private torch state:
    ``tests/test_rpc_launch.py`` starts a group twice to catch a change.)
    """
    from torch.distributed.rpc import api

    if hasattr(rpc, "_init_counter"):
        with rpc._init_counter_lock:
            rpc._init_counter = 0
    if hasattr(api, "_all_gather_sequence_id"):
        with api._all_gather_dict_lock:
            api._all_gather_sequence_id.clear()


def _joined():
    from torch.distributed.rpc.api import _is_current_rpc_agent_set

    return _is_current_rpc_agent_set()


def _handles(own_name, timeout):
    infos = _rpc()._get_current_rpc_agent().get_worker_infos()
    return {info.name: RemoteWorker(info.name, timeout) for info in infos if info.name != own_name}


def join(world, master="127.0.0.1:29500", timeout=30.0):
    """Join the group as the local worker "me" (rank 0); returns ``{name: RemoteWorker}`` for the others.

    Waits at most ``timeout`` seconds for all ``world - 1`` workers, then
    raises :class:`~pyprivate.errors.GroupFormationError`.
    """
    _init(local_worker.id, 0, world, master, timeout)
    handles = _handles(local_worker.id, timeout)
    _served["handles"] = handles
    return handles


def _stop():
    """Runs in a worker process when the notebook leaves: lets :func:`serve` return."""
    _served["stop"].set()


def serve(name, rank, world, master="127.0.0.1:29500", timeout=30.0):
    """Run a worker called ``name`` in this process until the notebook side leaves the group.

    A worker process only runs protocol steps: it uses ``sy.settings.protocol_threads`` torch threads.
    """
    import torch

    from ..memory import keep_freed_memory
    from ..settings import settings

    if settings.protocol_threads is not None:
        torch.set_num_threads(settings.protocol_threads)
    keep_freed_memory()  # protocol steps make and drop large tensors: pyprivate/memory.py
    _served["worker"] = ServedWorker(name, rank)
    _served["stop"] = threading.Event()
    _served["ready"] = threading.Event()
    _init(name, rank, world, master, timeout)
    _served["handles"] = _handles(name, timeout)  # so a crypto provider can reach the parties
    _served["ready"].set()
    _served["stop"].wait()
    time.sleep(0.3)  # let the answer to the stop request leave first
    _rpc().shutdown(graceful=False)


def leave():
    """Leave the group: every worker process is told to stop, then this process leaves.

    Nothing waits for a worker that already died. Worker processes started
    with ``sy.start_workers`` are then reaped. Safe to call twice.
    """
    from . import launch

    if _joined():
        rpc = _rpc()
        for handle in _served.get("handles", {}).values():
            try:
                rpc.rpc_sync(handle.id, _stop, timeout=5)
            except RuntimeError:  # already gone, or it stopped before replying
                pass
        rpc.shutdown(graceful=False)
    _served.pop("handles", None)
    launch.reap()
