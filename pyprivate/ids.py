"""Random object ids, in the style of PySyft's (eleven digits)."""

import random

_rng = random.Random()


def new_id():
    """A fresh random id between 10**10 and 10**11."""
    return _rng.randrange(10**10, 10**11)
