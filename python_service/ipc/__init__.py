"""Transport between a client (renderer role) and the NPU service (GPU-process role).

`Channel` frames messages over a Unix-domain stream socket and passes file descriptors with
SCM_RIGHTS; `SharedMemory` carries tensor bytes in sealed memfds, so only descriptors cross the
socket.
"""

from python_service.ipc.channel import Channel, ChannelClosed, Message
from python_service.ipc.shared_memory import SharedMemory

__all__ = ["Channel", "ChannelClosed", "Message", "SharedMemory"]
