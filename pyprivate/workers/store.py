"""A worker's object store: a dict that tells observers when it changes."""


class ObjectStore(dict):
    """``id -> tensor``, printed like a plain dict.

    Observers (e.g. the store widget) register a callable with
    :meth:`observe`; it is called as ``callback(event, obj_id)`` with event
    ``"set"`` or ``"delete"`` after every change.
    """

    def __init__(self):
        super().__init__()
        self._observers = []

    def observe(self, callback):
        """Call ``callback(event, obj_id)`` after each change; returns an unsubscribe function."""
        self._observers.append(callback)
        return lambda: self._observers.remove(callback) if callback in self._observers else None

    def _notify(self, event, obj_id):
        for callback in list(self._observers):
            callback(event, obj_id)

    def __setitem__(self, obj_id, obj):
        super().__setitem__(obj_id, obj)
        if self._observers:  # a training step stores hundreds of objects; mostly nobody watches
            self._notify("set", obj_id)

    def __delitem__(self, obj_id):
        super().__delitem__(obj_id)
        if self._observers:
            self._notify("delete", obj_id)

    def pop(self, obj_id, *default):
        if not self._observers:
            return super().pop(obj_id, *default)
        had = obj_id in self
        value = super().pop(obj_id, *default)
        if had:
            self._notify("delete", obj_id)
        return value

    def clear(self):
        ids = list(self)
        super().clear()
        for obj_id in ids:
            self._notify("delete", obj_id)
