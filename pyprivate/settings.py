"""Choices that trade speed against a guarantee, kept in one place.

    import pyprivate as sy
    sy.settings     # Settings(truncation='local', deal_ahead=True, reuse_masks=True, protocol_threads=1, wire_bytes=False)
    with sy.settings.use(truncation="exact"):
        ...                           # every division in here is dealer-assisted

**Truncation** is the division that brings a fixed-point product back to
its scale (``pyprivate/crypto/truncation.py``):

* ``"local"`` (default): with exactly two workers, each divides its own
  share (SecureML). No dealer, no extra round: a product of shared values
  costs one round instead of two. It is off by at most one unit in the last
  place, and fails (a wildly wrong element) with probability about
  |x| / 2^63, where x is the product at double scale. For values below 16
  (|x| < 2^24 with 3 digits) that is below 2^-39 per element; the threat
  model has the measured figures. With three or more workers it falls back
  to ``"exact"``.
* ``"exact"``: dealer-assisted truncation, which cannot fail for products
  below 2^61, at the price of the dealer's material and one more round.

**Dealing ahead** (``deal_ahead``, on by default): the crypto provider's
material depends only on shapes, never on data, so after an optimizer step
it deals everything the next training step will need in one go, the
*offline phase* of secure computation; the step then only opens masked
values (the *online phase*). Turn it off to watch each deal happen where it
is used (``pyprivate/tensors/deal_ahead.py``).

**Reusing masks** (``reuse_masks``, on by default): a linear layer's
forward product keeps its masks for its backward pass, so the backward
products open only the gradient, once per layer, instead of both operands
again (SecureML; ``pyprivate/crypto/step_masks.py`` tells why this is
safe). Turn it off to compare the rounds and bytes of a training step.

**Protocol threads** (``protocol_threads``, 1 by default): while an
operation on fixed precision or shared tensors runs, torch uses this many
threads, and then goes back to what it had. The protocols make many small
elementwise steps, for which a second thread costs more than it gives, and
far more when other processes share the cores (a class on one JupyterHub
server): see ``benchmarks/encrypted_inference.py``. ``None`` leaves torch's
own setting. Worker processes (``sy.start_workers``) use it for everything.

**Wire bytes** (``wire_bytes``, off by default): a message to a worker in
this process is handed over as a copy of the message object, with the byte
count it would have on the wire (``pyprivate/workers/handover.py``). Turn
it on to encode every in-process message to real bytes and decode it at the
receiver, as between processes; the environment variable
``PYPRIVATE_WIRE_BYTES=1`` turns it on from the start (CI runs the tests
once that way).
"""

import os
from contextlib import contextmanager

TRUNCATIONS = ("local", "exact")


class Settings:
    """The library's switches; assign an attribute or use ``with settings.use(...)``."""

    NAMES = ("truncation", "deal_ahead", "reuse_masks", "protocol_threads", "wire_bytes")

    def __init__(self):
        self._truncation = "local"
        self._deal_ahead = True
        self._reuse_masks = True
        self._protocol_threads = 1
        self._wire_bytes = os.environ.get("PYPRIVATE_WIRE_BYTES", "") not in ("", "0")

    @property
    def truncation(self) -> str:
        """How shared fixed-point products are divided: "local" (two workers) or "exact"."""
        return self._truncation

    @truncation.setter
    def truncation(self, value):
        if value not in TRUNCATIONS:
            raise ValueError(f"settings.truncation is one of {TRUNCATIONS}, not {value!r}")
        self._truncation = value

    @property
    def deal_ahead(self) -> bool:
        """Whether the crypto provider deals a training step's material right after the step before."""
        return self._deal_ahead

    @deal_ahead.setter
    def deal_ahead(self, value):
        if not isinstance(value, bool):
            raise TypeError(f"settings.deal_ahead is True or False, not {value!r}")
        self._deal_ahead = value

    @property
    def reuse_masks(self) -> bool:
        """Whether a forward matrix product keeps its masks for the backward pass of the same step."""
        return self._reuse_masks

    @reuse_masks.setter
    def reuse_masks(self, value):
        if not isinstance(value, bool):
            raise TypeError(f"settings.reuse_masks is True or False, not {value!r}")
        self._reuse_masks = value

    @property
    def protocol_threads(self):
        """torch threads while an encrypted operation runs (None: torch's own setting)."""
        return self._protocol_threads

    @protocol_threads.setter
    def protocol_threads(self, value):
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
            raise ValueError(f"settings.protocol_threads is a number of threads (1 or more) or None, not {value!r}")
        self._protocol_threads = value

    @property
    def wire_bytes(self) -> bool:
        """Whether messages to workers in this process travel as real bytes (else as copied objects)."""
        return self._wire_bytes

    @wire_bytes.setter
    def wire_bytes(self, value):
        if not isinstance(value, bool):
            raise TypeError(f"settings.wire_bytes is True or False, not {value!r}")
        self._wire_bytes = value

    @contextmanager
    def use(self, **changes):
        """Change settings inside a ``with`` block only: ``with sy.settings.use(truncation="exact"):``."""
        unknown = sorted(set(changes) - set(self.NAMES))
        if unknown:
            raise TypeError(f"unknown setting(s) {unknown}; the settings are: {', '.join(self.NAMES)}")
        before = {name: getattr(self, name) for name in changes}
        try:
            for name, value in changes.items():
                setattr(self, name, value)
            yield self
        finally:
            for name, value in before.items():
                setattr(self, name, value)

    def __repr__(self):
        return f"Settings({', '.join(f'{name}={getattr(self, name)!r}' for name in self.NAMES)})"


settings = Settings()
