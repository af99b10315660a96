"""Where an object in a worker's store came from, and whether it is a share.

A worker logs each message *after* handling it, and the store tells its
observers about an object *while* the message is handled. So the message
that brought an object is the first log record after the one that was last
when the object arrived. :class:`Origins` remembers that last record and
looks up its successor later.

What the message says about the object:

- sent by the local worker ("me"): data the data owner sent (a tensor, or
  its share of a secret: shares look like uniform noise over int64);
- sent by another worker: only a crypto provider does that, dealing
  correlated randomness (parts of Beaver triples, masks): shares;
- the result of a protocol step: a share;
- the result of a command: a tensor, or a share if it looks like noise.
"""

from dataclasses import dataclass

import torch

from ..workers.client import local_worker
from .common import _

# Uniform int64 values are this large with probability 1 - 2^-13 each; encoded
# data (fixed precision, base 10, 3 digits) stays far below it.
RANDOM_LOOKING = 2**50


def looks_random(tensor):
    """Whether an int64 tensor looks like a share: some value is huge, as uniform noise over the ring is."""
    if tensor.dtype != torch.int64 or tensor.numel() == 0:
        return False
    return bool(((tensor >= RANDOM_LOOKING) | (tensor <= -RANDOM_LOOKING)).any())


@dataclass(frozen=True)
class Origin:
    """What brought an object: the message's kind, its sender and its operation (``""`` if unknown)."""

    kind: str = ""
    sender: str = ""
    op: str = ""

    @property
    def is_send(self):
        return self.kind in ("send", "send_many")  # one object, or a crypto provider's bundle

    def kind_of(self, tensor):
        """``"share"`` or ``"tensor"`` (not translated: a key, see :func:`kind_label`)."""
        dealt = self.is_send and self.sender not in ("", local_worker.id)
        return "share" if dealt or self.kind == "step" or looks_random(tensor) else "tensor"

    def label(self):
        """How the object got here, in the current language."""
        if self.is_send:
            text = _("sent by {worker}") if self.sender == local_worker.id else _("dealt by {worker}")
            return text.format(worker=self.sender)
        if self.kind == "command":
            return _("result of {op}").format(op=self.op)
        if self.kind == "step":
            return _("protocol step") + (f" {self.op}" if self.op else "")
        return ""


UNKNOWN = Origin()


def kind_label(kind):
    return {"share": _("share"), "tensor": _("tensor")}[kind]


class Origins:
    """The message that brought each object into one worker's store (from its message log)."""

    def __init__(self, worker):
        self.worker = worker
        self._waiting = {}  # obj_id -> the log record that was last when it arrived (None: empty log)
        self._found = {}  # obj_id -> Origin

    def arrived(self, obj_id):
        self.resolve()
        log = self.worker.message_log
        self._waiting[obj_id] = log[-1] if log else None
        self._found.pop(obj_id, None)

    @property
    def waiting(self):
        """Whether some object's message is not matched yet."""
        return bool(self._waiting)

    def left(self, obj_id):
        self._waiting.pop(obj_id, None)
        self._found.pop(obj_id, None)

    def of(self, obj_id):
        """The :class:`Origin` of ``obj_id``; :data:`UNKNOWN` if it arrived before we watched."""
        self.resolve()
        return self._found.get(obj_id, UNKNOWN)

    def resolve(self):
        """Match objects to the messages logged since they arrived."""
        if not self._waiting:
            return
        log = self.worker.message_log
        anchors = {id(a) for a in self._waiting.values() if a is not None}
        successor, following = {}, None
        for record in reversed(log):  # usually only the last few records are needed
            if id(record) in anchors:
                successor[id(record)] = following
                anchors.discard(id(record))
                if not anchors:
                    break
            following = record
        first = log[0] if log else None
        for obj_id, anchor in list(self._waiting.items()):
            if anchor is None:
                record = first
            elif id(anchor) in successor:
                record = successor[id(anchor)]
            else:  # the anchor left the bounded log long ago: we cannot tell any more
                record, self._found[obj_id] = None, UNKNOWN
                del self._waiting[obj_id]
                continue
            if record is not None:  # None: the message is still being handled
                self._found[obj_id] = Origin(record.kind, record.sender, record.op)
                del self._waiting[obj_id]
