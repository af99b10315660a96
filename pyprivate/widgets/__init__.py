"""Widgets that let learners watch private computation happen (ipywidgets and matplotlib).

- :class:`StoreView`: what each worker holds, live.
- :class:`SharesView`: the shares of a secret and what they add up to (for teaching only).
- :class:`MessagesView`: the messages that crossed the wire, and their bytes.
- :class:`RoundView`: what each party sees in one round of aggregation.
- :class:`RequestsView`: a data owner's pending requests for private data, with Approve and Deny.
- :class:`LossCurve`: a training curve that redraws in place and stays in the saved notebook.

They import and run without a display; labels follow ``set_language(...)``.
A displayed view also leaves a static HTML copy of what it shows at that
moment, for pages that run no widget JavaScript (``snapshot.py``).
"""

from .loss_curve import LossCurve
from .messages_view import MessagesView, Total
from .requests_view import RequestsView
from .round_view import RoundView
from .shares_view import SharesView
from .store_view import ObjectRow, StoreView

__all__ = ["StoreView", "SharesView", "MessagesView", "LossCurve", "RoundView", "RequestsView", "ObjectRow", "Total"]
