"""The benchmarks' quick modes run in CI, so they cannot rot."""

from benchmarks import federated_mnist, mnist_encrypted


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
    assert "ratio" in out and "peak memory" in out and "rounds" in out


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
