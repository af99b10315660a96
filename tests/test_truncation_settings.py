"""sy.settings.truncation: local division of products with two workers (default) or dealer-assisted."""

import pytest
import torch

import pyprivate as sy


def _product_traffic(x, y, workers, provider):
    """The shared product x @ y, and what the provider and the first worker received while computing it."""
    sx, sy_ = (t.fix_precision().share(*workers, crypto_provider=provider) for t in (x, y))
    logs = (provider.message_log, workers[0].message_log)
    before = [len(log) for log in logs]
    result = (sx @ sy_).get().float_precision()
    provider_ops, worker_ops = ([r.op for r in list(log)[start:] if r.kind in ("deal", "step")]
                                for log, start in zip(logs, before))
    return result, provider_ops, worker_ops


def _inputs():
    torch.manual_seed(0)
    return torch.randn(6, 5) * 3, torch.randn(5, 4) * 3


def test_two_workers_divide_their_own_shares_by_default(trio):
    bob, alice, james = trio
    x, y = _inputs()
    assert sy.settings.truncation == "local"
    result, provider_ops, worker_ops = _product_traffic(x, y, [bob, alice], james)
    assert (result - x @ y).abs().max() < 0.01  # rounded operands, then one unit of division
    assert provider_ops == ["beaver_triple"]  # no truncation material
    assert worker_ops == ["beaver.mask_two", "beaver.finish_divide_local"]  # one opening


def test_exact_truncation_on_request(trio):
    bob, alice, james = trio
    x, y = _inputs()
    with sy.settings.use(truncation="exact"):
        result, provider_ops, worker_ops = _product_traffic(x, y, [bob, alice], james)
    assert sy.settings.truncation == "local"  # restored
    assert (result - x @ y).abs().max() < 0.01
    assert provider_ops == ["beaver_triple,truncation_material"]
    assert worker_ops == ["beaver.mask_two", "beaver.finish_and_mask", "trunc.finish"]  # two openings


def test_three_workers_fall_back_to_exact_truncation(trio):
    bob, alice, james = trio
    carol = sy.VirtualWorker(sy.local_worker.hook, id="carol")
    x, y = _inputs()
    result, provider_ops, worker_ops = _product_traffic(x, y, [bob, alice, carol], james)
    assert (result - x @ y).abs().max() < 0.01
    assert "trunc.finish" in worker_ops


def test_local_division_of_a_shared_fixed_point_value(trio):
    bob, alice, james = trio
    x = torch.linspace(-50, 50, 101)
    shared = x.fix_precision().share(bob, alice, crypto_provider=james)
    before = len(james.message_log)
    assert torch.allclose((shared / 7).get().float_precision(), x / 7, atol=2e-3)
    assert len(james.message_log) == before  # no dealer


def test_bad_settings_are_refused_and_change_nothing():
    with pytest.raises(ValueError, match="local.*exact"):
        sy.settings.truncation = "fast"
    with pytest.raises(TypeError, match="truncation"):
        with sy.settings.use(truncaton="exact"):
            pass
    with pytest.raises(RuntimeError):
        with sy.settings.use(truncation="exact"):
            raise RuntimeError("inside")
    assert sy.settings.truncation == "local"
    assert "local" in repr(sy.settings)


def test_a_linear_layer_adds_its_bias_in_the_products_last_step(trio):
    bob, alice, james = trio
    torch.manual_seed(0)
    x, w, b = torch.randn(5, 4), torch.randn(3, 4), torch.randn(3)
    sx, sw, sb = (t.fix_precision().share(bob, alice, crypto_provider=james) for t in (x, w, b))
    start = len(bob.message_log)
    out = torch.nn.functional.linear(sx, sw, sb)
    steps = [r.op for r in list(bob.message_log)[start:] if r.kind in ("step", "command")]
    assert steps == ["beaver.mask_two", "beaver.finish_divide_local"]  # no separate addition
    assert (out.get().float_precision() - torch.nn.functional.linear(x, w, b)).abs().max() < 0.01
    with sy.settings.use(truncation="exact"):  # the bias is added afterwards
        out = torch.nn.functional.linear(sx, sw, sb)
    assert (out.get().float_precision() - torch.nn.functional.linear(x, w, b)).abs().max() < 0.01
