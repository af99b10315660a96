"""When the last pointer to a remote object goes, the object goes too."""

import gc

import torch


def test_deleting_a_pointer_deletes_the_remote_object(bob):
    x = torch.ones(2).send(bob)
    assert len(bob._objects) == 1
    del x
    assert bob._objects == {}


def test_detached_pointers_share_the_remote_object(bob):
    x = torch.ones(2, requires_grad=True).send(bob)
    d = x.detach()
    assert d.id_at_location == x.id_at_location and len(bob._objects) == 1
    del x
    assert len(bob._objects) == 1
    del d
    assert bob._objects == {}


def test_store_stays_bounded_in_a_long_training_loop(bob):
    w = torch.zeros(3, requires_grad=True).send(bob)
    data = torch.randn(8, 3).send(bob)
    target = torch.randn(8).send(bob)
    sizes = []
    for _ in range(200):
        loss = ((data @ w - target) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            w -= 0.1 * w.grad
        w.grad = None
        sizes.append(len(bob._objects))
    gc.collect()
    assert max(sizes[50:]) <= max(sizes[:50])
    assert max(sizes) < 12
    del loss
    assert len(bob._objects) == 3
