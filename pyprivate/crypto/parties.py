"""Who computes what: party steps, and the backend that runs them.

A secure protocol alternates two kinds of work:

* **local steps**, which each party runs on its own shares plus values
  everyone knows (opened masked values, constants). We write each as a
  plain, pure function registered by name with ``@party_step("name")``.
  The signature is ``step(party_index, n_parties, *my_tensors, **public)``.
  Because steps are looked up by name, a backend can run one *at a
  worker* by sending only the name and the arguments, never code.
* **openings**, where every party reveals a share of a *masked* value and
  all learn the sum. Besides the dealer's shares, opening is the only
  communication in a protocol.

``Parties`` is the small interface the protocols are written against:
``run`` a step at every party, ``open``/``open_xor`` a sharing, ``deal``
the dealer's shares to the parties. A backend implements ``run``, ``deal``
and ``reveal``; logging of what was opened (for audits) and round counting
live here, once. ``LocalParties`` keeps every party's handle as a plain
tensor in this process, which is what the tests use.

A "sharing" is a list with one handle per party. Protocols treat handles
as opaque: they pass them to ``run``/``open``/``deal`` and ask ``shape``,
nothing else, so a handle may be a pointer to a tensor at a worker. Public
values are ints, bools, strings or int64 tensors, easy to serialise.
"""

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Callable

import torch

from .dealer import Dealer

PARTY_STEPS: dict[str, Callable] = {}


def party_step(name: str):
    """Register a local step under ``name`` so it can be run by name."""

    def register(fn):
        if name in PARTY_STEPS and PARTY_STEPS[name] is not fn:
            raise ValueError(f"party step {name!r} is already registered")
        PARTY_STEPS[name] = fn
        fn.step_name = name
        return fn

    return register


def get_step(name: str) -> Callable:
    """The registered step called ``name``; a clear error if there is none."""
    try:
        return PARTY_STEPS[name]
    except KeyError:
        raise KeyError(f"no party step named {name!r}") from None


def unzip(results: list) -> tuple[list, ...]:
    """Turn one tuple of handles per party into one sharing per output."""
    return tuple(list(column) for column in zip(*results))


@dataclass
class Opened:
    """One opened value, as every party saw it."""

    label: str
    kind: str  # "add" or "xor"
    value: torch.Tensor
    round: int


class Parties(ABC):
    """The n computing parties, as seen by the code that drives a protocol."""

    def __init__(self, n: int, dealer: Dealer | None = None, log_opened: bool = True):
        if n < 2:
            raise ValueError("secure computation needs at least 2 parties")
        if dealer is None:
            dealer = Dealer()
        self.n = n
        self.dealer = dealer
        self.log_opened = log_opened  # turn off in long runs: the log keeps every tensor
        self.opened: list[Opened] = []
        self.rounds = 0

    @abstractmethod
    def run(self, step_name: str, per_party_args: list[list], **public) -> list:
        """Run a step at every party; party i gets ``per_party_args[i]``.

        Returns one handle per party (a tuple of handles if the step returns a tuple).
        """

    @abstractmethod
    def deal(self, shares: list) -> list:
        """Place share i (made by the dealer) at party i; returns the handles."""

    @abstractmethod
    def reveal(self, handles: list) -> list[torch.Tensor]:
        """Every party publishes its handle's value. Only call via ``open``."""

    def shape(self, handles: list) -> torch.Size:
        """The public shape of a sharing."""
        return handles[0].shape

    def open(self, handles: list, label: str = "") -> torch.Tensor:
        """Reveal an additively shared value: the sum of all shares mod 2^64."""
        return self.open_many([handles], [label])[0]

    def open_xor(self, handles: list, label: str = "") -> torch.Tensor:
        """Reveal an XOR-shared value."""
        return self.open_many([handles], [label], xor=True)[0]

    def open_many(self, sharings: list[list], labels: list[str], xor: bool = False) -> list:
        """Open several sharings at once: they travel together, so one round."""
        for handles in sharings:
            if len(handles) != self.n:
                raise ValueError(f"expected {self.n} shares, got {len(handles)}")
        revealed = [self.reveal(handles) for handles in sharings]
        return self._combine(revealed, labels, xor)

    def _combine(self, revealed: list[list], labels: list[str], xor) -> list:
        """Sum (or XOR) each value's revealed shares, log it, count one round.

        ``xor``: one bool for all the values, or a tuple with one per value.
        """
        self.rounds += 1
        values = []
        kinds = xor if isinstance(xor, tuple) else (xor,) * len(labels)
        for shares, label, xor in zip(revealed, labels, kinds, strict=True):
            value = shares[0] ^ shares[1] if xor else shares[0] + shares[1]  # a new tensor: no share is kept
            for s in shares[2:]:
                value = value ^ s if xor else value + s
            if self.log_opened:
                self.opened.append(Opened(label, "xor" if xor else "add", value, self.rounds))
            values.append(value)
        return values

    def run_open(self, step_name: str, per_party_args: list[list], labels: list[str], xor=False, **public):
        """Run a step that returns ``(kept, revealed)`` and open ``revealed`` in the same round.

        This is how a protocol round should look: each party receives one
        message, computes, keeps some results and publishes masked values.
        Returns ``(kept handles per party, opened values)``; ``revealed`` is a
        tuple with one masked tensor per label. ``xor``: whether the values
        are XOR shares (else additive), for all of them or as a tuple per value.
        """
        pairs = self.run_revealing(step_name, per_party_args, **public)
        kept = [keep for keep, _ in pairs]
        revealed = [[reveal[k] for _, reveal in pairs] for k in range(len(labels))]
        return kept, self._combine(revealed, labels, xor)

    def run_revealing(self, step_name: str, per_party_args: list[list], **public) -> list:
        """Run a ``(kept, revealed)`` step: one ``(kept handles, revealed tensors)`` pair per party.

        The default runs the step and reveals the second part; a backend with
        messages overrides it to do both in one message per party.
        """
        pairs = self.run(step_name, per_party_args, **public)
        revealed = [list(self.reveal(list(values))) for values in zip(*[reveal for _, reveal in pairs])]
        return [(keep, tuple(column[i] for column in revealed)) for i, (keep, _) in enumerate(pairs)]

    def reset_log(self):
        """Forget the opened values and the round count (e.g. between benchmarks)."""
        self.opened.clear()
        self.rounds = 0


class LocalParties(Parties):
    """All parties in this process; a handle is just that party's int64 tensor."""

    def run(self, step_name, per_party_args, **public):
        step = get_step(step_name)
        if len(per_party_args) != self.n:
            raise ValueError(f"{step_name}: expected args for {self.n} parties")
        return [step(i, self.n, *args, **public) for i, args in enumerate(per_party_args)]

    def deal(self, shares):
        if len(shares) != self.n:
            raise ValueError(f"expected {self.n} shares, got {len(shares)}")
        return list(shares)

    def reveal(self, handles):
        return [h.clone() for h in handles]
