"""Checked exercises of lesson 6, workers in other processes: messages, missing workers, forming a group.

The checks run on workers in this process. A worker that has stopped is
played by a worker whose transport fails as RPC does for a stopped process,
so the checks take milliseconds and need no group.
"""

import gc
import shlex
from types import SimpleNamespace

import torch

from ..errors import WorkerUnreachableError
from ..i18n import N_
from ..workers import Transport, VirtualWorker
from .checklist import Checklist, NotYet, answer_of, expect
from .common import NOT_A_FUNCTION

check = Checklist("06-workers-in-processes")

EXPECTED_INT = N_("Expected a whole number (an int), got {kind}.")


# -- q1: the messages of a shared addition ------------------------------------------------------------------

def messages_of_shared_addition():
    """How many messages ``x + y`` takes when Bob and Alice share x and y (James the crypto provider).

    Counted on fresh workers in this process: a message is the same whether
    its receiver is an object here or a process elsewhere.
    """
    bob, alice, james = (VirtualWorker(id=f"exercise06-{name}") for name in ("bob", "alice", "james"))
    x = torch.tensor([1.5, 2.0]).fix_precision().share(bob, alice, crypto_provider=james)
    y = torch.tensor([0.5, -1.0]).fix_precision().share(bob, alice, crypto_provider=james)
    before = sum(len(worker.message_log) for worker in (bob, alice, james))
    x + y
    return sum(len(worker.message_log) for worker in (bob, alice, james)) - before


@check.exercise("q1", N_("The messages of an addition of shared values"))
def _(count):
    expect(isinstance(count, int) and not isinstance(count, bool), EXPECTED_INT, kind=type(count).__name__)
    truth = messages_of_shared_addition()
    if count == truth:
        return
    holders = N_("Count the commands this notebook sends: one to each process that holds a share.")
    expect(count != 0, N_("Bob and Alice add their shares without talking to each other, but this notebook "
                          "must still tell each of them to add, with a message."), hint=holders)
    expect(count != 1, N_("Bob and Alice each hold a share of x and of y: each needs its own command."),
           hint=holders)
    expect(count != truth + 1, N_("James deals randomness for products and comparisons; an addition needs "
                                  "nothing from him."), hint=holders)
    expect(count != 2 * truth, N_("A request and its reply count as one message, as in the MessagesView."),
           hint=holders)
    raise NotYet(N_("{count} is not the number of messages of x + y."), count=count,
                 hint=N_("Count the commands this notebook sends, then check with a MessagesView: "
                         "with messages: x + y"))


# -- q2: which workers are missing --------------------------------------------------------------------------

class StoppedProcess(Transport):
    """The transport of a worker whose process has stopped: every request fails, as it does over RPC."""

    def __init__(self, name):
        self.name = name

    def request(self, payload):
        raise WorkerUnreachableError(f"worker {self.name!r} did not answer within 1 s (stopped or unreachable)")


def workers_named(names, stopped=()):
    """Fresh workers called ``names``; those in ``stopped`` do not answer."""
    workers = []
    for name in names:
        worker = VirtualWorker(id=name)
        if name in stopped:
            worker.transport = StoppedProcess(name)
        workers.append(worker)
    return workers


def _check_missing(missing_workers, cases):
    expect(callable(missing_workers), NOT_A_FUNCTION, kind=type(missing_workers).__name__)
    for names, stopped in cases:
        workers = workers_named(names, stopped)
        try:
            found = answer_of(missing_workers, workers)
        except WorkerUnreachableError as error:
            raise NotYet(N_("Your function stopped at the first worker that did not answer: {error}"),
                         error=error, hint=N_("Catch sy.errors.WorkerUnreachableError around the message to "
                                              "each worker, and go on with the next worker.")) from None
        expect(isinstance(found, (list, tuple)), N_("Your function should return a list, it returned {kind}."),
               kind=type(found).__name__)
        expect(all(isinstance(item, str) for item in found),
               N_("Expected the workers' ids, strings such as 'erin', got {got}."), got=list(found),
               hint=N_("A worker's id is worker.id."))
        want = [name for name in names if name in stopped]
        hint = N_("Send each worker a small message, e.g. torch.zeros(1).send(worker).get(), and keep "
                  "the ids of the workers for which it raises, in the order given.")
        expect(want or not found, N_("Every worker answers, but your function returned {got}."), got=list(found),
               hint=hint)
        expect(list(found) == want, N_("Of {names}, {stopped} stopped, but your function returned {got}."),
               names=", ".join(names), stopped=", ".join(want), got=list(found), hint=hint)


@check.exercise("q2", N_("Find the workers that do not answer"))
def _(missing_workers):
    names = ["dave", "erin", "frank"]
    _check_missing(missing_workers, [(names, ()), (names, ("erin",))])


@check.hidden("q2")
def _(missing_workers):
    names = ["grace", "heidi", "ivan", "judy", "oscar"]
    _check_missing(missing_workers, [(names, ("grace", "oscar")), (names, tuple(names)), ([], ())])
    workers = workers_named(names, ("heidi",))
    missing_workers(workers)
    gc.collect()
    left = {worker.id: len(worker._objects) for worker in workers if len(worker._objects)}
    expect(not left, N_("Your function left objects at the workers that answered: {left}."), left=left,
           hint=N_("Bring your test tensor back with .get(), or let its pointer go: stores should stay empty."))


# -- q3: the commands that form a group on several computers ------------------------------------------------

_OPTIONS = {"--name": str, "--rank": int, "--world": int, "--master": str, "--timeout": float, "--parent": int}
_REQUIRED = ("--name", "--rank", "--world")


def parse_worker_command(command):
    """The options of one ``python -m pyprivate.worker ...`` command (as pyprivate/worker.py reads them),
    or a NotYet that says what is wrong."""
    expect(isinstance(command, str), N_("Each command should be a string, got {kind}."), kind=type(command).__name__)
    try:
        words = shlex.split(command)
    except ValueError:
        words = []
    expect(len(words) > 3 and words[0].startswith("python") and words[1:3] == ["-m", "pyprivate.worker"],
           N_("Each command starts a worker: python -m pyprivate.worker --name NAME ..., not {command}"),
           command=command)
    options, rest = {}, []
    for word in words[3:]:
        rest += word.split("=", 1) if word.startswith("--") else [word]
    accepted = len(rest) % 2 == 0
    for option, value in zip(rest[::2], rest[1::2]):
        try:
            options[option] = _OPTIONS[option](value)
        except (KeyError, ValueError):
            accepted = False
    expect(accepted and all(option in options for option in _REQUIRED),
           N_("pyprivate.worker would not accept {command}"), command=command,
           hint=N_("Use the options --name, --rank, --world and --master, each followed by its value."))
    return SimpleNamespace(name=options["--name"], rank=options["--rank"], world=options["--world"],
                           master=options.get("--master", "127.0.0.1:29500"))


def _check_commands(worker_commands, cases):
    expect(callable(worker_commands), NOT_A_FUNCTION, kind=type(worker_commands).__name__)
    for names, master in cases:
        commands = answer_of(worker_commands, list(names), master)
        expect(isinstance(commands, (list, tuple)), N_("Your function should return a list, it returned {kind}."),
               kind=type(commands).__name__)
        expect(len(commands) == len(names), N_("Expected one command per worker ({n}), got {got}."),
               n=len(names), got=len(commands))
        options = [parse_worker_command(command) for command in commands]
        expect([o.name for o in options] == list(names), N_("The commands start {got}, not {want}."),
               got=", ".join(o.name for o in options), want=", ".join(names))
        world = len(names) + 1
        for o in options:
            expect(o.world != len(names), N_("--world {world} counts only the workers, but the notebook is a "
                                             "process of the group too."), world=o.world,
                   hint=N_("world = the number of workers + 1 (the notebook, rank 0)."))
            expect(o.world == world, N_("{name} says --world {got}, but the group has {want} processes."),
                   name=o.name, got=o.world, want=world,
                   hint=N_("world = the number of workers + 1 (the notebook, rank 0)."))
            expect(o.rank != 0, N_("{name} has rank 0, but rank 0 is the notebook, which hosts the rendezvous."),
                   name=o.name, hint=N_("Workers take the ranks 1, 2, 3, ..."))
            expect(o.master == master, N_("{name} would look for the rendezvous at {got}, but the notebook hosts "
                                          "it at {want}."), name=o.name, got=o.master, want=master,
                   hint=N_("Give every worker the same --master: the notebook's address and port."))
        ranks = sorted(o.rank for o in options)
        expect(ranks == list(range(1, world)),
               N_("The ranks are {got}; a group of {n} workers needs each of 1 to {n} once."),
               got=", ".join(str(o.rank) for o in options), n=len(names),
               hint=N_("Give the i-th worker the rank i, counting from 1."))


@check.exercise("q3", N_("The commands that start workers on other computers"))
def _(worker_commands):
    _check_commands(worker_commands, [(["bob", "alice", "james"], "192.168.1.10:29500")])


@check.hidden("q3")
def _(worker_commands):
    _check_commands(worker_commands, [(["dave"], "10.0.0.7:29600"),
                                      (["erin", "carol", "frank", "grace", "heidi"], "127.0.0.1:29511")])
