"""The words pyprivate's widgets show, marked for translation.

Widgets display them with `_()`, e.g. `_(labels.LOSS)` or simply `_("Loss")`;
`python -m pyprivate.i18n update` finds every string passed to `_()`,
`gettext()` or `N_()` in the package and adds it to translations/*/pyprivate.po.
"""

from . import N_

OBJECTS = N_("Objects")
WORKER = N_("Worker")
SHAPE = N_("Shape")
TYPE = N_("Type")
PREVIEW = N_("Preview")
MESSAGES = N_("Messages")
SENDER = N_("Sender")
RECEIVER = N_("Receiver")
BYTES = N_("Bytes")
TOTAL = N_("Total")
LOSS = N_("Loss")
STEP = N_("Step")
EPOCH = N_("Epoch")
SHARES = N_("Shares")
RECONSTRUCTED_VALUE = N_("Reconstructed value")
RESHARE = N_("Re-share")
PLAINTEXT = N_("plaintext")
ENCRYPTED = N_("encrypted")
