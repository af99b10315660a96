"""SharesView: the shares of a secret side by side, and what they add up to."""

import ipywidgets

from ..crypto import sharing
from ..crypto.prng import PRNG
from ..errors import PyPrivateError
from ..tensors import AdditiveSharingTensor, FixedPrecisionTensor
from . import plots
from .common import N_, View, _, escape, format_shape, heading, peek, preview, table


class SharesView(View):
    """Each worker's share of a shared tensor, next to the value the shares add up to.

    **For teaching only.** Secret sharing is safe because no party ever sees
    another party's share. This view breaks that on purpose: it fetches a
    copy of every share into this process (a ``GetObject(remove=False)``
    message per worker, the way a protocol opens a masked value) so that you
    can see that each share is random-looking while their sum (mod 2^64) is
    the secret. Never do this with real data.

    ``view.shares`` (copies, one per worker), ``view.secret`` (their sum
    mod 2^64) and ``view.value`` (decoded) are what the table shows;
    ``view.histogram`` is the PNG.

    ``shared`` is ``x.fix_precision().share(...)`` (decoded with its
    encoder) or an integer ``x.share(...)``. The *Re-share* button, or
    :meth:`reshare`, replaces the shares with fresh ones
    (``tensor.refresh()``): every share changes, the sum does not. The
    view then shows the refreshed tensor, ``view.tensor``. The histogram
    shows that one share alone is uniform noise over the whole int64 range.
    """

    def __init__(self, shared, max_values=6, samples=10_000):
        self.tensor, self.encoder = shared, _encoder(shared)
        self.max_values, self.samples = max_values, samples
        self.reshares = 0
        self.shares, self.secret, self.value, self.error = [], None, None, ""
        self.histogram = b""  # the PNG shown
        self._table = ipywidgets.HTML()
        self._button = ipywidgets.Button(icon="refresh")
        self._button.on_click(lambda _button: self.reshare())
        # No tooltip: JupyterLab's widget manager then leaves the image out (seen with ipywidgets 8).
        self._histogram = ipywidgets.Image(format="png", layout=ipywidgets.Layout(max_width="420px"))
        self._note = ipywidgets.HTML()
        self.widget = ipywidgets.VBox([self._table, self._button, self._histogram, self._note])
        self.update()

    @property
    def workers(self):
        return _shared(self.tensor).workers

    def update(self):
        """Fetch copies of the shares again and redraw."""
        try:
            pointers = _shared(self.tensor).shares
            self.shares = [peek(p) for p in pointers]
            self.secret = sharing.reconstruct(self.shares)
            self.value = self.encoder.decode(self.secret, self.tensor.dtype) if self.encoder else self.secret
            self.error = ""
        except PyPrivateError as exc:  # e.g. the shares were fetched with .get() meanwhile
            self.shares, self.secret, self.value, self.error = [], None, None, str(exc)
        self._draw()

    def reshare(self):
        """Replace the shares with fresh random ones (``.refresh()``); the value stays the same."""
        try:
            self.tensor = self.tensor.refresh()
            self.reshares += 1
        except PyPrivateError as exc:
            self.error = str(exc)
            self._draw()
            return self
        self.update()
        return self

    def _draw(self):
        self._button.description = _("Re-share")
        teaching = _("Only for teaching: no real party ever sees more than its own share.")
        self._note.value = f"<div style='opacity:.7;font-size:90%'>{escape(teaching)}</div>"
        title = heading(_("Shares"), f"{describe(self.tensor)} {format_shape(self.tensor.shape)}")
        if self.error:
            self._table.value = title + f"<div style='color:#c44'>{escape(self.error)}</div>"
            self.histogram = self._histogram.value = b""
            return
        self._table.value = title + table([_("Worker"), *self._columns()], self._rows(), numeric=range(1, 99))
        self.histogram = self._histogram.value = self._histogram_png()

    def _columns(self):
        flat = self.secret.reshape(-1)
        count = min(flat.numel(), self.max_values)
        columns = [f"[{i}]" for i in range(count)]
        return columns + (["…"] if flat.numel() > count else [])

    def _values(self, tensor, fmt=str):
        flat = tensor.reshape(-1).tolist()
        shown = [fmt(v) for v in flat[: self.max_values]]
        return shown + (["…"] if len(flat) > self.max_values else [])

    def _rows(self):
        rows = [[w.id, *self._values(s)] for w, s in zip(self.workers, self.shares)]
        if self.encoder is not None:
            rows.append([_("Sum of shares (mod 2^64)"), *self._values(self.secret)])
            rows.append([_("Reconstructed value"), *self._values(self.value, lambda v: f"{v:.4g}")])
        else:
            rows.append([_("Reconstructed value"), *self._values(self.secret)])
        return rows

    def _histogram_png(self):
        last_worker, last_share = self.workers[-1].id, self.shares[-1].reshape(-1)
        if last_share.numel() >= self.samples:
            values = last_share
            caption = plots.text(N_("{worker}'s share ({n} values)"))
        else:  # one small tensor gives too few values: share the same secret afresh, as .share() does
            secret = self.secret.reshape(-1).repeat(-(-self.samples // last_share.numel()))[: self.samples]
            values = sharing.share(secret, len(self.shares), PRNG())[-1]
            caption = plots.text(N_("{worker}'s share in {n} fresh sharings of the same value"))
        return plots.share_histogram(values, last_share, caption.format(worker=last_worker, n=values.numel()))

    def __repr__(self):
        head = f"SharesView: {describe(self.tensor)}, {_('Shares')}: {', '.join(w.id for w in self.workers)}"
        if self.error:
            return f"{head}\n  {self.error}"
        lines = [head]
        width = max(len(w.id) for w in self.workers)
        for worker, share in zip(self.workers, self.shares):
            lines.append(f"  {worker.id:<{width}}  {preview(share, self.max_values)}")
        if self.encoder is not None:
            lines.append(f"  {_('Sum of shares (mod 2^64)')}: {preview(self.secret, self.max_values)}")
        lines.append(f"  {_('Reconstructed value')}: {preview(self.value, self.max_values)}")
        lines.append(f"  ({_('Only for teaching: no real party ever sees more than its own share.')})")
        return "\n".join(lines)


def describe(tensor):
    """The tensor type, as it prints."""
    if isinstance(tensor, FixedPrecisionTensor):
        return f"FixedPrecisionTensor(base={tensor.base}, precision_fractional={tensor.precision_fractional})"
    return "AdditiveSharingTensor"


def _shared(tensor):
    return tensor.child if isinstance(tensor, FixedPrecisionTensor) else tensor


def _encoder(tensor):
    if isinstance(tensor, FixedPrecisionTensor) and tensor.is_shared:
        return tensor.encoder
    if isinstance(tensor, AdditiveSharingTensor):
        return None
    raise TypeError(
        "SharesView shows a shared tensor, such as torch.tensor([1.5, 2.0]).fix_precision().share(bob, alice, "
        f"crypto_provider=james) or torch.tensor([3, 4]).share(bob, alice); got {type(tensor).__name__}"
        + (" that is not shared yet: call .share(...) first" if isinstance(tensor, FixedPrecisionTensor) else "")
    )
