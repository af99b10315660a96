"""RoundView: what each party sees during one round of aggregation, and how much of one client's update that is."""

import math
from typing import NamedTuple

import ipywidgets
import torch

from ..tensors import PointerTensor
from . import plots
from .common import N_, View, _, heading, peek, preview, table

EXACT, NOISE = 0.999, 0.1  # |correlation| at or above: the party sees the update; below (at least): only noise

LEARNS = {
    "all": N_("all of it"),
    "part": N_("part of it, mixed with the others'"),
    "nothing": N_("nothing: it looks like noise"),
}


class Row(NamedTuple):
    """One party's view: ``values`` as received, ``compared`` as plotted (minus the public model), and ``r``."""

    party: str
    what: str
    values: torch.Tensor
    compared: torch.Tensor
    r: float


class RoundView(View):
    """For each scheme, each party's view of a round, compared with the update of one client.

    ::

        view = RoundView(bobs_update, public=global_parameters, secret_label="Bob's update")
        view.add("Trusted aggregator", "secure_worker", "Bob's model", bobs_model.parameters())
        view.add("Additive sharing", "alice", "her share of Bob's model", share_pointers)

    ``secret`` is what the client would like to keep to itself (a tensor or
    a list of tensors, such as the change that local training made to each
    parameter). A value a party sees is a tensor, a list of them, or
    pointers (the view then fetches a copy, **for teaching only**, as
    :class:`SharesView` does). Each dot of a scheme's plot is one number:
    across, how much local training changed it; up, what the party saw.

    Decoded values (floats) are compared after subtracting ``public``, the
    global model every party already knows, so a party that sees Bob's model
    sees his update. Ring values (int64 shares, masked updates) are plotted
    as they are: they are what the party holds.

    The table's last column is the correlation ``r`` of the two, and what it
    means: ``|r| >= 0.999`` the party sees the whole update; ``|r| < 0.1`` it
    sees noise (or below ``4/sqrt(n)`` for ``n`` numbers: noise correlates a
    little by chance); in between, the update is mixed with others (an average).
    ``view.rows[scheme]`` keeps a :class:`Row` per party; ``view.plots``
    the PNG of each scheme.
    """

    def __init__(self, secret, public=None, secret_label="the update", max_points=2000):
        self.secret = _flat(secret)
        self.public = None if public is None else _flat(public)
        if self.public is not None and self.public.numel() != self.secret.numel():
            raise ValueError(f"public has {self.public.numel()} numbers but secret has {self.secret.numel()}: "
                             "pass the same parameters for both, in the same order")
        self.secret_label, self.max_points = secret_label, max_points
        self.rows, self.plots = {}, {}
        self._sections = ipywidgets.VBox()
        self._title = ipywidgets.HTML()
        self.widget = ipywidgets.VBox([self._title, self._sections])
        self._draw()

    def add(self, scheme, party, what, value):
        """Record that ``party`` (a worker or a name) saw ``value`` (described by ``what``) in ``scheme``."""
        values = _flat(value)
        if values.numel() != self.secret.numel():
            raise ValueError(f"{what!r} has {values.numel()} numbers but {self.secret_label!r} has "
                             f"{self.secret.numel()}: pass the same parameters (all of them, in the same order)")
        compared = values - self.public if values.is_floating_point() and self.public is not None else values
        row = Row(getattr(party, "id", party), what, values, compared, correlation(self.secret, compared))
        self.rows.setdefault(scheme, []).append(row)
        self.plots[scheme] = self._plot(scheme)
        self._draw()

    def _plot(self, scheme):
        step = max(1, self.secret.numel() // self.max_points)
        panels = [(row.party, row.compared[::step], row.r, self.learns(row) == "nothing") for row in self.rows[scheme]]
        return plots.views_png(self.secret[::step], panels, plots.text(self.secret_label),
                               plots.text(N_("what it receives")))

    def _draw(self):
        self._title.value = heading(_("What each party sees in one round"), _("compared with {secret}").format(
            secret=self.secret_label))
        sections = []
        for scheme, rows in self.rows.items():
            body = table([_("Party"), _("What it receives"), _("Values"), _("What it learns of {secret}").format(
                secret=self.secret_label)],
                [[row.party, row.what, preview(row.values), self._verdict(row)] for row in rows])
            sections.append(ipywidgets.HTML(heading(scheme) + body))
            sections.append(ipywidgets.Image(value=self.plots[scheme], format="png",
                                             layout=ipywidgets.Layout(max_width="760px")))
        self._sections.children = sections

    def learns(self, row):
        """What ``row``'s party learns of the secret: ``"all"``, ``"part"`` or ``"nothing"``."""
        return learns(row.r, self.secret.numel())

    def _verdict(self, row):
        return f"r = {row.r:+.2f}: {_(LEARNS[self.learns(row)])}"

    def __repr__(self):
        lines = [f"RoundView: {_('What each party sees in one round')} ({self.secret_label})"]
        for scheme, rows in self.rows.items():
            lines.append(f"  {scheme}")
            for row in rows:
                lines.append(f"    {row.party}: {row.what} {preview(row.values)}  {self._verdict(row)}")
        return "\n".join(lines)


def correlation(x, y):
    """Pearson's r of two flat tensors (0 when either is constant)."""
    x, y = x.double(), y.double()
    x, y = x - x.mean(), y - y.mean()
    scale = (x.norm() * y.norm()).item()
    return (x @ y).item() / scale if scale > 0 else 0.0


def learns(r, n=None):
    """``"all"``, ``"part"`` or ``"nothing"``: what a view with correlation ``r`` over ``n`` numbers reveals.

    Noise has ``|r|`` of about ``1/sqrt(n)`` by chance, so below ``4/sqrt(n)``
    (and below 0.1) nothing is seen; over 48 numbers that is below 0.58.
    """
    noise = max(NOISE, 4 / math.sqrt(n)) if n else NOISE
    return "all" if abs(r) >= EXACT else "nothing" if abs(r) < noise else "part"


def _flat(value):
    """One flat float64 tensor (int64 stays int64) from a tensor, pointers, or a list or generator of them."""
    if isinstance(value, PointerTensor) or torch.is_tensor(value):
        value = [value]
    parts = [_local(v) for v in value]
    if not parts:
        raise ValueError("there are no values to show: pass a tensor or a list of tensors")
    flat = torch.cat([p.detach().reshape(-1) for p in parts])
    return flat if flat.dtype == torch.int64 else flat.double()


def _local(value):
    if isinstance(value, PointerTensor):  # a copy, for teaching: the party holds it, we look over its shoulder
        value = peek(value)
    if type(value) is not torch.Tensor and torch.is_tensor(getattr(value, "child", None)):
        value = value.child  # a fixed-precision tensor: its ring values
    if not torch.is_tensor(value):
        raise TypeError(f"RoundView shows tensors or pointers to them, got {type(value).__name__}")
    return value
