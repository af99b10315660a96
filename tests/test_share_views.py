"""Lazy shape operations on shares: x.t(), x.view(...), x.sum(dim) cost no message until they are used."""

import pytest
import torch

from pyprivate import errors
from pyprivate.tensors.share_view import ShareView
from pyprivate.workers import serde
from pyprivate.workers.messages import Ref, RunCommand


def _shared(trio, *shape):
    bob, alice, james = trio
    torch.manual_seed(0)
    x = torch.randn(*shape)
    return x, x.fix_precision().share(bob, alice, crypto_provider=james)


def _messages(workers):
    return sum(len(w.message_log) for w in workers)


@pytest.mark.parametrize("op", [
    lambda x: x.t(), lambda x: x.view(-1), lambda x: x.t().reshape(-1), lambda x: x.sum(dim=0),
    lambda x: x.unsqueeze(0).expand(3, 4, 5), lambda x: x.transpose(0, 1).sum(), lambda x: x.permute(1, 0)[None],
])
def test_shape_operations_send_nothing_and_give_torch_results(trio, op):
    x, sx = _shared(trio, 4, 5)
    before = _messages(trio)
    view = op(sx)
    assert _messages(trio) == before  # nothing travelled yet
    assert isinstance(view.child.handles[0], ShareView) and view.shape == op(x).shape
    assert torch.allclose(view.get().float_precision(), op(x), atol=1e-3)


def test_a_view_is_applied_inside_the_product_that_uses_it(trio):
    bob, alice, james = trio
    x, sx = _shared(trio, 4, 5)
    w, sw = _shared(trio, 3, 5)
    steps_before = [r.op for r in bob.message_log]
    out = sx @ sw.t()  # as nn.Linear does: the weight's transpose rides in the product's references
    ops = [r.op for r in list(bob.message_log)[len(steps_before):] if r.kind == "command"]
    assert ops == []
    assert torch.allclose(out.get().float_precision(), x @ w.t(), atol=0.01)


def test_shares_materialises_a_view_in_one_message_per_worker(trio):
    bob, alice, james = trio
    x, sx = _shared(trio, 4, 5)
    view = sx.t().child
    before = len(bob.message_log), len(alice.message_log)
    pointers = view.shares
    assert len(bob.message_log) == before[0] + 1 and len(alice.message_log) == before[1] + 1
    assert [p.shape for p in pointers] == [torch.Size([5, 4])] * 2
    assert pointers[0].id_at_location in bob._objects
    assert view.shares is pointers or view.shares == pointers  # once only


def test_repr_shows_the_pending_operations(trio):
    _, sx = _shared(trio, 4, 5)
    text = repr(sx.t().view(-1).child)
    assert "then t -> reshape, at bob" in text and "then t -> reshape, at alice" in text


def test_a_wrong_shape_fails_at_once_and_changes_nothing(trio):
    bob, alice, _ = trio
    _, sx = _shared(trio, 4, 5)
    stores = dict(bob._objects), dict(alice._objects)
    with pytest.raises(RuntimeError, match="shape"):
        sx.view(3, 3)
    assert (dict(bob._objects), dict(alice._objects)) == stores


def test_a_worker_applies_only_shape_operations_from_a_reference(bob):
    bob._objects[1] = torch.arange(6)
    ok = serde.decode(bob.recv_msg(serde.encode(
        RunCommand("clone.default", [Ref(1, (("view.default", ([2, 3],), {}), ("t.default", (), {})))], {}), "me")))[0]
    assert ok.value.shape == (3, 2)
    with pytest.raises(errors.MessageDecodeError, match="shape operations"):
        serde.decode(serde.encode(RunCommand("clone.default", [Ref(1, (("neg.default", (), {}),))], {}), "eve"))


def test_an_operation_with_arguments_a_reference_cannot_carry_runs_at_once(trio):
    bob, alice, james = trio
    x, sx = _shared(trio, 4, 5)
    before = len(bob.message_log)
    total = torch.sum(sx.child, dim=0, dtype=torch.int64)  # a dtype is not a shape argument: sent as a command
    assert len(bob.message_log) == before + 1 and not isinstance(total.handles[0], ShareView)
    assert torch.equal(total.get(), x.fix_precision().child.sum(dim=0))


def test_a_shape_worked_out_once_is_remembered_and_a_wrong_one_still_fails(trio, monkeypatch):
    from pyprivate.tensors import share_view

    calls = []
    real = share_view._meta_shape
    monkeypatch.setattr(share_view, "_meta_shape", lambda *a: calls.append(a[0]) or real(*a))
    monkeypatch.setattr(share_view, "_known_shapes", {})
    x, sx = _shared(trio, 4, 5)
    assert sx.view(2, 10).shape == sx.view(2, 10).shape == x.view(2, 10).shape
    assert sx.view(10, 2).shape == (10, 2)  # other arguments: another question
    assert len(calls) == 2
    for _ in range(2):  # an error is never remembered as a shape
        with pytest.raises(RuntimeError, match="shape"):
            sx.view(3, 3)
    assert len(calls) == 4
