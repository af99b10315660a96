"""The benchmarks' quick modes run in CI, so they cannot rot."""

import pyprivate as sy
from benchmarks import breakdown, federated_mnist, mnist_encrypted


def test_encrypted_mnist_quick(capsys):
    results = mnist_encrypted.main(["--quick"])
    out = capsys.readouterr().out
    assert [r["activation"] for r in results] == ["relu", "square"]
    for r in results:
        assert r["plain_ms"] > 0 and r["encrypted_ms"] > r["plain_ms"]
        assert r["ratio"] == r["encrypted_ms"] / r["plain_ms"]
        assert 0 <= r["encrypted_acc"] <= 100 and r["dealer_s"] > 0
        assert len(r["losses"]) == 2  # 128 items, batches of 64, one epoch
        assert r["messages_per_batch"] > 2 * r["rounds_per_batch"] > 20 and r["mb_per_batch"] > 1
        assert 0 < r["gemm_floor_ms"] < r["encrypted_ms"] and r["gemms_per_batch"] == 40
        assert r["plain_two_threads_ms"] > 0 and r["wire_bytes_ms"] > r["plain_ms"]
        plain_ms, encrypted_ms, paired_ratio = r["alternating"]  # medians of plaintext and encrypted batches, ratios
        assert 0 < plain_ms < encrypted_ms and paired_ratio > 1
        rows = r["breakdown"].per_batch(r["breakdown_batches"])
        # Every category took time, except the handover when every message travels as bytes (make test-wire).
        idle = {breakdown.REMAINDER} | ({breakdown.CATEGORIES["handover"]} if sy.settings.wire_bytes else set())
        assert len(rows) == 8 and all(ms > 0 for what, ms in rows.items() if what not in idle)
        assert abs(sum(rows.values()) - 1000 * r["breakdown"].wall / r["breakdown_batches"]) < 1e-6
    assert "plaintext on 2 threads" in out and "as wire bytes" in out and out.count("where a batch goes") == 2
    assert out.count("epochs in turn, batch by batch") == 2
    assert "ratio" in out and "peak memory" in out and "rounds" in out and "int64 matrix products" in out


def test_federated_mnist_quick(capsys):
    results = federated_mnist.main(["--quick", "--workers", "2"])
    assert set(results) == {"central", "federated SGD", "federated averaging"}
    assert "held-out accuracy" in capsys.readouterr().out


def test_processes_benchmark_quick(capsys):
    from benchmarks import mnist_rpc

    r = mnist_rpc.main(["--quick"])
    assert r["processes_ms"] > 0 and r["in_process_ms"] > 0
    assert r["rounds_per_batch"] == r["in_process_rounds_per_batch"] > 10  # the same protocol either way
    assert "rounds per batch" in capsys.readouterr().out


def test_truncation_failures_quick(capsys):
    from benchmarks import truncation_failures

    results = truncation_failures.main(["--quick"])
    for r in results:
        # 128 items: the products of 2 batches, forward and backward; tiny values, so failures are unlikely
        assert r["elements"] > 2 * 64 * 128 and 0 < r["expected_failures"] < 1e-6
        assert r["largest"] < 2.0**40
    assert "expected failing elements" in capsys.readouterr().out


def test_gemm_floor_counts_the_products_a_training_step_makes(monkeypatch):
    """The floor times exactly the int64 matrix products an encrypted training step computes."""
    import collections

    import torch

    import pyprivate as sy
    from pyprivate.crypto import bilinear

    seen = []
    matmul = bilinear.PRODUCTS["matmul"]

    def recording(a, b):
        if a.device.type != "meta":  # shape checks run the same op on meta tensors (no data, no time)
            seen.append((a.shape[0], a.shape[1], b.shape[1]))
            assert a.dtype == b.dtype == torch.int64
        return matmul(a, b)

    finish = bilinear.matmul_finish

    def recording_finish(c, eps, b, a, delta):  # a party's two products, fused with the sums
        recording(eps, b), recording(a, delta)
        return finish(c, eps, b, a, delta)

    monkeypatch.setitem(bilinear.PRODUCTS, "matmul", recording)
    monkeypatch.setattr(bilinear, "matmul_finish", recording_finish)
    hook = sy.TorchHook(torch)
    workers = [sy.VirtualWorker(hook, id=f"floor{i}") for i in range(2)]
    provider = sy.VirtualWorker(hook, id="floor_provider")
    data = mnist_encrypted.batches(*sy.data.load_mnist("train", limit=32), 32)
    mnist_encrypted.train_encrypted(mnist_encrypted.Net(), data, 1, 0.02, workers, provider, 3)
    expected = collections.Counter({p: mnist_encrypted.GEMMS_PER_PRODUCT for p in mnist_encrypted.secure_products(32)})
    # The third layer's forward (32x64 @ 64x10) and weight gradient (64x32 @ 32x10) differ; no two shapes collide here.
    assert len(expected) == len(mnist_encrypted.secure_products(32))
    assert collections.Counter(seen) == expected
    assert mnist_encrypted.gemm_floor(32, repeats=2) > 0


def test_encrypted_inference_quick_idle_and_under_load(capsys):
    from benchmarks import encrypted_inference

    r = encrypted_inference.main(["--quick", "--busy", "1"])
    for network in ("mlp", "cnn"):
        for load in ("idle", "busy"):
            assert set(r[network][load]) == {"plaintext", "encrypted, protocol_threads=1",
                                              "encrypted, protocol_threads=None"}
            assert all(ms > 0 for ms in r[network][load].values())
        assert r[network]["rounds"] > 5 and r[network]["messages"] > r[network]["rounds"] and r[network]["mb"] > 1
    # The CNN's max pools compare, so it needs many more rounds than the MLP's one ReLU.
    assert r["cnn"]["rounds"] > 3 * r["mlp"]["rounds"]
    out = capsys.readouterr().out
    assert "MLP, batch 10" in out and "CNN, batch 10" in out
    assert "busy processes" in out and "slowdown" in out and "rounds" in out


def test_the_breakdown_counts_each_function_s_own_time(monkeypatch):
    """Nested timed calls: each category gets its own time, never its callees' (a fake clock, no sleeping)."""
    clock = [0.0]
    monkeypatch.setattr(breakdown.time, "perf_counter", lambda: clock[0])

    class Work:
        def inner(self):
            clock[0] += 2.0

        def outer(self):
            clock[0] += 1.0
            self.inner()
            self.inner()
            clock[0] += 0.5

    table = {"step": lambda: Work().outer()}
    original_inner = Work.__dict__["inner"]
    b = breakdown.Breakdown()
    b.wrap(Work, "inner", "aes")
    b.wrap(table, "step", "steps")
    with b:
        table["step"]()
        clock[0] += 3.0  # untimed work: the remainder
    assert b.seconds == {"aes": 4.0, "steps": 1.5} and b.wall == 8.5
    rows = b.per_batch(batches=1)
    assert rows[breakdown.CATEGORIES["aes"]] == 4000.0 and rows[breakdown.REMAINDER] == 3000.0
    assert Work.__dict__["inner"] is original_inner and table["step"].__name__ == "<lambda>"  # taken out again
