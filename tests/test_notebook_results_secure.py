"""Run the secure tutorials (03 secret sharing, 04 encrypted network, 05 encrypted MNIST)
and check the results they print and the claims their text makes about them.

Each notebook is executed once per module (nbclient, as in test_notebook_results.py);
the numbers are read from the outputs a learner sees.
"""

import re

import pytest
from test_notebook_results import WIDGET, floats, mimes_of, notebook_path, output_of, run_notebook

RING = 2**64


def ints(text):
    return [int(n) for n in re.findall(r"-?\d+", text)]


def line_with(text, start):
    """The one output line that starts with ``start``."""
    lines = [line for line in text.splitlines() if line.startswith(start)]
    assert len(lines) == 1, f"expected one line starting with {start!r} in:\n{text}"
    return lines[0]


# -- Part 3: secret sharing ------------------------------------------------------

@pytest.fixture(scope="module")
def sharing():
    return run_notebook(notebook_path("03-secret-sharing"))


def test_fixed_precision_defaults(sharing):
    assert output_of(sharing, "x_fixed = x.fix_precision()").strip().endswith("tensor([1235, -500, 3000])")
    child, decoded = output_of(sharing, "print(x_fixed.child)").splitlines()
    assert child == "tensor([1235, -500, 3000])"
    assert floats(r"(-?\d+\.\d+)", decoded) == [1.235, -0.5, 3.0]
    assert floats(r"(-?\d+\.\d+)", output_of(sharing, "torch.tensor([0.0004")) == [0.0, 0.001, 0.333, -0.667]
    assert output_of(sharing, "precision_fractional=6").strip() == "tensor([333333])"
    sums, product = output_of(sharing, "a = torch.tensor([1.5]).fix_precision()").splitlines()
    assert sums == "tensor([3750]) tensor([3375])" and product == "tensor([3.3750])"
    assert output_of(sharing, "torch.tensor([100000.0]).fix_precision()").startswith("EncodingError")
    assert output_of(sharing, "biggest + 1").strip() == f"tensor([{-2**63}])"


def test_shares_look_random_and_sum_to_the_secret(sharing):
    secret = [42, 7, -3]
    text = output_of(sharing, "bob_share = bob._objects[shared.shares[0]")
    bob = ints(line_with(text, "Bob's share:"))
    alice = ints(line_with(text, "Alice's share:"))
    assert len(bob) == len(alice) == 3
    assert all(abs(share) > 2**32 for share in bob + alice)  # random 64-bit numbers, not small ones
    assert [(b + a) % RING for b, a in zip(bob, alice)] == [s % RING for s in secret]
    assert ints(line_with(text, "sum:")) == secret

    unsigned = [ints(line) for line in output_of(sharing, "for b_value, a_value in zip").splitlines()]
    assert [row[-1] for row in unsigned] == [42, 7, RING - 3]
    assert all(row[0] == (b % RING) + (a % RING) for row, b, a in zip(unsigned, bob, alice))

    stores = output_of(sharing, "print(bob._objects)").splitlines()
    assert ints(stores[0])[1:] == bob and ints(stores[1])[1:] == alice

    got, workers = output_of(sharing, "print(shared.get())").splitlines()
    assert ints(got) == secret and workers.count("#objects:0") == 2


def test_one_share_reveals_nothing(sharing):
    text = output_of(sharing, "freq_zero = bit_frequencies(shares_of_zero)")
    low_zero, high_zero, low_million, high_million = floats(r"(\d\.\d+)", text)
    for low, high in ((low_zero, high_zero), (low_million, high_million)):
        assert 0.47 < low <= high < 0.53  # every bit is 1 about half of the time, whatever the secret


def test_addition_is_local_and_multiplication_needs_a_dealer(sharing):
    lines = output_of(sharing, "z = x + y\nfor record in bob.message_log").splitlines()
    assert lines[-1] == "tensor([11, 22, 33])"
    assert lines[:-1] and all(line.split()[0] == "step" for line in lines[:-1])
    public = output_of(sharing, "print((x + 5).get())").splitlines()
    assert public == ["tensor([15, 25, 35])", "tensor([30, 60, 90])"]
    assert output_of(sharing, "    x * y\nexcept").startswith("CryptoProviderError")


def test_worked_beaver_example(sharing):
    x_shares = ints(output_of(sharing, "x_sh, y_sh = split(x), split(y)").splitlines()[0])
    assert (x_shares[1] + x_shares[2]) % 100 == 7
    last = output_of(sharing, "z_sh = [").splitlines()[-1]
    assert ints(last) == [42, 42]
    assert output_of(sharing, "eps + a = ").strip() == "eps + a = 7"


def test_the_crypto_provider_sees_only_shapes(sharing):
    assert output_of(sharing, 'james = sy.VirtualWorker(hook, id="james")').strip().endswith("tensor([15, 24])")
    heard = output_of(sharing, "james.transport = Wiretap(james)").splitlines()
    assert heard and all(line.startswith("james received from me: Deal(") for line in heard)
    assert all("tensor" not in line for line in heard)
    assert any("[2]" in line for line in heard)
    records = output_of(sharing, "product = images @ weights").splitlines()
    assert records and all(line.startswith("deal from me") for line in records)
    assert all(ints(line)[-1] < 1000 for line in records)  # bytes: a request, not a matrix


def test_shared_real_numbers_and_refresh(sharing):
    total, product = output_of(sharing, "print((x + y).get().float_precision())").splitlines()
    assert floats(r"(-?\d+\.\d+)", total) == [3.75, 1.0, -3.75]
    assert floats(r"(-?\d+\.\d+)", product) == [3.375, -6.0, -1.0]
    text = output_of(sharing, "fresh = x.refresh()")
    before = ints(line_with(text, "Bob's share before:").split(":", 1)[1])
    after = ints(line_with(text, "Bob's share after:").split(":", 1)[1])
    assert len(before) == len(after) == 3 and all(b != a for b, a in zip(before, after))
    assert floats(r"(-?\d+\.\d+)", line_with(text, "secret after:")) == [1.5, -2.0, 0.25]


def test_comparisons_on_shares(sharing):
    three, minus_three = floats(r": +(\d\.\d+)", output_of(sharing, "print(\"x = 3: \""))
    assert three > 0.95 and minus_three > 0.95  # the top bits of the shares cannot tell 3 from -3
    compared, relu, maximum = output_of(sharing, "print((values > 0).get()").splitlines()
    assert compared == "tensor([False, False, False,  True,  True])"
    assert floats(r"(-?\d+\.\d+)", relu) == [0.0, 0.0, 0.0, 0.001, 3.0]
    assert maximum == "tensor(3.)"
    assert output_of(sharing, "scores.argmax(dim=1)").strip() == "tensor([1, 0, 2])"


def test_round_counts(sharing):
    text = output_of(sharing, "counter = RoundCounter(bob)")
    rounds = {line.rsplit(" ", 2)[0].strip(): int(line.split()[-2]) for line in text.splitlines()}
    assert rounds["x + x"] == rounds["x * 3"] == 0
    assert rounds["x * x"] == 1  # the Beaver opening; each of the two workers divides its own share
    assert rounds["x > 0"] == 8  # the text counts them: first AND, six carry levels, B2A
    assert rounds["x.relu()"] == rounds["x > 0"]  # the product's opening travels in the comparison's first round


# -- Part 4: an encrypted network --------------------------------------------------

@pytest.fixture(scope="module")
def network():
    return run_notebook(notebook_path("04-encrypted-network"))


def test_what_each_worker_holds(network):
    shown = output_of(network, "print(data)", exact=True)
    assert shown.startswith("(Wrapper)>AutogradTensor>FixedPrecisionTensor(base=10, precision_fractional=3)>")
    assert "-> bob:" in shown and "-> alice:" in shown and "*crypto provider: james*" in shown
    assert output_of(network, "print(bob)").split("\n")[:3] == [
        "<VirtualWorker id:bob #objects:6>", "<VirtualWorker id:alice #objects:6>", "<VirtualWorker id:james #objects:0>"]
    text = output_of(network, "Bob's share of fc1.weight")
    share_part, weight_part = text.split("the weight itself:")
    assert all(abs(n) > 2**32 for n in ints(share_part.split(":", 1)[1]))
    assert all(abs(w) < 1 for w in floats(r"(-?\d+\.\d+)", weight_part))


def encrypted_and_plain_losses(network):
    encrypted = floats(r"tensor\((\d+\.\d+)\)", output_of(network, "encrypted_losses = []"))
    plain = floats(r"(\d+\.\d+)", output_of(network, "plain_losses = []"))
    return encrypted, plain


def test_encrypted_training_tracks_plaintext(network):
    encrypted, plain = encrypted_and_plain_losses(network)
    assert len(encrypted) == len(plain) == 20
    assert encrypted[-1] < 0.1 * encrypted[0]
    assert all(later <= earlier + 0.01 for earlier, later in zip(encrypted, encrypted[1:]))
    assert max(abs(e - p) for e, p in zip(encrypted, plain)) < 0.05
    (largest,) = floats(r"largest difference: (\d+\.\d+)", output_of(network, "differences = ["))
    assert largest == pytest.approx(max(abs(e - p) for e, p in zip(encrypted, plain)), abs=2e-4)


def test_the_trained_model_predicts_the_targets(network):
    predictions = floats(r"(-?\d+\.\d+)", output_of(network, "pred.get().float_precision()"))
    assert [round(p) for p in predictions] == [0, 0, 1, 1]
    assert output_of(network, "print(model.fc1.weight.grad)").startswith("(Wrapper)>FixedPrecisionTensor")


def test_more_fractional_digits_track_more_closely(network):
    rows = output_of(network, "def train_encrypted(").splitlines()[1:4]
    table = {int(row.split("|")[0]): float(row.split("|")[1]) for row in rows}
    assert set(table) == {2, 3, 4}
    assert table[4] < table[2]
    assert table[4] < 0.005 and table[3] < 0.05


# -- Part 5: encrypted MNIST ----------------------------------------------------------

@pytest.fixture(scope="module")
def mnist():
    return run_notebook(notebook_path("05-encrypted-mnist"), timeout=300)


def test_encrypted_losses_follow_plaintext(mnist):
    plain = floats(r"mean loss (\d+\.\d+)", output_of(mnist, "for data, target in train_loader:"))
    encrypted = floats(r"mean loss (\d+\.\d+)", output_of(mnist, "for data, target in private_train_loader:"))
    assert len(plain) == len(encrypted) == 5
    assert encrypted[-1] < encrypted[0] and plain[-1] < plain[0]
    assert max(abs(e - p) for e, p in zip(encrypted, plain)) < 0.05


def test_encrypted_accuracy_is_close_to_plaintext(mnist):
    text = output_of(mnist, "plain_correct = (plain_model")
    (plain,) = floats(r"plaintext accuracy: (\d+\.\d+)%", text)
    (encrypted,) = floats(r"encrypted accuracy: (\d+\.\d+)%", text)
    (count,) = ints(output_of(mnist, "correct += pred.eq("))
    assert encrypted == pytest.approx(100 * count / 640, abs=0.06)
    assert encrypted > 50 and plain > 50  # chance is 10%
    assert abs(encrypted - plain) <= 5


def test_timing_is_measured_live(mnist):
    text = output_of(mnist, "plain_ms = 1000 * statistics.median")
    (plain_ms,) = floats(r"plaintext: +(\d+\.\d+) ms", text)
    (encrypted_ms,) = floats(r"encrypted: +(\d+\.\d+) ms", text)
    (ratio,) = floats(r"is (\d+) times slower", text)
    assert encrypted_ms > plain_ms > 0
    assert ratio == pytest.approx(encrypted_ms / plain_ms, rel=0.05, abs=1)


def test_integer_and_float_products_are_timed_live(mnist):
    text = output_of(mnist, "a = torch.randint(-2**62, 2**62, (64, 784))")
    (f32,) = floats(r"float32 +(\d+\.\d+) ms per product", text)
    (i64,) = floats(r"int64 +(\d+\.\d+) ms per product", text)
    (ratio,) = floats(r"takes (\d+) times as long", text)
    assert f32 > 0 and i64 > 0
    assert ratio == pytest.approx(i64 / f32, rel=0.05, abs=1)


def test_cost_of_one_step(mnist):
    counts = output_of(mnist, "everyone = workers + [crypto_provider]")
    provider = line_with(counts, "crypto_provider")
    assert re.search(r"\{'deal': \d+\}$", provider), provider  # only requests for correlated randomness
    for worker in ("worker1", "worker2"):
        assert "'step'" in line_with(counts, worker)

    traffic = output_of(mnist, "traffic = Counter()")
    sizes = {line[:35].strip(): float(line[35:].split()[0]) for line in traffic.splitlines()}
    assert sizes["material from the crypto provider"] > 0
    batch = floats(r"integers: (\d+\.\d+) MB", traffic)[0]
    assert sizes["total"] > batch > 0
    parts = {kind: mb for kind, mb in sizes.items() if kind != "total"}
    assert sum(parts.values()) == pytest.approx(sizes["total"], abs=0.05)
    # The openings (step messages) dominate the traffic, as the text says.
    assert max(parts, key=parts.get).startswith("step")

    (rounds,) = floats(r"rounds in one training step: (\d+)", output_of(mnist, "counter = RoundCounter(workers[0])"))
    assert rounds > 18  # at least the two ReLU comparisons of the forward pass


def test_notebooks_3_to_5_show_their_widgets(sharing, network, mnist):
    assert WIDGET in mimes_of(sharing, "StoreView(bob, alice)")
    assert WIDGET in mimes_of(sharing, "SharesView(fresh)")
    assert WIDGET in mimes_of(sharing, "messages = MessagesView(")
    assert WIDGET in mimes_of(network, "SharesView(model.fc1.weight)")
    assert "image/png" in mimes_of(network, "curve.show()")
    assert WIDGET in mimes_of(mnist, "SharesView(targets[0])")
    assert "image/png" in mimes_of(mnist, "curve = LossCurve(")
