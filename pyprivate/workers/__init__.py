"""Workers, the messages between them, and how the bytes travel."""

from .base import BaseWorker, VirtualWorker
from .client import local_worker
from .transport import InProcessTransport, Transport

__all__ = ["BaseWorker", "VirtualWorker", "local_worker", "Transport", "InProcessTransport"]
