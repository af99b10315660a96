"""RequestsView: a data owner's desk, with the requests for its private data and what has left."""

import ipywidgets

from ..workers.client import check_worker
from .common import N_, View, _, after_each_cell, escape, format_shape, heading, table

STATUS = {"pending": N_("pending"), "approved": N_("approved"), "denied": N_("denied")}


class RequestsView(View):
    """The requests waiting at ``worker`` for its private data, each with Approve and Deny buttons.

    ``RequestsView(bob)`` is for Bob's owner (in a notebook that plays every
    role, for you): each request shows who asks, for which object (its shape,
    and the operations that computed it from private data) and why. A second
    table lists what has left the worker after an approval. It redraws after
    every cell and after each click; ``view.update()`` redraws now.
    """

    def __init__(self, worker, max_rows=20):
        self.worker, self.max_rows = check_worker(worker, "RequestsView"), max_rows
        self._title = ipywidgets.HTML()
        self._rows = ipywidgets.VBox()
        self._released = ipywidgets.HTML()
        self.widget = ipywidgets.VBox([self._title, self._rows, self._released])
        self._unhook = after_each_cell(self.update)
        self.update()

    @property
    def governance(self):
        return self.worker.governance

    def update(self):
        """Redraw from the worker's requests and its log of releases."""
        requests = self.governance.requests[-self.max_rows:]
        pending = sum(r.status == "pending" for r in requests)
        self._title.value = heading(_("Requests for private data at {worker}").format(worker=self.worker.id),
                                    _("{n} pending").format(n=pending))
        self._rows.children = [self._row(r) for r in requests] or [
            ipywidgets.HTML(f"<div style='opacity:.6'>{escape(_('No requests yet'))}</div>")]
        released = self.governance.released[-self.max_rows:]
        self._released.value = heading(_("What left {worker}").format(worker=self.worker.id)) + (
            table([_("Object"), _("Requester"), _("Shape")],
                  [[r.obj_id, r.requester, format_shape(r.shape)] for r in released], code=(0,))
            if released else "<div style='opacity:.6'>—</div>")

    def _row(self, request):
        ops = " → ".join(request.provenance.ops) or _("sent as private data")
        text = ipywidgets.HTML(
            f"<b>#{request.id}</b> {escape(request.requester)}: <code>{request.obj_id}</code> "
            f"{escape(format_shape(request.shape))} {escape(request.dtype)} · {escape(_('computed by'))} {escape(ops)} · "
            f"{escape(_('reason'))}: <i>{escape(request.reason)}</i> · <b>{escape(_(STATUS[request.status]))}</b>")
        if request.status != "pending":
            return text
        approve = ipywidgets.Button(description=_("Approve"), button_style="success",
                                    layout=ipywidgets.Layout(width="auto"))
        deny = ipywidgets.Button(description=_("Deny"), button_style="danger", layout=ipywidgets.Layout(width="auto"))
        approve.on_click(lambda _button: self._decide(request.approve))
        deny.on_click(lambda _button: self._decide(request.deny))
        return ipywidgets.HBox([text, approve, deny])

    def _decide(self, action):
        action()
        self.update()

    def __repr__(self):
        lines = [_("Requests for private data at {worker}").format(worker=self.worker.id)]
        lines += [f"  {r!r}" for r in self.governance.requests[-self.max_rows:]] or [f"  {_('No requests yet')}"]
        lines.append(_("What left {worker}").format(worker=self.worker.id) + ": " + (
            ", ".join(f"{r.obj_id} → {r.requester}" for r in self.governance.released) or "—"))
        return "\n".join(lines)
