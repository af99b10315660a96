"""The Part 1 calls of ../shared/API.md, run as written."""

import re

import torch

import pyprivate as sy


def test_part1_as_written():
    hook = sy.TorchHook(torch)
    bob = sy.VirtualWorker(hook, id="bob")
    assert repr(bob) == "<VirtualWorker id:bob #objects:0>"

    x = torch.tensor([1, 2, 3, 4, 5])
    y = torch.tensor([1, 1, 1, 1, 1])
    x_ptr = x.send(bob)
    y_ptr = y.send(bob)
    assert re.fullmatch(r"\(Wrapper\)>\[PointerTensor \| me:\d+ -> bob:\d+\]", repr(x_ptr))
    assert repr(x_ptr).endswith(f"bob:{x_ptr.id_at_location}]")
    assert set(bob._objects) == {x_ptr.id_at_location, y_ptr.id_at_location}
    assert torch.equal(bob._objects[x_ptr.id_at_location], x)
    assert repr(bob._objects).startswith("{") and "tensor([1, 2, 3, 4, 5])" in repr(bob._objects)

    z = x_ptr + x_ptr
    assert isinstance(z, sy.PointerTensor) and len(bob._objects) == 3
    assert x_ptr.location is bob and bob == x_ptr.location
    assert x_ptr.id != x_ptr.id_at_location
    assert repr(x_ptr.owner) == "<VirtualWorker id:me #objects:0>"
    assert sy.local_worker == x_ptr.owner
    assert torch.equal(x_ptr.get(), torch.tensor([1, 2, 3, 4, 5]))
    assert torch.equal(z.get(), torch.tensor([2, 4, 6, 8, 10]))
    assert torch.equal(y_ptr.get(), y)
    assert bob._objects == {}

    x = torch.tensor([1, 2, 3, 4, 5]).send(bob)
    y = torch.tensor([1, 1, 1, 1, 1]).send(bob)
    z = x + y
    assert torch.equal(z.get(), torch.tensor([2, 3, 4, 5, 6]))
    z = torch.add(x, y)
    assert torch.equal(z.get(), torch.tensor([2, 3, 4, 5, 6]))

    x = torch.tensor([1, 2, 3, 4, 5.], requires_grad=True).send(bob)
    y = torch.tensor([1, 1, 1, 1, 1.], requires_grad=True).send(bob)
    z = (x + y).sum()
    z.backward()
    x = x.get()
    assert repr(x) == "tensor([1., 2., 3., 4., 5.], requires_grad=True)"
    assert torch.equal(x.grad, torch.tensor([1., 1., 1., 1., 1.]))
