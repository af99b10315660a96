"""Truncation: dividing a shared value by a public integer D.

After a fixed-point product the scale is base**(2*precision); dividing by
D = base**precision brings it back. Division is not linear in Z_2^64, so it
needs a protocol.

**Dealer-assisted truncation** (``truncate``) is exact to < 1 unit with
stochastic (unbiased) rounding, never fails for |x| < 2^61, and opens only
a perfectly masked value. Derivation, for a divisor 1 <= D < 2^62:

1. Shift to non-negative: K = D * ceil(2^61 / D) (a multiple of D, with
   2^61 <= K < 2^61 + D). For |x| < 2^61, x' = x + K lies in [0, 2^63).
2. The dealer draws r uniform in Z_2^64 and deals shares of r,
   r_msb = msb(r) and floor(r'/D), where r' = r mod 2^63.
3. The parties open c = x' + r mod 2^64. It is uniform: a one-time pad.
4. Write c_msb = msb(c), c' = c mod 2^63. As x' + r' < 2^64, the carry
   into bit 63 is carry = floor((x' + r') / 2^63) = c_msb XOR r_msb
   = c_msb + r_msb*(1 - 2*c_msb), linear in the shares of r_msb because
   c_msb is public; and exactly x' + r' = c' + carry*2^63.
5. With 2^63 = q*D + s (0 <= s < D):
   floor((c' + carry*2^63) / D) = floor(c'/D) + carry*(q + ind), where
   ind = [(c' mod D) + s >= D] is public.
6. floor((x' + r') / D) - floor(r'/D) = floor(x'/D) + [(x' mod D) + (r' mod D) >= D].
   The bracket is 1 with probability (x' mod D)/D (r' mod D is uniform up
   to a bias below D/2^63), so the result is floor(x/D) + Bernoulli(frac):
   unbiased stochastic rounding. Subtract K/D to undo step 1.

Party i's share of the result is
  [i == 0]*(floor(c'/D) + c_msb*(q + ind) - K/D) + r_msb_i*(1 - 2*c_msb)*(q + ind) - floor(r'/D)_i.

**Local truncation** (``local_truncate``, SecureML, 2 parties) divides each
share on its own, with no communication. It is off by one at most, unless
the shares wrap around 2^64, which happens with probability about
|x| / 2^64; then the result is garbage (off by about 2^64 / D). Measured
with ``measure_local_truncation_failure`` (10^6 trials, D = 1000, x uniform
in (-2^b, 2^b), so mean |x| = 2^(b-1), theory 2^(b-65)): b = 60 -> 3.1 %,
b = 56 -> 0.20 %, b = 40 -> 0 failures (theory 6e-8). Fixed-point products
with 3 decimal digits are far below 2^40, so it is rare but not impossible.
"""

from ..settings import settings
from .parties import LocalParties, Parties, party_step, unzip
from .prng import PRNG
from .ring import LOW63_MASK, floor_div, msb, wrap
from .sharing import reconstruct, share

BOUND_BITS = 61  # truncate() is exact for |x| < 2^BOUND_BITS


def offset_for(divisor: int) -> int:
    if not 1 <= divisor < 1 << 62:
        raise ValueError(f"divisor must be an integer in [1, 2^62), got {divisor}")
    return divisor * -(-(1 << BOUND_BITS) // divisor)  # K = D * ceil(2^61 / D)


@party_step("trunc.mask")
def mask_step(i, n, x, r, *, offset):
    """c_i = x_i + r_i, and party 0 adds the offset K."""
    return x + r + offset if i == 0 else x + r


@party_step("trunc.mask_reveal")
def mask_reveal_step(i, n, x, r, *, offset):
    """Reveal c_i = x_i + r_i (+ K at party 0)."""
    return (), (mask_step(i, n, x, r, offset=offset),)


@party_step("trunc.finish")
def finish_step(i, n, r_msb, r_div, *, c, divisor, offset):
    """This party's share of floor(x / D) + Bernoulli, from the public c."""
    q, s = divmod(1 << 63, divisor)
    q = wrap(q)  # q = 2^63 when D = 1: only its value mod 2^64 matters
    c_msb, c_low = msb(c), c & LOW63_MASK
    quotient = floor_div(c_low, divisor)  # c_low >= 0: its remainder is c_low - quotient * D
    q_ind = (c_low - quotient * divisor >= divisor - s) + q
    z = r_msb * (1 - 2 * c_msb) * q_ind - r_div
    if i == 0:
        z = z + quotient + c_msb * q_ind - offset // divisor
    return z


def truncate(parties: Parties, x: list, divisor: int) -> list:
    """Shares of x / D, stochastically rounded; exact to < 1 for |x| < 2^61.

    1. The dealer deals shares of r, msb(r) and floor((r mod 2^63) / D).
    2. Each party masks: c_i = x_i + r_i (+ K at party 0).
    3. The parties open c = x + K + r (uniform: one round).
    4. Each party computes its share of the quotient from c (module docstring).
    """
    offset = offset_for(divisor)
    material = parties.dealer.truncation_material(parties.shape(x), parties.n, divisor)
    r, r_msb, r_div = (parties.deal(s) for s in material)
    _, (c,) = parties.run_open("trunc.mask_reveal", [[xi, ri] for xi, ri in zip(x, r)], ["trunc.c"], offset=offset)
    return finish(parties, r_msb, r_div, c, divisor)


def finish(parties: Parties, r_msb: list, r_div: list, c, divisor: int) -> list:
    """Step 4 of ``truncate``, from the opened c (also used after a fused Beaver product)."""
    return parties.run(
        "trunc.finish", [[m, d] for m, d in zip(r_msb, r_div)], c=c, divisor=divisor, offset=offset_for(divisor)
    )


@party_step("trunc.local")
def local_step(i, n, x, *, divisor):
    """Party 0 rounds its share down, party 1 rounds its share up."""
    return floor_div(x, divisor) if i == 0 else floor_div(-x, divisor).neg_()


def divide_own(i, x, divisor):
    """:func:`local_step` on a share that the calling step made itself: its memory is reused."""
    return floor_div(x, divisor) if i == 0 else floor_div(x.neg_(), divisor).neg_()


def local_truncate(parties: Parties, x: list, divisor: int) -> list:
    """SecureML truncation: each party divides its own share; no opening.

    Two parties only. Fails (off by about 2^64 / D) with probability about |x| / 2^64.
    """
    if parties.n != 2:
        raise ValueError("local truncation is defined for exactly 2 parties")
    return parties.run("trunc.local", [[xi] for xi in x], divisor=divisor)


def divides_locally(parties: Parties) -> bool:
    """Whether ``sy.settings.truncation`` asks for local truncation and there are two parties to do it."""
    return settings.truncation == "local" and parties.n == 2


def divide(parties: Parties, x: list, divisor: int) -> list:
    """Shares of x / D by the truncation ``sy.settings.truncation`` chooses (local with two parties)."""
    if divides_locally(parties):
        return local_truncate(parties, x, divisor)
    return truncate(parties, x, divisor)


def measure_local_truncation_failure(
    magnitude_bits: int, trials: int = 10**6, divisor: int = 1000, seed: int = 0
) -> float:
    """Fraction of x uniform in (-2^b, 2^b) where local truncation is off by more than 1."""
    prng = PRNG(seed=seed)
    x = prng.ring((trials,)) >> (64 - magnitude_bits - 1)  # arithmetic shift keeps the sign
    parties = LocalParties(2)
    result = reconstruct(local_truncate(parties, parties.deal(share(x, 2, prng)), divisor))
    error = result - floor_div(x, divisor)
    return (error.abs() > 1).double().mean().item()


@party_step("trunc.scale_mask_many")
def scale_mask_many_step(i, n, *tensors, factor, offset):
    """Reveal c_k = factor*x_k + r_k (+ K at party 0) for every pair (x_k, r_k)."""
    pairs = zip(tensors[0::2], tensors[1::2])
    return (), tuple(mask_step(i, n, x * factor, r, offset=offset) for x, r in pairs)


@party_step("trunc.finish_add_many")
def finish_add_many_step(i, n, *tensors, cs, divisor, offset):
    """t_k + (this party's share of factor*x_k / D), for every (t_k, r_msb_k, r_div_k)."""
    triples = zip(tensors[0::3], tensors[1::3], tensors[2::3], cs)
    return tuple(t + finish_step(i, n, m, d, c=c, divisor=divisor, offset=offset) for t, m, d, c in triples)


def scaled_add_many(parties: Parties, targets: list, xs: list, factor: int, divisor: int) -> list:
    """Shares of t_k + factor * x_k / D for many tensors at once, in one bundle and two rounds.

    This is an optimizer step, ``p -= lr * grad`` with lr = factor / D in
    fixed point: every parameter is truncated in the same protocol run.

    1. The dealer deals truncation material for every x_k in one bundle.
    2. Each party reveals c_k = factor * x_k + r_k (+ K): one message per party.
    3. Each party adds its share of the quotient (see ``truncate``) to t_k.
    """
    offset = offset_for(divisor)
    items = [("truncation_material", dict(shape=tuple(parties.shape(x)), divisor=divisor)) for x in xs]
    material = [tuple(parties.deal(s) for s in m) for m in parties.dealer.bundle(items, parties.n)]
    per_party = [[h for x, (r, _, _) in zip(xs, material) for h in (x[i], r[i])] for i in range(parties.n)]
    _, cs = parties.run_open("trunc.scale_mask_many", per_party, ["trunc.c"] * len(xs), factor=factor, offset=offset)
    per_party = [[h for t, (_, m, d) in zip(targets, material) for h in (t[i], m[i], d[i])] for i in range(parties.n)]
    results = parties.run("trunc.finish_add_many", per_party, cs=cs, divisor=divisor, offset=offset)
    return _sharings(results)


def _sharings(results: list) -> list:
    """One sharing per tensor from a many-tensor step's results (a step with one tensor returns it bare)."""
    return list(unzip([r if isinstance(r, (tuple, list)) else (r,) for r in results]))


@party_step("trunc.scaled_add_local_many")
def scaled_add_local_many_step(i, n, *tensors, factor, divisor):
    """t_k + (factor * x_k) / D for every pair (t_k, x_k), each share divided on its own (SecureML)."""
    pairs = zip(tensors[0::2], tensors[1::2])
    return tuple(divide_own(i, x * factor, divisor).add_(t) for t, x in pairs)


def scaled_add_many_local(parties: Parties, targets: list, xs: list, factor: int, divisor: int) -> list:
    """Shares of t_k + factor * x_k / D for many tensors, with no dealer and no opening (two parties).

    This is the optimizer step of encrypted training, ``p -= lr * grad``:
    each party divides its own share of factor * x_k (``local_truncate``).
    The result is off by at most one unit, and wrong (off by about 2^64 / D)
    with probability about |factor * x| / 2^64 per element. Updates are
    small: with 3 decimal digits, an update |lr * grad| < 1 means
    |factor * x| < 10^6 < 2^20, so one element fails with probability below
    2^-44. The tutorials' MNIST network (10^5 parameters) trained for 10^4
    steps stays below 2^-13 for its whole training. Callers that cannot
    bound their updates use ``scaled_add_many`` (exact, one more round).
    """
    if parties.n != 2:
        return scaled_add_many(parties, targets, xs, factor, divisor)
    per_party = [[h for t, x in zip(targets, xs) for h in (t[i], x[i])] for i in range(parties.n)]
    results = parties.run("trunc.scaled_add_local_many", per_party, factor=factor, divisor=divisor)
    return _sharings(results)
