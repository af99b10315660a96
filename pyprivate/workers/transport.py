"""How requests reach a worker.

A transport has one job: deliver a request's bytes to a worker and bring
the reply's bytes back (in this process: copies of the message objects).
What the worker does with them is the worker's business. In-process
delivery is the default; a worker in another process needs only another
transport with the same ``request`` method.
"""


class Transport:
    """Interface: ``request(payload: bytes) -> bytes``.

    ``concurrent``: requests to several workers may be in flight at once,
    from threads (worth it when a request waits on a network).
    """

    concurrent = False

    def request(self, payload):
        raise NotImplementedError


class InProcessTransport(Transport):
    """Hands a request straight to a worker object in this Python process.

    The request is the receiver's own copy of the message object
    (:mod:`.handover`; the reply comes back the same way), or its bytes when
    ``sy.settings.wire_bytes`` is on or another transport wraps this one.
    """

    def __init__(self, worker):
        self.worker = worker

    def request(self, payload):
        if not isinstance(payload, (bytes, bytearray, memoryview)):
            return self.worker.receive(payload)  # a handed-over copy of the message
        # A bytearray from serde.encode is handed over, not copied: the sender never touches it again.
        return self.worker.recv_msg(payload if type(payload) is bytearray else bytes(payload))
