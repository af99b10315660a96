"""Random object ids, in the style of PySyft's (eleven digits)."""

import random

_rng = random.Random()
_LOW, _SPAN = 10**10, 9 * 10**10


def new_id():
    """A fresh random id between 10**10 and 10**11.

    Drawn from a float (53 random bits for a span below 2^37): a training
    step makes hundreds of ids, and ``randrange`` costs ten times as much.
    """
    return _LOW + int(_rng.random() * _SPAN)
