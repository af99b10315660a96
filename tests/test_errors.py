"""Wrong calls get clear pyprivate errors, and a failed operation changes no store."""

import pytest
import torch

import pyprivate as sy
from pyprivate import errors


def snapshot(*workers):
    return [{k: v.clone() for k, v in w._objects.items()} for w in workers]


def same(before, workers):
    after = snapshot(*workers)
    return all(b.keys() == a.keys() and all(torch.equal(b[k], a[k]) for k in b) for b, a in zip(before, after))


def test_get_twice(bob):
    ptr = torch.tensor([1, 2]).send(bob)
    ptr.get()
    with pytest.raises(errors.ObjectNotFoundError, match="already fetched"):
        ptr.get()


def test_operation_on_a_fetched_pointer(bob):
    ptr = torch.tensor([1, 2]).send(bob)
    ptr.get()
    with pytest.raises(errors.ObjectNotFoundError, match="no longer at bob"):
        ptr + 1


def test_get_of_an_object_deleted_at_the_worker(bob):
    ptr = torch.tensor([1, 2]).send(bob)
    bob._objects.clear()
    with pytest.raises(errors.ObjectNotFoundError, match=str(ptr.id_at_location)):
        ptr.get()


def test_mixing_workers_names_both(bob, alice):
    x, y = torch.ones(2).send(bob), torch.ones(2).send(alice)
    before = snapshot(bob, alice)
    with pytest.raises(errors.WorkerMismatchError) as info:
        x + y
    assert "alice" in str(info.value) and "bob" in str(info.value)
    assert isinstance(info.value, ValueError)
    assert same(before, [bob, alice])


def test_pointer_with_local_tensor_suggests_send(bob):
    x = torch.ones(3).send(bob)
    before = snapshot(bob)
    with pytest.raises(errors.LocalRemoteMixError, match=r"\.send\(bob\)"):
        x + torch.ones(3)
    assert same(before, [bob])


@pytest.mark.parametrize("shared", [False, True])
@pytest.mark.parametrize("pointer_first", [False, True])
def test_pointer_with_fixed_precision_tensor_says_how_to_mix_them(trio, shared, pointer_first):
    bob, alice, james = trio
    x = torch.ones(2).fix_precision()
    x = x.share(bob, alice, crypto_provider=james) if shared else x
    ptr = torch.ones(2).send(bob)
    before = snapshot(bob, alice, james)
    with pytest.raises(errors.LocalRemoteMixError, match=r"pointer to data at bob with a fixed precision tensor.*\.get\(\)"):
        (ptr * x) if pointer_first else (x * ptr)
    assert same(before, [bob, alice, james])


def test_sharing_a_remote_float_says_encode_it_first_and_changes_nothing(trio):
    bob, alice, james = trio
    ptr = torch.ones(2).send(bob)
    before = snapshot(bob, alice, james)
    with pytest.raises(errors.PyPrivateError, match=r"shares are integers: call \.fix_precision\(\) before"):
        ptr.share(bob, alice, crypto_provider=james)
    assert same(before, [bob, alice, james])
    assert torch.equal(ptr.get(), torch.ones(2))  # nothing was lost


@pytest.mark.parametrize("target", ["bob", 3, None, torch.ones(1)])
def test_send_to_something_that_is_not_a_worker(target):
    with pytest.raises(errors.NotAWorkerError, match="needs a worker"):
        torch.ones(2).send(target)


def test_send_to_the_local_worker():
    with pytest.raises(errors.AlreadyRemoteError):
        torch.ones(2).send(sy.local_worker)


def test_send_a_pointer_to_its_own_worker_or_twice(bob, alice):
    ptr = torch.ones(2).send(bob)
    with pytest.raises(errors.AlreadyRemoteError, match="already points to bob"):
        ptr.send(bob)
    ptr.send(alice)
    with pytest.raises(errors.AlreadyRemoteError, match="was sent to another worker"):
        ptr.send(alice)


def test_get_on_a_local_tensor():
    with pytest.raises(errors.NotRemoteError, match="already local"):
        torch.ones(2).get()


def test_remote_failure_is_reported_and_changes_nothing(bob):
    x, y = torch.ones(2, 3).send(bob), torch.ones(4, 5).send(bob)
    before = snapshot(bob)
    with pytest.raises(errors.RemoteExecutionError, match="mm"):
        x @ y
    assert same(before, [bob])


def test_remote_value_is_not_leaked_into_python(bob):
    x = torch.tensor([3.0]).send(bob)
    with pytest.raises(errors.RemoteValueError, match=r"^\.item\(\) would bring a value from bob.*\.get\(\)"):
        x.item()
    with pytest.raises(errors.RemoteValueError):
        bool(x > 0)


def test_errors_are_typed_like_builtins():
    assert issubclass(errors.NotAWorkerError, TypeError)
    assert issubclass(errors.ObjectNotFoundError, ValueError)
    assert not issubclass(errors.ObjectNotFoundError, (KeyError, AttributeError))


def test_a_round_that_fails_at_one_party_leaves_no_new_object_at_the_other(trio):
    bob, alice, james = trio
    x = torch.tensor([1.0, 2.0]).fix_precision().share(bob, alice, crypto_provider=james)
    y = torch.tensor([3.0, 4.0]).fix_precision().share(bob, alice, crypto_provider=james)
    alice._objects.pop(y.child.shares[1].id_at_location)  # alice lost her share of y
    before = set(bob._objects)
    with pytest.raises(sy.errors.ObjectNotFoundError, match="alice"):
        x + y
    torch.tensor([0]).send(bob).get()  # releases travel with the next message to bob
    assert set(bob._objects) == before


@pytest.mark.parametrize("wrong", [lambda x, y: x @ y, lambda x, y: x * y, lambda x, y: x.view(4, 3) @ y])
def test_a_product_of_shapes_that_do_not_fit_fails_before_anything_is_dealt(trio, wrong):
    bob, alice, james = trio
    share = lambda t: t.fix_precision().share(bob, alice, crypto_provider=james)  # noqa: E731
    x, y, z = share(torch.ones(3, 4)), share(torch.ones(5, 2)), share(torch.full((4, 2), 0.5))
    before, dealt = snapshot(bob, alice, james), len(james.message_log)
    with pytest.raises(RuntimeError, match=r"\[5, 2\]"):  # torch's own shape error
        wrong(x, y)
    assert same(before, [bob, alice, james]) and len(james.message_log) == dealt
    assert torch.equal((x @ z).get().float_precision(), torch.full((3, 2), 2.0))


def _fail_once(monkeypatch, owner, name):
    """Make ``owner.name`` fail on its next call, after it has done its work."""
    original = getattr(owner, name)
    calls = []

    def failing(*args, **kwargs):
        result = original(*args, **kwargs)
        if not calls:
            calls.append(1)
            raise RuntimeError("injected failure")
        return result

    monkeypatch.setattr(owner, name, failing)


@pytest.mark.parametrize("where", ["dealer", "party"])
def test_products_are_right_after_a_deal_that_failed_half_way(trio, monkeypatch, where):
    """A deal that fails after random shares were drawn must not leave the dealer's and a party's streams apart."""
    from pyprivate.crypto.dealer import Dealer

    bob, alice, james = trio
    share = lambda t: t.fix_precision().share(bob, alice, crypto_provider=james)  # noqa: E731
    x, y = share(torch.tensor([[1.5, -2.0]])), share(torch.tensor([[2.0], [0.25]]))
    assert torch.equal((x @ y).get().float_precision(), torch.tensor([[2.5]]))
    if where == "dealer":  # the triple was drawn from the streams, then the dealer failed
        _fail_once(monkeypatch, Dealer, "beaver_triple")
    else:  # alice drew her shares from her stream, then failed
        _fail_once(monkeypatch, alice, "_drawn_share")
    before = snapshot(bob, alice)
    with pytest.raises(sy.errors.PyPrivateError, match="injected failure"):
        x @ y
    torch.tensor([0]).send(bob).get(), torch.tensor([0]).send(alice).get()  # deliver pending releases
    assert same(before, [bob, alice])
    for _ in range(3):
        assert torch.equal((x @ y).get().float_precision(), torch.tensor([[2.5]]))
        assert torch.equal((x * x).get().float_precision(), torch.tensor([[2.25, 4.0]]))


def test_a_crypto_provider_given_as_a_name_says_it_needs_a_worker(bob, alice):
    with pytest.raises(errors.NotAWorkerError, match=r"^share\(crypto_provider=\.\.\.\) needs a worker.*got str 'james'"):
        torch.ones(2).fix_precision().share(bob, alice, crypto_provider="james")


def test_a_throwaway_worker_with_a_taken_id_does_not_hide_the_first(trio):
    bob, alice, james = trio
    x = torch.tensor([1.5, -2.0]).fix_precision().share(bob, alice, crypto_provider=james)
    sy.VirtualWorker(hook=sy.TorchHook(torch), id="bob")  # created and dropped at once
    import gc

    gc.collect()
    assert torch.equal((x * x).get().float_precision(), torch.tensor([2.25, 4.0]))


@pytest.mark.parametrize("again", ["bob", "james"])
def test_shares_held_by_a_replaced_worker_give_a_clear_error(trio, again):
    """Running the cell that creates the workers again makes new workers with the same ids."""
    bob, alice, james = trio
    x = torch.tensor([1.5, -2.0]).fix_precision().share(bob, alice, crypto_provider=james)
    newer = sy.VirtualWorker(hook=sy.TorchHook(torch), id=again)
    before = snapshot(bob, alice, james, newer)
    with pytest.raises(errors.WorkerMismatchError, match=rf"newer worker called '{again}'.*share the tensors .* again"):
        x * x
    assert same(before, [bob, alice, james, newer])
    assert len(newer.message_log) == 0  # the provider dealt nothing to the newer worker
    y = torch.tensor([3.0]).fix_precision().share(*(newer if w.id == again else w for w in (bob, alice)),
                                                  crypto_provider=newer if again == "james" else james)
    assert torch.equal((y * y).get().float_precision(), torch.tensor([9.0]))


def test_a_provider_that_cannot_reach_a_party_says_so_inside_an_operator(trio, monkeypatch):
    """Not a TypeError: torch's binary operators would report that as "unsupported operand"."""
    from pyprivate.workers import directory

    bob, alice, james = trio
    x = torch.tensor([1.5, -2.0]).fix_precision().share(bob, alice, crypto_provider=james)
    find = directory.find
    monkeypatch.setattr(directory, "check_current", lambda workers: None)
    monkeypatch.setattr(directory, "find", lambda wid: find("nobody") if wid == "alice" else find(wid))
    with pytest.raises(errors.CryptoProviderError, match="'james' cannot deal: no worker called 'nobody'"):
        x * x


@pytest.mark.parametrize("shared", [False, True])
def test_sending_a_fixed_precision_tensor_says_what_to_do_instead(trio, shared):
    bob, alice, james = trio
    x = torch.ones(2).fix_precision()
    x = x.share(bob, alice, crypto_provider=james) if shared else x
    before = snapshot(bob, alice, james)
    expected = (errors.AlreadyRemoteError, r"already lives on its workers; \.get\(\) it first") if shared else (
        errors.UnsupportedOperationError, r"send the float tensor before encoding it")
    with pytest.raises(expected[0], match=expected[1]):
        x.send(bob)
    assert same(before, [bob, alice, james])


def _model_state(model):
    return [(type(p).__name__, p.shape) for p in model.parameters()]


@pytest.mark.parametrize("case", ["send fixed", "send shared", "fix a sent model", "share a sent model"])
def test_moving_a_model_the_wrong_way_says_what_to_do_and_changes_nothing(trio, case):
    from torch import nn

    bob, alice, james = trio
    model = nn.Linear(2, 1)
    if case == "send fixed":
        model.fix_precision()
        call, expected = lambda: model.send(bob), (errors.UnsupportedOperationError, "send it before encoding it")
    elif case == "send shared":
        model.fix_precision().share(bob, alice, crypto_provider=james)
        call, expected = lambda: model.send(bob), (errors.AlreadyRemoteError, r"secret-shared.*model\.get\(\) it first")
    else:
        model.send(bob)
        method = "fix_precision" if case == "fix a sent model" else "share"
        args = () if method == "fix_precision" else (bob, alice)
        call = lambda: getattr(model, method)(*args)  # noqa: E731
        expected = (errors.AlreadyRemoteError, rf"{method}\(\) works on a local model; this one is at bob")
    state, before = _model_state(model), snapshot(bob, alice, james)
    with pytest.raises(expected[0], match=expected[1]):
        call()
    assert _model_state(model) == state and same(before, [bob, alice, james])


@pytest.mark.parametrize("call", ["numpy", "tolist"])
@pytest.mark.parametrize("kind", ["pointer", "fixed", "shared"])
def test_numpy_and_tolist_say_how_to_get_plain_numbers(trio, kind, call):
    bob, alice, james = trio
    x = {"pointer": lambda: torch.ones(2).send(bob), "fixed": lambda: torch.ones(2).fix_precision(),
         "shared": lambda: torch.ones(2).fix_precision().share(bob, alice, crypto_provider=james)}[kind]()
    expected = {"pointer": (errors.RemoteValueError, r"from bob .* \.get\(\) on the pointer first"),
                "fixed": (errors.NotRemoteError, r"x\.float_precision\(\) first"),
                "shared": (errors.NotRemoteError, r"x\.get\(\)\.float_precision\(\) first")}[kind]
    with pytest.raises(expected[0], match=rf"^{call}\(\) .*" + expected[1]):
        getattr(x, call)()


def test_a_worker_made_with_its_name_first_says_the_hook_comes_first():
    with pytest.raises(TypeError, match=r"first argument is the hook: sy\.VirtualWorker\(hook, id='carol'\)"):
        sy.VirtualWorker("carol")
