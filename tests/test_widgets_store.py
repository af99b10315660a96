"""StoreView follows the workers' stores: sends, gets, garbage collection, shares and dealt material."""

import pytest
import torch

import pyprivate as sy
from pyprivate.widgets import StoreView

pytest.importorskip("ipywidgets")


@pytest.fixture
def james(hook_):
    return sy.VirtualWorker(hook_, id="james")


def ids(view, worker):
    return [row.obj_id for row in view.rows[worker.id]]


def test_a_send_shows_up_without_refreshing(bob, alice):
    view = StoreView(bob, alice, interval=0)
    assert view.rows == {"bob": [], "alice": []}
    ptr = torch.tensor([1, 2, 3]).send(bob)
    (row,) = view.rows["bob"]
    assert (row.obj_id, row.kind, row.shape, row.dtype, row.preview) == (ptr.id_at_location, "tensor", (3,), "int64",
                                                                          "[1, 2, 3]")
    assert row.origin == "sent by me"
    assert view.rows["alice"] == []
    assert "Objects: 1" in view._panels[0].value and str(ptr.id_at_location) in view._panels[0].value


def test_get_and_garbage_collection_remove_objects(bob):
    view = StoreView(bob, interval=0)
    kept = torch.ones(2).send(bob)
    dropped = torch.zeros(5).send(bob)
    assert ids(view, bob) == [kept.id_at_location, dropped.id_at_location]
    kept.get()
    assert ids(view, bob) == [dropped.id_at_location]
    del dropped  # the pointer's last reference: the worker deletes the tensor
    assert view.rows["bob"] == [] and "Objects: 0" in view._panels[0].value
    assert view.events == 4  # two arrivals, two departures


def test_results_of_remote_commands_name_their_operation(bob):
    view = StoreView(bob, interval=0)
    x = torch.tensor([1.0, 2.0]).send(bob)
    y = x + x
    row = view.rows["bob"][-1]
    assert row.obj_id == y.id_at_location and row.origin == "result of add.Tensor" and row.preview == "[2, 4]"


def test_shares_are_marked_as_shares_and_labelled(bob, alice, james):
    view = StoreView(bob, alice, interval=0)
    x = torch.tensor([1.5, -2.0]).fix_precision().share(bob, alice, crypto_provider=james)
    plain = torch.tensor([1500, -2000]).send(bob)  # the same integers, in the clear: not a share
    view.label(x, "x").label(plain, "plain")
    kinds = {row.name: row.kind for row in view.rows["bob"] + view.rows["alice"]}
    assert kinds == {"x [1/2]": "share", "x [2/2]": "share", "plain": "tensor"}
    assert "x [1/2]" in view._panels[0].value and "x [2/2]" in view._panels[1].value


def test_material_dealt_by_the_crypto_provider_is_shown_as_its(bob, alice, james):
    view = StoreView(bob, alice, interval=0)
    x = torch.tensor([3, 4]).share(bob, alice, crypto_provider=james)
    (zero,) = x.parties.dealer.zero_shares(x.shape, 2)  # james sends one share to each party
    for worker, ptr in zip((bob, alice), zero):
        (row,) = [r for r in view.rows[worker.id] if r.obj_id == ptr.id_at_location]
        assert row.kind == "share" and row.origin == "dealt by james"


def test_a_secure_product_leaves_protocol_step_results(bob, alice, james):
    view = StoreView(bob, alice, interval=0)
    x = torch.tensor([1.5, 2.0]).fix_precision().share(bob, alice, crypto_provider=james)
    y = x * x
    for worker, obj_id in zip((bob, alice), [p.id_at_location for p in y.child.shares]):
        (row,) = [r for r in view.rows[worker.id] if r.obj_id == obj_id]
        assert row.kind == "share" and row.origin.startswith("protocol step")
    del y  # the product's shares and the used triples go, with the next messages to bob and alice
    z = x + x
    assert ids(view, bob) == [x.child.shares[0].id_at_location, z.child.shares[0].id_at_location]
    assert ids(view, alice) == [x.child.shares[1].id_at_location, z.child.shares[1].id_at_location]


def test_redraws_are_throttled_but_the_final_state_is_drawn(bob):
    view = StoreView(bob, interval=3600)
    ptr = torch.ones(3).send(bob)
    assert "Objects: 0" in view._panels[0].value  # not redrawn yet: the last draw was just now
    view._flush()  # what happens after each notebook cell (and when rows or repr are read)
    assert "Objects: 1" in view._panels[0].value and ids(view, bob) == [ptr.id_at_location]


def test_close_unsubscribes(bob):
    view = StoreView(bob, interval=0)
    assert len(bob._objects._observers) == 1
    view.close()
    assert bob._objects._observers == []
    torch.ones(1).send(bob)
    assert view.rows["bob"] == []


def test_a_failing_view_never_breaks_the_worker(bob, monkeypatch):
    view = StoreView(bob, interval=0)
    monkeypatch.setattr(view, "refresh", lambda: 1 / 0)
    ptr = torch.tensor([7]).send(bob)
    assert ptr.get().tolist() == [7]


def test_plain_text_repr_lists_each_workers_objects(bob, alice):
    view = StoreView(bob, alice, interval=0)
    ptr = torch.tensor([[1.25, 2.5, 3.0, 4.0, 5.0]]).send(bob)
    view.label(ptr, "data")
    text = repr(view)
    assert text.splitlines()[0] == "StoreView: bob, alice"
    assert "bob: Objects: 1" in text and "alice: Objects: 0" in text
    assert f"{ptr.id_at_location} (data)  tensor  [1, 5] float32  [1.25, 2.5, 3, 4, …] ← sent by me" in text
    bundle = view._repr_mimebundle_()
    assert bundle["text/plain"] == text and "application/vnd.jupyter.widget-view+json" in bundle


def test_needs_workers(bob):
    with pytest.raises(ValueError):
        StoreView()
    with pytest.raises(sy.errors.NotAWorkerError):
        StoreView("bob")
    with pytest.raises(TypeError, match="pointer or a shared tensor"):
        StoreView(bob).label(torch.ones(1), "x")


def test_a_worker_holding_pointers_and_encoded_values_is_shown_without_reading_through_them(bob, alice, james):
    x = torch.tensor([1.0, 2.0, 3.0]).send(bob)
    pointer_to_x = x.send(alice)  # Part 3: alice holds a pointer to bob's tensor
    encoded = torch.tensor([1.5, 2.0]).send(bob).fix_precision()
    shared = torch.tensor([1.5, 2.0]).send(bob).fix_precision().share(bob, alice, crypto_provider=james)
    view = StoreView(bob, alice)
    bob.message_log.clear()
    previews = {row.obj_id: row.preview for rows in view.rows.values() for row in rows}
    assert previews[pointer_to_x.id_at_location] == f"→ bob:{x.id_at_location}"
    assert previews[encoded.id_at_location] == "FixedPrecisionTensor([1500, 2000])"
    assert previews[shared.id_at_location] == "FixedPrecisionTensor(shares at bob, alice)"
    assert not bob.message_log  # drawing sent nothing to bob
