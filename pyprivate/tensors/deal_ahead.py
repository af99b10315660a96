"""Dealing ahead: the crypto provider's offline phase, one training step at a time.

The crypto provider's material (Beaver triples, the comparison's binary
triples, daBits) depends on shapes only, never on data. A training step
repeats the same operations on batches of the same shape, so it asks the
provider for the same sequence of bundles as the step before. A
:class:`DealPlan` remembers that sequence. An optimizer step ends a training
step (:meth:`DealPlan.end_step`); at the first deal of the next one, if it is
the bundle the plan starts with, the provider deals the whole step's
material at once: one request to the provider and one message to each party
instead of one of each per protocol. The step's later bundles are then
served from what was dealt ahead, in order. At the first bundle that is not
the expected one (the last, shorter batch of an epoch; evaluation after
training) the rest is dropped, its shares are deleted at the workers, and
the provider deals on the spot, so results never depend on the plan.

This is the offline/online split of secure computation: the offline phase
needs no data and could run before the data even exists; the online phase
only opens masked values. ``sy.settings.deal_ahead = False`` turns it off.
"""

import weakref
from collections import deque

from ..settings import settings

PLAN_LIMIT = 512  # bundles a plan remembers; a longer stretch without an optimizer step is not planned

_plans = weakref.WeakKeyDictionary()  # crypto provider -> {tuple of party workers: DealPlan}


def _frozen(value):
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(v) for v in value)
    return value


def signature(items) -> tuple:
    """A hashable description of a bundle's items: what to deal, and the shapes."""
    return tuple((material, tuple(sorted((k, _frozen(v)) for k, v in params.items()))) for material, params in items)


def plan_for(provider, workers) -> "DealPlan":
    """The plan of the parties ``workers`` with their crypto ``provider``."""
    plans = _plans.setdefault(provider, {})
    key = tuple(workers)
    if key not in plans:
        plans[key] = DealPlan()
    return plans[key]


class DealPlan:
    """The bundles of the last training step, and the material dealt ahead for this one."""

    def __init__(self):
        self.recorded = []  # (signature, items) of the bundles asked for since the last optimizer step
        self.planned = None  # the last finished step's bundles, waiting for the next step to start
        self.ahead = deque()  # (signature, dealt material) for the rest of this step

    def bundle(self, items, deal):
        """``deal(items)``'s material, from the material dealt ahead when it was planned for."""
        if any(material in ("beaver_triple_kept", "forget_kept") or "keep" in params for material, params in items):
            self._forget()  # a kept mask belongs to operands of this moment: never planned ahead
            return deal(items)
        sig = signature(items)
        dealt = self._take(sig, deal) if settings.deal_ahead else self._forget()
        if dealt is None:
            dealt = deal(items)
        if len(self.recorded) < PLAN_LIMIT:
            self.recorded.append((sig, items))
        return dealt

    def end_step(self):
        """An optimizer step finished a training step: the next one will likely ask for the same bundles."""
        self.ahead.clear()  # what this step did not use
        self.planned = self.recorded if settings.deal_ahead and len(self.recorded) < PLAN_LIMIT else None
        self.recorded = []

    def _take(self, sig, deal):
        planned, self.planned = self.planned, None
        if planned and not self.ahead and planned[0][0] == sig:
            dealt = deal([item for _, items in planned for item in items])
            for (planned_sig, items) in planned:
                self.ahead.append((planned_sig, dealt[:len(items)]))
                dealt = dealt[len(items):]
        if self.ahead and self.ahead[0][0] == sig:
            return self.ahead.popleft()[1]
        self.ahead.clear()  # not the step we planned for: its shares go, this bundle is dealt now
        return None

    def _forget(self):
        self.planned = None
        self.ahead.clear()
        return None
