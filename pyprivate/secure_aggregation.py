"""Secure aggregation with pairwise masks (Bonawitz et al., CCS 2017), for one round.

The server learns the sum of the clients' updates and nothing else: each
client hides its update under random masks that cancel in the sum.

0. Setup (simulated). Every pair of clients i < j shares a 32-byte seed
   s_ij. Here a dealer step draws the seeds from pyprivate's CSPRNG and
   hands each client its n - 1 seeds. A real system has no dealer: each
   client publishes a Diffie-Hellman public key through the server, and
   s_ij = H(g^(a_i a_j)) is computed by i and j alone (key agreement).
1. Encode. Client i turns its update u_i into fixed point in the ring
   Z_2^64: x_i = round(u_i * 10^3) (base 10, 3 fractional digits by default).
2. Mask. Client i expands each seed with a PRG (AES-CTR) to a ring tensor
   and sends the server y_i = x_i + sum_{j > i} PRG(s_ij) - sum_{j < i} PRG(s_ji).
   Each y_i is uniform over the ring: a one-time pad of x_i.
3. Aggregate. The server adds the y_i. Every PRG(s_ij) appears once with +
   (at i) and once with - (at j), so sum_i y_i = sum_i x_i; it decodes the
   exact fixed-point sum (and the average).
4. Recover (dropout). If client d drops out after step 0, its masks stay in
   the survivors' y_i and the sum is garbage. Each survivor i reveals s_id,
   and the server removes +-PRG(s_id) to get the survivors' exact sum.

Simplifications, said plainly: the seeds come from a dealer instead of
key agreement; in step 4 survivors reveal the pairwise seeds themselves,
where the full protocol has each client Shamir-share its DH secret key
(t out of n) so that the survivors reveal shares of it. The full protocol
also adds a *self-mask* PRG(b_i), with b_i secret-shared as well: survivors
reveal b_i for live clients and the key for dropped ones, never both, so an
update that arrives late, after its sender was declared dropped, still
cannot be unmasked. This module does NOT implement the self-mask; instead it
refuses to mask for a client whose seeds were already revealed. The
clients are simulated here as plain tensors, not as workers.
"""

from dataclasses import dataclass

import torch

from .crypto.prng import PRNG
from .errors import SecureAggregationError
from .tensors.encoding import FixedPointEncoder

SEED_BYTES = 32  # one AES-256 key per pair


@dataclass(frozen=True)
class MaskedUpdate:
    """What the server receives from one client: ring tensors that look uniformly random."""

    client: str
    values: tuple  # int64 tensors, one per parameter
    is_list: bool  # the update was a list of tensors (else one tensor)
    dtype: torch.dtype

    @property
    def nbytes(self):
        return sum(8 * v.numel() for v in self.values)


@dataclass(frozen=True)
class Message:
    """One message of the protocol, for counting what each party sent."""

    sender: str
    receiver: str
    content: str
    nbytes: int


class PairwiseMasking:
    """The clients of one aggregation round, with their pairwise seeds (step 0).

    >>> clients = PairwiseMasking(["bob", "alice"], seed=0)
    >>> masked = [clients.mask("bob", torch.tensor([1.5])), clients.mask("alice", torch.tensor([2.0]))]
    >>> clients.aggregate(masked)
    tensor([3.5000])
    """

    def __init__(self, clients, seed=None, base=10, precision_fractional=3):
        names = [getattr(c, "id", c) for c in clients]
        if len(names) < 2 or len(set(names)) != len(names):
            raise SecureAggregationError("secure aggregation needs at least two clients with distinct names")
        self.clients, self.encoder = names, FixedPointEncoder(base, precision_fractional)
        dealer = PRNG(seed=seed)
        self._seeds = {(a, b): dealer.random_bytes(SEED_BYTES) for i, a in enumerate(names) for b in names[i + 1:]}
        self.messages = [Message("dealer", c, "pairwise seeds", SEED_BYTES * (len(names) - 1)) for c in names]
        self._masked, self._revealed, self._shapes = set(), set(), None

    def seed_between(self, a, b):
        """The seed that clients ``a`` and ``b`` share (what only those two know)."""
        return self._seeds[(a, b)] if (a, b) in self._seeds else self._seeds[(b, a)]

    def _pair_mask(self, client, other, shapes):
        """+PRG(s) if ``client`` comes first in the pair, -PRG(s) otherwise: the two cancel."""
        stream = PRNG(key=self.seed_between(client, other))
        sign = 1 if self.clients.index(client) < self.clients.index(other) else -1
        return [sign * stream.ring(shape) for shape in shapes]

    def _name(self, client):
        name = getattr(client, "id", client)
        if name not in self.clients:
            raise SecureAggregationError(f"{name!r} is not a client of this round; the clients are {self.clients}")
        return name

    def mask(self, client, update):
        """Steps 1-2 at ``client``: encode ``update`` (a tensor or a list of tensors) and mask it."""
        name = self._name(client)
        if name in self._masked:
            raise SecureAggregationError(f"{name} has already masked its update: reusing a mask would leak "
                                         "the difference of two updates; start a new PairwiseMasking round")
        if name in self._revealed:
            raise SecureAggregationError(f"the seeds of {name} were revealed in recovery, so the server could "
                                         "unmask this update (the full protocol adds a self-mask against this)")
        is_list = isinstance(update, (list, tuple))
        tensors = [torch.as_tensor(t) for t in (update if is_list else [update])]
        if not tensors:
            raise SecureAggregationError(f"{name}'s update is an empty list: there is nothing to mask")
        shapes = [t.shape for t in tensors]
        if self._shapes is not None and shapes != self._shapes:
            raise SecureAggregationError(f"{name}'s update has shapes {[tuple(s) for s in shapes]}, the other "
                                         f"clients' have {[tuple(s) for s in self._shapes]}")
        values = [self.encoder.encode(t) for t in tensors]
        for other in self.clients:
            if other != name:
                values = [v + m for v, m in zip(values, self._pair_mask(name, other, shapes))]
        dtype = tensors[0].dtype if tensors and tensors[0].is_floating_point() else torch.float32
        masked = MaskedUpdate(name, tuple(values), is_list, dtype)
        self._masked.add(name)
        self._shapes = shapes
        self.messages.append(Message(name, "server", "masked update", masked.nbytes))
        return masked

    def _check(self, masked_updates, expected):
        masked_updates = list(masked_updates)
        senders = [m.client for m in masked_updates]
        if sorted(senders) != sorted(expected):
            missing = sorted(set(expected) - set(senders))
            hint = f"; if {missing} dropped out, call recover(..., dropped={missing})" if missing else ""
            raise SecureAggregationError(f"expected one masked update from each of {sorted(expected)}, "
                                         f"got {senders}{hint}")
        return masked_updates

    def _decode(self, ring_sum, like):
        decoded = [self.encoder.decode(v, like.dtype) for v in ring_sum]
        return decoded if like.is_list else decoded[0]

    def aggregate(self, masked_updates, average=False):
        """Step 3 at the server: the exact sum (or average) of all clients' updates."""
        masked_updates = self._check(masked_updates, self.clients)
        total = self._decode(add_masked(masked_updates), masked_updates[0])
        return _divide(total, len(masked_updates)) if average else total

    def recover(self, masked_updates, dropped, average=False):
        """Step 4: the survivors reveal their seeds with the ``dropped`` clients; the survivors' exact sum."""
        dropped = [self._name(d) for d in dropped]
        if not dropped:
            raise SecureAggregationError("recover() needs the clients that dropped out; with none, call aggregate()")
        survivors = [c for c in self.clients if c not in dropped]
        if not survivors:
            raise SecureAggregationError("every client dropped out: there is nothing to aggregate")
        masked_updates = self._check(masked_updates, survivors)
        shapes = [v.shape for v in masked_updates[0].values]
        total = add_masked(masked_updates)
        for survivor in survivors:
            for d in dropped:
                total = [t - m for t, m in zip(total, self._pair_mask(survivor, d, shapes))]
            self.messages.append(Message(survivor, "server", f"seeds shared with {dropped}", SEED_BYTES * len(dropped)))
        self._revealed.update(dropped)
        total = self._decode(total, masked_updates[0])
        return _divide(total, len(survivors)) if average else total

    def traffic(self):
        """Messages and bytes that each party sent: ``{sender: (messages, bytes)}``."""
        counts = {}
        for m in self.messages:
            n, b = counts.get(m.sender, (0, 0))
            counts[m.sender] = (n + 1, b + m.nbytes)
        return counts

    def __repr__(self):
        return f"<PairwiseMasking {len(self.clients)} clients, {len(self._seeds)} pairwise seeds>"


def add_masked(masked_updates):
    """The server's sum of masked updates in the ring (step 3, before decoding)."""
    masked_updates = list(masked_updates)
    if not masked_updates:
        raise SecureAggregationError("there are no masked updates to add")
    shapes = [[v.shape for v in m.values] for m in masked_updates]
    if any(s != shapes[0] for s in shapes):
        raise SecureAggregationError("the masked updates do not all have the same shapes")
    return [sum(parts[1:], parts[0].clone()) for parts in zip(*(m.values for m in masked_updates))]


def _divide(total, n):
    return [t / n for t in total] if isinstance(total, list) else total / n
