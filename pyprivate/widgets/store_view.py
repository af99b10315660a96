"""StoreView: what each worker holds, live."""

import time
from dataclasses import dataclass

import ipywidgets

from ..tensors import AdditiveSharingTensor, FixedPrecisionTensor, PointerTensor
from ..workers.client import check_worker
from .common import View, _, after_each_cell, escape, format_dtype, format_shape, heading, preview, table, tearing_down
from .origins import Origins, kind_label


@dataclass(frozen=True)
class ObjectRow:
    """One object in a worker's store, as the view shows it."""

    obj_id: int
    kind: str  # "tensor" or "share"
    shape: tuple
    dtype: str
    preview: str
    origin: str = ""
    name: str = ""


class StoreView(View):
    """One panel per worker with the objects in its store: id, kind, shape, dtype and first values.

    ``StoreView(bob, alice)`` updates itself whenever an object arrives at,
    changes in or leaves a worker's store (it observes the stores; it does
    not poll). During a long loop it redraws at most every ``interval``
    seconds and once more when the cell finishes. ``close()`` stops it.

    The kind says whether an object is an ordinary tensor or a *share* of a
    secret (sent by the data owner, computed by a protocol step, or dealt
    by the crypto provider); the origin says which message brought it.
    ``view.label(x, "x")`` names the objects behind a pointer or a shared
    tensor. ``view.rows`` holds what the panels show, by worker id.
    """

    def __init__(self, *workers, interval=0.2, max_rows=20):
        self.workers = list(dict.fromkeys(check_worker(w, "StoreView") for w in workers))
        if not self.workers:
            raise ValueError("StoreView needs at least one worker, e.g. StoreView(bob, alice)")
        self.interval, self.max_rows = interval, max_rows
        self._rows = {}
        self.events = 0  # store changes seen, for the curious
        self._origins = [Origins(w) for w in self.workers]
        self._names = {}  # (worker index, obj_id) -> name given with label()
        self._drawn_at, self._dirty = 0.0, False
        self._panels = [ipywidgets.HTML() for _w in self.workers]
        self.widget = ipywidgets.HBox(
            [ipywidgets.Box([p], layout=ipywidgets.Layout(margin="0 24px 8px 0")) for p in self._panels],
            layout=ipywidgets.Layout(flex_flow="row wrap"),
        )
        self._unsubscribe = [w._objects.observe(self._observer(i)) for i, w in enumerate(self.workers)]
        self._unhook = after_each_cell(self._flush)
        self.refresh()

    def _observer(self, index):
        def changed(event, obj_id):
            try:  # this runs inside the worker's message handling: never let it fail there
                self.events += 1
                if event == "set":
                    self._origins[index].arrived(obj_id)
                else:
                    self._origins[index].left(obj_id)
                    self._names.pop((index, obj_id), None)
                self._dirty = True
                if time.monotonic() - self._drawn_at >= self.interval and not tearing_down():
                    self.refresh()
            except Exception:
                pass

        return changed

    def label(self, tensor, name):
        """Show ``name`` next to the objects behind ``tensor`` (a pointer, or a shared tensor's shares)."""
        pointers = _pointers(tensor)
        for i, ptr in enumerate(pointers):
            shown = name if len(pointers) == 1 else f"{name} [{i + 1}/{len(pointers)}]"
            for index, worker in enumerate(self.workers):
                if worker is ptr.location:
                    self._names[(index, ptr.id_at_location)] = shown
        self.refresh()
        return self

    @property
    def rows(self):
        """``{worker id: [ObjectRow, ...]}``: what the panels show (brought up to date first)."""
        self._flush()
        return self._rows

    def refresh(self):
        """Redraw now from the stores."""
        self._rows = {}
        for index, worker in enumerate(self.workers):
            rows = [self._row(index, obj_id, obj) for obj_id, obj in list(worker._objects.items())]
            self._rows[worker.id] = rows
            self._panels[index].value = self._panel_html(worker, rows)
        self._drawn_at, self._dirty = time.monotonic(), False

    def _draw_now(self):
        self._flush()  # a redraw held back by ``interval`` happens now, not after the cell

    def _flush(self):
        # An object drawn while its message was still being handled has no origin yet: draw it again.
        if self._dirty or any(origins.waiting for origins in self._origins):
            self.refresh()

    def _row(self, index, obj_id, obj):
        origin = self._origins[index].of(obj_id)
        if isinstance(obj, (PointerTensor, FixedPrecisionTensor, AdditiveSharingTensor)):
            kind, shown = "tensor", wrapper_preview(obj)  # a worker may hold pointers (Part 3): never read through them
        else:
            kind, shown = origin.kind_of(obj), preview(obj)
        return ObjectRow(obj_id, kind, tuple(obj.shape), format_dtype(obj.dtype), shown, origin.label(),
                         self._names.get((index, obj_id), ""))

    def _panel_html(self, worker, rows):
        title = heading(worker.id, f"{_('Objects')}: {len(rows)}")
        if not rows:
            return title + "<div style='opacity:.6'>—</div>"
        shown = rows[-self.max_rows:]
        more = len(rows) - len(shown)
        cells = [[f"{r.obj_id} {r.name}".strip(), kind_label(r.kind), format_shape(r.shape), r.dtype, r.preview,
                  r.origin] for r in shown]
        html = table(["id", _("Type"), _("Shape"), "dtype", _("Preview"), _("Origin")], cells, code=(0, 3))
        if more:
            html = f"<div style='opacity:.7'>{escape(_('… {n} more').format(n=more))}</div>" + html
        return title + html

    def close(self):
        """Stop observing the stores and remove the widget."""
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []
        super().close()

    def __repr__(self):
        self._flush()
        lines = [f"StoreView: {', '.join(w.id for w in self.workers)}"]
        for worker in self.workers:
            rows = self._rows.get(worker.id, [])
            lines.append(f"{worker.id}: {_('Objects')}: {len(rows)}")
            for r in rows[-self.max_rows:]:
                name = f" ({r.name})" if r.name else ""
                origin = f" ← {r.origin}" if r.origin else ""
                lines.append(f"  {r.obj_id}{name}  {kind_label(r.kind)}  {format_shape(r.shape)} {r.dtype}  "
                             f"{r.preview}{origin}")
        return "\n".join(lines)


def wrapper_preview(tensor):
    """What a held pointer, fixed precision or shared tensor is, without a message: ``→ bob:123``,
    ``FixedPrecisionTensor(→ bob:123)``, ``shares at bob, alice``."""
    if isinstance(tensor, PointerTensor):
        return f"→ {tensor.location.id}:{tensor.id_at_location}"
    if isinstance(tensor, FixedPrecisionTensor):
        child = tensor.child
        inner = wrapper_preview(child) if isinstance(child, (PointerTensor, AdditiveSharingTensor)) else preview(child)
        return f"FixedPrecisionTensor({inner})"
    return _("shares at {workers}").format(workers=", ".join(share.location.id for share in tensor.shares))


def _pointers(tensor):
    if isinstance(tensor, PointerTensor):
        return [tensor]
    if isinstance(tensor, FixedPrecisionTensor):
        return _pointers(tensor.child)
    if isinstance(tensor, AdditiveSharingTensor):
        return list(tensor.shares)
    raise TypeError(f"label() takes a pointer or a shared tensor, not a {type(tensor).__name__}")
