"""Checked exercises of lesson 8, encrypted inference: predicting classes on shares, finishing a Beaver
convolution, and a max pool built from comparisons.

The checks use workers of their own (``exercise_bob`` ...) and compare every result with plain torch;
for the predictions they also record what reached the learner's process.
"""

from unittest import mock

import torch
import torch.nn.functional as F
from torch import nn

from ..i18n import N_
from ..tensors import FixedPrecisionTensor, PointerTensor
from ..tensors.encoding import FixedPointEncoder
from .checklist import Checklist, answer_of, expect
from .common import (STILL_ENCODED_HINT, Recorder, exercise_workers, expect_function, expect_tensor, leaked,
                     seeded_model)

check = Checklist("08-encrypted-inference")

RING = (-(2**63), 2**63 - 1)


def small_cnn():
    return nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4 * 3 * 3, 5))


# -- q1: encrypted predictions ------------------------------------------------------------------


def _check_predict(encrypted_predict, n_images, seed):
    expect_function(encrypted_predict)
    workers, james = exercise_workers(2)
    plain = seeded_model(small_cnn, seed)
    generator = torch.Generator().manual_seed(seed)
    images = torch.randn(n_images, 1, 8, 8, generator=generator)
    with torch.no_grad():
        scores = plain(images)
    model = seeded_model(small_cnn, seed)
    model.fix_precision().share(*workers, crypto_provider=james)
    recorders = [Recorder(w) for w in (*workers, james)]
    try:
        result = answer_of(encrypted_predict, model, images.clone(), workers, james)
    finally:
        for recorder in recorders:
            recorder.close()
    expect(not isinstance(result, PointerTensor), N_("You returned a pointer to the classes."),
           hint=STILL_ENCODED_HINT)
    expect_tensor(result)
    expect(not isinstance(result, FixedPrecisionTensor), N_("Your classes are still in fixed point."),
           hint=STILL_ENCODED_HINT)
    seen = [t for recorder in recorders for t in recorder.tensors]
    expect(not leaked([scores], seen) and not _reassembled(scores, recorders[:2]),
           N_("The scores came to you: only the classes may be revealed."),
           hint=N_("Compute argmax(dim=1) on the shared output, then .get() only the classes."))
    expect(result.shape == (n_images,),
           N_("Expected one class per image, {want} in all; you returned a tensor of shape {got}."),
           want=n_images, got=list(result.shape), hint=N_("Take argmax over the classes, dim=1."))
    expect(not result.is_floating_point(), N_("Your classes are floats; they should be whole numbers (int64)."),
           hint=N_("Convert the decoded classes with .long()."))
    want = scores.argmax(dim=1)
    top2 = scores.topk(2, dim=1).values
    clear = (top2[:, 0] - top2[:, 1]) > 0.02  # fixed point may swap two almost equal scores
    expect(torch.equal(result[clear].long(), want[clear]),
           N_("Your classes are {got}, but the model predicts {want}."), got=result.tolist()[:8],
           want=want.tolist()[:8], hint=N_("Share the images with fix_precision().share(...), run the model on "
                                           "them, and take argmax(dim=1)."))


def _reassembled(scores, recorders):
    """Whether a share of the scores came from each worker: then the learner could add them up."""
    encoded = FixedPointEncoder().encode(scores)
    shares = [[t for t in r.tensors if t.shape == scores.shape and t.dtype == torch.int64] for r in recorders]
    return any(((a + b) - encoded).abs().max() <= 50 for a in shares[0] for b in shares[1])


@check.exercise("q1", N_("Encrypted predictions"))
def _(encrypted_predict):
    _check_predict(encrypted_predict, 6, seed=1)


@check.hidden("q1")
def _(encrypted_predict):
    _check_predict(encrypted_predict, 11, seed=2)


# -- q2: finishing a Beaver convolution -----------------------------------------------------------


def _ring(shape, generator):
    return torch.randint(*RING, shape, generator=generator, dtype=torch.int64)


def _check_conv_share(conv_share, n_parties, x_shape, w_shape, seed):
    expect_function(conv_share)
    generator = torch.Generator().manual_seed(seed)
    x = torch.randint(-2000, 2000, x_shape, generator=generator)
    w = torch.randint(-2000, 2000, w_shape, generator=generator)
    a_shares = [_ring(x_shape, generator) for _ in range(n_parties)]
    b_shares = [_ring(w_shape, generator) for _ in range(n_parties)]
    a, b = sum(a_shares), sum(b_shares)
    c_shares = [_ring(F.conv2d(a, b).shape, generator) for _ in range(n_parties - 1)]
    c_shares.append(F.conv2d(a, b) - sum(c_shares))
    eps, delta = x - a, w - b
    results = []
    for i in range(n_parties):
        result = answer_of(conv_share, i, eps.clone(), delta.clone(), a_shares[i].clone(), b_shares[i].clone(),
                           c_shares[i].clone())
        expect_tensor(result)
        expect(result.dtype == torch.int64,
               N_("Party {party}'s share should be an int64 tensor; yours is {dtype}."), party=i,
               dtype=str(result.dtype).removeprefix("torch."), hint=N_("Stay in int64: no float conversions."))
        results.append(result)
    want = F.conv2d(x, w)
    total = sum(results)
    if torch.equal(total, want):
        return
    expect(not torch.equal(total, want + (n_parties - 1) * F.conv2d(eps, delta)),
           N_("Every party added conv(eps, delta): it is counted {n} times."), n=n_parties,
           hint=N_("Only party 0 adds the public term conv(eps, delta)."))
    expect(not torch.equal(total, want - F.conv2d(eps, delta)), N_("Nobody added conv(eps, delta)."),
           hint=N_("Party 0 adds conv(eps, delta)."))
    expect(False, N_("The shares of your parties do not add up to conv2d(x, w)."),
           hint=N_("Each party computes c + conv(eps, b) + conv(a, delta), with its own a, b, c."))


@check.exercise("q2", N_("A Beaver convolution"))
def _(conv_share):
    _check_conv_share(conv_share, 2, (1, 1, 5, 5), (2, 1, 3, 3), seed=1)


@check.hidden("q2")
def _(conv_share):
    _check_conv_share(conv_share, 3, (2, 3, 6, 6), (4, 3, 3, 3), seed=2)


# -- q3: max pooling from comparisons -------------------------------------------------------------


def _refuse(*args, **kwargs):
    raise RuntimeError("max_pool2d is off in this exercise: build the max from comparisons")


def _check_max_pool(max_pool_2x2, shape, seed, shared):
    expect_function(max_pool_2x2)
    x = torch.randn(shape, generator=torch.Generator().manual_seed(seed))
    want = F.max_pool2d(x, 2)
    argument = x.clone()
    if shared:
        workers, james = exercise_workers(2)
        argument = x.fix_precision().share(*workers, crypto_provider=james)
    with mock.patch.object(F, "max_pool2d", _refuse), mock.patch.object(torch, "max_pool2d", _refuse), \
            mock.patch.object(F, "max_pool2d_with_indices", _refuse):
        result = answer_of(max_pool_2x2, argument)
    if shared:
        expect(isinstance(result, FixedPrecisionTensor) and result.is_shared,
               N_("On shared images your function should return a shared tensor; it returned {kind}."),
               kind=type(result).__name__, hint=N_("Use only slicing, comparisons, +, - and *."))
        result = result.get().float_precision()
    expect_tensor(result)
    expect(result.shape == want.shape, N_("Expected the shape {want}, got {got}."), want=list(want.shape),
           got=list(result.shape), hint=N_("Take every second row and column: x[..., 0::2, 0::2] and so on."))
    expect(torch.allclose(result.double(), want.double(), atol=2e-3),
           N_("Your maxima are {got}, but the windows' maxima are {want}."), got=result.flatten()[:4].tolist(),
           want=want.flatten()[:4].tolist(),
           hint=N_("The larger of p and q is q + (p > q) * (p - q); take it for both rows, then between them."))


@check.exercise("q3", N_("A max pool from comparisons"))
def _(max_pool_2x2):
    _check_max_pool(max_pool_2x2, (1, 2, 4, 4), seed=1, shared=False)
    _check_max_pool(max_pool_2x2, (1, 1, 4, 6), seed=2, shared=True)


@check.hidden("q3")
def _(max_pool_2x2):
    _check_max_pool(max_pool_2x2, (3, 2, 6, 2), seed=3, shared=False)
    _check_max_pool(max_pool_2x2, (2, 2, 4, 4), seed=4, shared=True)
