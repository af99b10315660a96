"""Mapping over the nested lists, tuples and dicts of operation arguments.

torch's own pytree utilities handle every container type torch knows, and
pay for it on each call; the arguments of messages and protocol steps are
only ever lists, tuples and dicts, and this runs on every message.
"""


def tree_map(fn, tree):
    """``tree`` with ``fn`` applied to every leaf (anything not a list, tuple or dict)."""
    # The leaf test is inlined: messages and protocols map small trees thousands of times per training step.
    if isinstance(tree, list):
        return [tree_map(fn, x) if isinstance(x, _NODES) else fn(x) for x in tree]
    if isinstance(tree, tuple):
        return tuple(tree_map(fn, x) if isinstance(x, _NODES) else fn(x) for x in tree)
    if isinstance(tree, dict):
        return {k: tree_map(fn, v) if isinstance(v, _NODES) else fn(v) for k, v in tree.items()}
    return fn(tree)


def leaves(tree):
    """Every leaf of ``tree``, depth first."""
    if isinstance(tree, (list, tuple)):
        return [leaf for x in tree for leaf in (leaves(x) if isinstance(x, _NODES) else (x,))]
    if isinstance(tree, dict):
        return [leaf for v in tree.values() for leaf in (leaves(v) if isinstance(v, _NODES) else (v,))]
    return [tree]


_NODES = (list, tuple, dict)
