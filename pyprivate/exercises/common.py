"""What several lessons' checks share: workers of their own, the verdicts for an answer of the wrong kind, and a
recorder of what reaches the learner's process."""

import torch

from ..hook import TorchHook
from ..i18n import N_
from ..tensors.encoding import FixedPointEncoder
from ..tree import leaves
from ..workers import VirtualWorker, serde
from ..workers.messages import FixedPrecisionData
from .checklist import expect

NOT_A_FUNCTION = N_("Expected a function, got {kind}.")
NOT_A_TENSOR = N_("Your function should return a tensor, it returned {kind}.")
NOT_AN_INT = N_("Expected a whole number (an int) for {name}, got {kind}.")
STILL_ENCODED_HINT = N_("Reveal it with .get() and decode it with .float_precision().")

WORKER_NAMES = ("bob", "alice", "charlie")


def exercise_workers(n_workers):
    """``n_workers`` fresh workers and a crypto provider for one check (ids ``exercise_bob`` ...),
    so that a check never touches the lesson's own workers."""
    hook = TorchHook(torch)
    workers = [VirtualWorker(hook, id=f"exercise_{name}") for name in WORKER_NAMES[:n_workers]]
    return workers, VirtualWorker(hook, id="exercise_james")


def seeded_model(make, seed):
    """``make()`` with parameters drawn from ``seed``, leaving the notebook's random state untouched."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return make()


def expect_function(answer):
    expect(callable(answer), NOT_A_FUNCTION, kind=type(answer).__name__)


def expect_tensor(result):
    expect(torch.is_tensor(result), NOT_A_TENSOR, kind=type(result).__name__)


def expect_int(value, name):
    expect(isinstance(value, int) and not isinstance(value, bool), NOT_AN_INT, name=name, kind=type(value).__name__)


def leaked(values, seen):
    """Whether any tensor in ``seen`` is one of ``values``, in float or in fixed point."""
    encoder = FixedPointEncoder()
    for value in values:
        for form in (value.double(), encoder.encode(value).double()):
            if any(t.shape == form.shape and torch.allclose(t.double(), form, atol=1e-2) for t in seen):
                return True
    return False


class Recorder:
    """Keeps every tensor that this process sends to ``worker`` or receives from it (on top of its transport)."""

    def __init__(self, worker):
        self.worker, self.inner, self.tensors = worker, worker.transport, []
        worker.transport = self

    def request(self, payload):
        message, sender = serde.decode(bytes(payload))
        reply = self.inner.request(payload)
        if sender == "me":
            self.tensors += _tensors(vars(message)) + _tensors(serde.decode(reply)[0].value)
        return reply

    def close(self):
        self.worker.transport = self.inner


def _tensors(tree):
    found = []
    for leaf in leaves(tree):
        if isinstance(leaf, FixedPrecisionData):
            found += _tensors([leaf.child])
        elif torch.is_tensor(leaf):
            found.append(leaf)
    return found
