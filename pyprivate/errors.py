"""The exceptions pyprivate raises.

Every error a learner can trigger is a :class:`PyPrivateError`. Most also
derive from the built-in class a Python programmer would expect
(``TypeError`` for a wrong kind of argument, ``ValueError`` for a wrong
value), so ``except TypeError`` keeps working.
"""


class PyPrivateError(Exception):
    """Base class of every pyprivate error."""


class NotAWorkerError(PyPrivateError, TypeError):
    """Something that is not a worker was given where a worker is needed."""


class ObjectNotFoundError(PyPrivateError, ValueError):
    """A pointer refers to an object that its worker no longer holds."""


class WorkerMismatchError(PyPrivateError, ValueError):
    """An operation mixes values that live on different workers."""


# Errors raised inside operators (+, *, @) must not derive from TypeError:
# torch turns a TypeError there into NotImplemented and Python then reports
# a vague "unsupported operand type(s)".


class LocalRemoteMixError(PyPrivateError, ValueError):
    """An operation mixes a pointer with a tensor that is held locally."""


class AlreadyRemoteError(PyPrivateError, ValueError):
    """A value that is already on a worker was sent again."""


class NotRemoteError(PyPrivateError, ValueError):
    """A remote-only action (such as ``.get()``) was asked of a local value."""


class RemoteValueError(PyPrivateError, ValueError):
    """An operation would turn a remote value into a local Python value."""


class MessageDecodeError(PyPrivateError, ValueError):
    """Bytes that arrived at a worker are not a valid pyprivate message."""


class UnknownMessageError(MessageDecodeError):
    """A message names a kind of message that workers do not understand."""


class UnsupportedOperationError(PyPrivateError, NotImplementedError):
    """An operation has no implementation for this kind of tensor."""


class PrivateDataError(PyPrivateError, PermissionError):
    """The data is private at its worker: only its owner's approval lets it (or what was computed from it) leave."""


class RemoteExecutionError(PyPrivateError, RuntimeError):
    """An operation failed while a worker was running it."""


def error_class(name):
    """Return the pyprivate exception class called ``name`` (or RemoteExecutionError)."""
    cls = globals().get(name)
    if isinstance(cls, type) and issubclass(cls, PyPrivateError):
        return cls
    return RemoteExecutionError


class CryptoProviderError(PyPrivateError, ValueError):
    """A secure operation needs a crypto provider and none was given."""


class WorkerUnreachableError(PyPrivateError, ConnectionError):
    """A worker in another process did not answer (stopped, killed or unreachable)."""


class GroupFormationError(PyPrivateError, ConnectionError):
    """The processes of a worker group did not all join within the time limit."""


class SecureAggregationError(PyPrivateError, ValueError):
    """A secure aggregation step was called out of order or with updates that do not fit."""
