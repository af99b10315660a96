"""Messages are bytes; decoding never runs code; workers log what they receive."""

import os
import pickle

import msgpack
import pytest
import torch

import pyprivate as sy
from pyprivate import errors
from pyprivate.workers import serde
from pyprivate.workers.messages import DeleteObjects, GetObject, Ref, Reply, RunCommand, SendObject


def reply_of(worker, payload):
    message, sender = serde.decode(worker.recv_msg(payload))
    return message, sender


@pytest.mark.parametrize(
    "message",
    [
        SendObject(12345678901, torch.tensor([[1.5, -2.0]])),
        GetObject(12345678901, remove=False),
        RunCommand("add.Tensor", [Ref(1), Ref(2)], {"alpha": 2}),
        RunCommand("mm.default", [Ref(1, (("t.default", (), {}), ("view.default", ([-1, 4],), {}))), Ref(2)], {}),
        RunCommand("sum.dim_IntList", [Ref(1), [0, 1], True], {"dtype": torch.float64}),
        DeleteObjects([1, 2, 3]),
        Reply((torch.tensor(1), None, 2.5, "x")),
    ],
)
def test_round_trip(message):
    decoded, sender = serde.decode(serde.encode(message, "me"))
    assert sender == "me" and type(decoded) is type(message)
    for name, value in vars(message).items():
        got = getattr(decoded, name)
        if isinstance(value, torch.Tensor):
            assert torch.equal(got, value) and got.dtype == value.dtype
        elif name != "value":
            assert got == value


class Exploit:
    def __reduce__(self):
        return (os.system, ("touch /tmp/pyprivate-pwned",))


def test_pickle_payload_is_refused_and_never_run(bob, tmp_path):
    if os.path.exists("/tmp/pyprivate-pwned"):
        os.remove("/tmp/pyprivate-pwned")
    for payload in (pickle.dumps(Exploit()), pickle.dumps({"kind": "send"}), torch.tensor([1]).numpy().tobytes()):
        reply, sender = reply_of(bob, payload)
        assert reply.error in ("MessageDecodeError", "UnknownMessageError") and sender == "bob"
    assert not os.path.exists("/tmp/pyprivate-pwned")
    assert bob._objects == {}


def test_crafted_msgpack_payloads_are_refused(bob):
    crafted = [
        msgpack.packb({"kind": "exec", "sender": "eve", "body": {}}),
        msgpack.packb({"kind": "send", "sender": "eve", "body": {"obj_id": 1, "obj": msgpack.ExtType(99, b"x")}}),
        msgpack.packb({"kind": "send", "sender": "eve", "body": {"obj_id": 1, "obj": "not a tensor"}}),
        msgpack.packb({"kind": "send", "sender": "eve", "body": {"obj_id": 1, "evil": 2}}),
        msgpack.packb([1, 2, 3]),
        serde.encode(RunCommand("clone.default", [Ref(1, (("add.Tensor", (1,), {}),))], {}), "eve"),
        serde.encode(RunCommand("clone.default", [Ref(1, (("view.default", ("x",), {}),))], {}), "eve"),
    ]
    for payload in crafted:
        reply, _ = reply_of(bob, payload)
        assert reply.error in ("MessageDecodeError", "UnknownMessageError"), reply
    assert bob._objects == {}


def _ref(obj_id):
    """A reference to a stored object, as raw msgpack (extension 2: the id as a little-endian int64)."""
    return msgpack.ExtType(2, obj_id.to_bytes(8, "little", signed=True))


@pytest.mark.parametrize("field, body", [
    ("kwargs", lambda x: {"op": "add.Tensor", "args": [x, x], "kwargs": "alpha"}),
    ("kwargs", lambda x: {"op": "add.Tensor", "args": [x, x], "kwargs": ["alpha", 2]}),
    ("kwargs", lambda x: {"op": "add.Tensor", "args": [x, x], "kwargs": {1: 2}}),
    ("args", lambda x: {"op": "add.Tensor", "args": x, "kwargs": {}}),
    ("args", lambda x: {"op": "add.Tensor", "args": {"self": x}, "kwargs": {}}),
    ("op", lambda x: {"op": ["add.Tensor"], "args": [x, x], "kwargs": {}}),
])
def test_a_command_whose_arguments_are_not_a_list_and_a_mapping_is_refused_unrun(bob, field, body):
    x = torch.arange(3.0).send(bob)
    before = dict(bob._objects)
    # The release list would delete x: a refused message must not even do that.
    payload = msgpack.packb({"kind": "command", "sender": "eve", "body": body(_ref(x.id_at_location)),
                             "release": [x.id_at_location]})
    with pytest.raises(errors.MessageDecodeError, match=f"malformed 'command' message.*'{field}'"):
        serde.decode(payload)
    reply, _ = reply_of(bob, payload)
    assert reply.error == "MessageDecodeError" and "malformed" in reply.message, reply
    assert bob._objects == before and bob.message_log[-1].kind == "?"  # refused before it was a command
    assert torch.equal(x.get(), torch.arange(3.0))


def test_a_well_formed_raw_command_still_runs(bob):
    x = torch.arange(3.0).send(bob)
    body = {"op": "add.Tensor", "args": [_ref(x.id_at_location), _ref(x.id_at_location)], "kwargs": {"alpha": 2}}
    reply, _ = reply_of(bob, msgpack.packb({"kind": "command", "sender": "eve", "body": body}))
    assert torch.equal(bob._objects[reply.value.obj_id], torch.arange(3.0) * 3)


def test_unknown_message_kind_is_named():
    payload = msgpack.packb({"kind": "teleport", "sender": "eve", "body": {}})
    with pytest.raises(errors.UnknownMessageError, match="teleport"):
        serde.decode(payload)


@pytest.mark.parametrize("op", ["os.system", "system", "from_file.default", "__import__.default", "add"])
def test_commands_only_run_torch_operations(bob, op):
    reply, _ = reply_of(bob, serde.encode(RunCommand(op, ["echo hi"], {}), "eve"))
    assert reply.error == "UnsupportedOperationError"


def test_log_records_kind_sender_and_size(bob):
    x = torch.ones(3).send(bob)
    y = x + 1
    y.get()
    kinds = [r.kind for r in bob.message_log]
    assert kinds[:3] == ["send", "command", "get"]
    first = bob.message_log[0]
    assert first.sender == "me" and first.receiver == "bob" and first.nbytes > 3 * 4
    assert bob.message_log[1].op == "add.Tensor"


def test_log_is_bounded(hook_):
    w = sy.VirtualWorker(hook_, id="w", log_size=5)
    for _ in range(10):
        torch.ones(1).send(w).get()
    assert len(w.message_log) == 5


def test_a_different_transport_needs_no_other_change(bob):
    class CountingTransport(sy.Transport):
        def __init__(self, inner):
            self.inner, self.bytes = inner, 0

        def request(self, payload):
            self.bytes += len(payload)
            return self.inner.request(payload)

    bob.transport = CountingTransport(bob.transport)
    x = torch.tensor([1.0, 2.0], requires_grad=True).send(bob)
    (x * 3).sum().backward()
    assert torch.equal(x.get().grad, torch.tensor([3.0, 3.0]))
    assert bob.transport.bytes > 0


@pytest.mark.parametrize("tensor", [
    torch.arange(12).reshape(3, 4).t(),                       # not contiguous
    torch.tensor([[7]]).expand(3, 5),                         # stride 0
    torch.arange(10)[3:7],                                    # a view with an offset
    torch.tensor([1.5, -2.0], dtype=torch.bfloat16),
    torch.tensor([True, False, True]),
    torch.empty(0, 3, dtype=torch.int64),
    torch.tensor(3.25),
])
def test_tensors_of_any_layout_round_trip_with_their_own_memory(tensor):
    payload = serde.encode(Reply([tensor, {"again": tensor}, Ref(5)]), "me")
    got, nested, ref = serde.decode(payload)[0].value
    for value in (got, nested["again"]):
        assert torch.equal(value, tensor) and value.dtype == tensor.dtype and value.shape == tensor.shape
        value.add_(1) if value.dtype != torch.bool and value.numel() else None
    assert torch.equal(nested["again"], tensor + (1 if tensor.dtype != torch.bool and tensor.numel() else 0))
    assert ref == Ref(5)


def test_tensor_bytes_must_match_the_tensors_exactly(bob):
    payload = serde.encode(SendObject(1, torch.arange(4)), "eve")
    for bad in (payload[:-8], payload + bytes(8), payload[:6], bytes([0xC1]) + payload[1:4] + bytes(4) + payload[8:]):
        reply, _ = reply_of(bob, bad)
        assert reply.error == "MessageDecodeError", reply
    header = msgpack.ExtType(1, bytes([99, 1]) + (4).to_bytes(8, "little"))  # dtype code 99
    reply, _ = reply_of(bob, msgpack.packb({"kind": "send", "sender": "eve", "body": {"obj_id": 1, "obj": header}}))
    assert reply.error == "MessageDecodeError"
    assert bob._objects == {}
