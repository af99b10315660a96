"""Convolution and pooling on private tensors, forward and backward, for both layers.

* ``F.conv2d`` (stride, padding, bias; no dilation or groups) is a Beaver
  product whose triple is a convolution, ``c = conv2d(a, b)``; its backward
  needs two more bilinear products (see :mod:`..crypto.bilinear`). With one
  operand public, each party convolves its own share.
* ``F.avg_pool2d`` sums each window locally and divides by the window's
  size (a truncation).
* ``F.max_pool2d`` (stride = kernel, no padding) cuts the image into its
  windows and runs the argmax tournament on each: comparisons, as ReLU.
  Its one-hot is kept for the backward pass, which routes each gradient to
  the window's largest value with one product.

The same code serves a FixedPrecisionTensor (a product divides by the
scale once) and an AdditiveSharingTensor of integers (no scale). Kernels work
on "children": int64 tensors, local or shared.
"""

import torch
import torch.nn.functional as F

from ..crypto import argmax as argmax_protocol
from ..crypto import bilinear
from ..errors import UnsupportedOperationError
from . import fixed_precision_ops as fp
from .fixed_precision import OPS as FIXED
from .sharing import OPS as SHARED
from .sharing import AdditiveSharingTensor

aten = torch.ops.aten


def _shared(x):
    return isinstance(x, AdditiveSharingTensor)


def _pair(value, name):
    value = list(value) if isinstance(value, (list, tuple)) else [value]
    if len(value) not in (1, 2):
        raise UnsupportedOperationError(f"{name} must be one or two numbers, not {value}")
    return tuple(int(v) for v in value * (2 // len(value)))


def product(a, b, op, divisor=None):
    """op(a, b) (a bilinear op by name), divided by ``divisor`` if given, for int64 children.

    Both shared: one Beaver product (with its truncation). One shared: each
    party applies op to its own share and the public operand (op is linear
    in each). Neither: torch's int64 kernel, then floor division.
    """
    if _shared(a) and _shared(b):
        return a.product(b, op, divisor)
    if _shared(a) or _shared(b):
        shared, public = (a, b) if _shared(a) else (b, a)
        out = shared.with_public(public, op, shared_first=shared is a)
    else:
        out = bilinear.lookup(op)(a, b)
    return out if divisor is None else fp.divide_int(out, divisor)


# -- convolution ---------------------------------------------------------------------
def _conv_params(stride, padding, dilation, transposed, groups):
    if transposed:
        raise UnsupportedOperationError("conv_transpose2d is not supported on private tensors; use conv2d")
    if groups != 1:
        raise UnsupportedOperationError(f"private convolutions support groups=1, not groups={groups}")
    if _pair(dilation, "dilation") != (1, 1):
        raise UnsupportedOperationError(f"private convolutions support dilation=1, not dilation={list(dilation)}")
    return _pair(stride, "stride"), _pair(padding, "padding")


def _check_2d(x, weight):
    if weight.dim() != 4 or x.dim() != 4:
        raise UnsupportedOperationError(
            f"private convolutions are 2-D (conv2d): input (N, C, H, W) or (C, H, W) and kernel (O, C, kH, kW), "
            f"not {list(x.shape)} and {list(weight.shape)}")


def conv_forward(x, weight, bias, stride, padding, divisor):
    """conv2d(x, weight) [/ divisor] + bias on children."""
    out = product(x, weight, bilinear.conv2d(stride, padding), divisor)
    return out if bias is None else out + bias.view(-1, 1, 1)


def conv_backward(grad, x, weight, stride, padding, output_mask, divisor):
    """(dL/dx, dL/dweight, dL/dbias) on children, each only if ``output_mask`` asks for it."""
    (h, w), (kh, kw), (oh, ow) = x.shape[-2:], weight.shape[-2:], grad.shape[-2:]
    extra = tuple(size + 2 * p - k - (o - 1) * s
                  for size, p, k, o, s in zip((h, w), padding, (kh, kw), (oh, ow), stride))
    grad_x = product(grad, weight, bilinear.conv2d_input(stride, padding, extra), divisor) if output_mask[0] else None
    grad_w = product(x, grad, bilinear.conv2d_weight(stride, padding, (kh, kw)), divisor) if output_mask[1] else None
    grad_b = grad.sum([0, 2, 3]) if output_mask[2] else None
    return grad_x, grad_w, grad_b


@SHARED.implements(aten.convolution.default)
def shared_convolution(func, args, kwargs):
    x, weight, bias = args[:3]
    _check_2d(x, weight)
    return conv_forward(x, weight, bias, *_conv_params(*args[3:6], args[6], args[8]), None)


@FIXED.implements(aten.convolution.default)
def fixed_convolution(func, args, kwargs):
    x, weight, bias = args[:3]
    _check_2d(x, weight)
    e = fp.encoder_of(args)
    out = conv_forward(fp.enc(x, e), fp.enc(weight, e), None if bias is None else fp.enc(bias, e),
                       *_conv_params(*args[3:6], args[6], args[8]), e.scale)
    return fp.wrap(out, e, fp.dtype_of(args))


@SHARED.implements(aten.convolution_backward.default)
def shared_convolution_backward(func, args, kwargs):
    grad, x, weight = args[:3]
    stride, padding = _conv_params(*args[4:7], args[7], args[9])
    return conv_backward(grad, x, weight, stride, padding, args[10], None)


@FIXED.implements(aten.convolution_backward.default)
def fixed_convolution_backward(func, args, kwargs):
    grad, x, weight = args[:3]
    stride, padding = _conv_params(*args[4:7], args[7], args[9])
    e, dtype = fp.encoder_of(args), fp.dtype_of(args)
    grads = conv_backward(fp.enc(grad, e), fp.enc(x, e), fp.enc(weight, e), stride, padding, args[10], e.scale)
    return tuple(None if g is None else fp.wrap(g, e, dtype) for g in grads)


# -- average pooling ---------------------------------------------------------------------
def _avg_divisor(kernel, padding, ceil_mode, count_include_pad, divisor_override):
    if ceil_mode:
        raise UnsupportedOperationError("private avg_pool2d supports ceil_mode=False only")
    if any(_pair(padding, "padding")) and not count_include_pad:
        raise UnsupportedOperationError("private avg_pool2d with padding divides by the whole window: "
                                        "use count_include_pad=True")
    kh, kw = _pair(kernel, "kernel_size")
    return divisor_override or kh * kw


def _avg_full(args):
    """avg_pool2d's arguments after the input, defaults filled in.

    That is: kernel, stride, padding, ceil_mode, count_include_pad, divisor_override.
    """
    return (list(args) + [[], 0, False, True, None][len(args) - 1:])[:6]


def _sum_pool(func, child, inputs, options):
    """``func`` (avg_pool2d or its backward) with divisor 1, on each share of a shared child: window sums."""
    args = [*inputs, *options[:5], 1]
    if not _shared(child):  # a backward's input only lends its shape
        return func(child, *[torch.zeros(a.shape, dtype=torch.int64) if _shared(a) else a for a in args])
    per_party = [[h, *[a.handles[i] if _shared(a) else a for a in args]] for i, h in enumerate(child.handles)]
    return AdditiveSharingTensor(child.parties.command(f"{func._opname}.default", per_party), child.parties)


def _avg_pool(func, child, inputs, options):
    """The average: window sums, then one division by the window's size (or ``divisor_override``)."""
    kernel, _, padding, ceil_mode, count_include_pad, divisor_override = options
    divisor = _avg_divisor(kernel, padding, ceil_mode, count_include_pad, divisor_override)  # checks before work
    total = _sum_pool(func, child, inputs, options)
    return total if divisor == 1 else fp.divide_int(total, divisor)


@SHARED.implements(aten.avg_pool2d.default)
def shared_avg_pool(func, args, kwargs):
    return _avg_pool(func, args[0], [], _avg_full(args[1:]))


@FIXED.implements(aten.avg_pool2d.default)
def fixed_avg_pool(func, args, kwargs):
    x = args[0]
    return fp.wrap(_avg_pool(func, x.child, [], _avg_full(args[1:])), x.encoder, x.dtype)


@SHARED.implements(aten.avg_pool2d_backward.default)
def shared_avg_pool_backward(func, args, kwargs):
    grad, x = args[:2]
    return _avg_pool(func, grad, [x], _avg_full(args[2:]))


@FIXED.implements(aten.avg_pool2d_backward.default)
def fixed_avg_pool_backward(func, args, kwargs):
    grad, x = args[:2]
    e = fp.encoder_of(args)
    total = _avg_pool(func, fp.enc(grad, e), [fp.enc(x, e)], _avg_full(args[2:]))
    return fp.wrap(total, e, fp.dtype_of(args))


# -- max pooling ---------------------------------------------------------------------------
def _max_pool_kernel_of(args):
    """The window of ``max_pool2d_with_indices(x, *args[1:])``, its defaults filled in and checked."""
    return _max_pool_kernel(*(list(args[1:]) + [[], 0, 1, False][len(args) - 2:]))


def _max_pool_kernel(kernel, stride, padding, dilation, ceil_mode):
    kernel = _pair(kernel, "kernel_size")
    if (stride and _pair(stride, "stride") != kernel) or any(_pair(padding, "padding")) or ceil_mode or (
            _pair(dilation, "dilation") != (1, 1)):
        raise UnsupportedOperationError(
            "private max_pool2d takes non-overlapping windows: stride equal to kernel_size, no padding, "
            "no dilation, ceil_mode=False")
    return kernel


def _windows(x, kernel):
    """x (..., H, W) as (..., H // kh, W // kw, kh * kw): one row per window (a remainder is cut off)."""
    (kh, kw), (h, w) = kernel, x.shape[-2:]
    oh, ow, lead = h // kh, w // kw, list(x.shape[:-2])
    cut = x[..., : oh * kh, : ow * kw] if (oh * kh, ow * kw) != (h, w) else x  # a slice costs a message
    d = len(lead)
    rows = cut.reshape(*lead, oh, kh, ow, kw).permute(*range(d), d, d + 2, d + 1, d + 3)
    return rows.reshape(*lead, oh, ow, kh * kw)


def _from_windows(rows, kernel, size):
    """The inverse of ``_windows``: rows back into an image of ``size`` (the cut-off remainder is zero)."""
    (kh, kw), (oh, ow), lead = kernel, rows.shape[-3:-1], list(rows.shape[:-3])
    d = len(lead)
    image = rows.reshape(*lead, oh, ow, kh, kw).permute(*range(d), d, d + 2, d + 1, d + 3)
    image = image.reshape(*lead, oh * kh, ow * kw)
    missing_h, missing_w = size[0] - oh * kh, size[1] - ow * kw
    if missing_h or missing_w:
        image = zero_pad(image, (0, missing_w, 0, missing_h))
    return image


def zero_pad(x, pad):
    """x padded with zeros (share by share for a shared x: zeros are shares of zero)."""
    if not _shared(x):
        return F.pad(x, pad)
    per_party = [[h, list(pad), 0] for h in x.handles]
    return AdditiveSharingTensor(x.parties.command("constant_pad_nd.default", per_party), x.parties)


def max_pool(x, kernel, with_onehot=True):
    """(max of each window, torch's flat index of it, the window's one-hot or None) on a child.

    Without ``with_onehot`` (no backward pass will come) the tournament
    carries each candidate's flat index instead of its one-hot: rows of 2
    elements instead of kh*kw + 1 to select in each round.
    """
    rows = _windows(x, kernel)
    (kh, kw), (oh, ow), width = kernel, rows.shape[-3:-1], x.shape[-1]
    i, j = torch.arange(kh).repeat_interleave(kw), torch.arange(kw).repeat(kh)
    flat = ((torch.arange(oh).view(-1, 1, 1) * kh + i) * width + torch.arange(ow).view(1, -1, 1) * kw + j)
    if _shared(rows):
        values, found = argmax_protocol.max_argmax(rows.parties, rows.handles, -1, onehot=with_onehot,
                                                   positions=None if with_onehot else flat)
        values, found = AdditiveSharingTensor(values, rows.parties), AdditiveSharingTensor(found, rows.parties)
    else:
        values, first = rows.max(-1)
        found = F.one_hot(first, rows.shape[-1]) if with_onehot else flat.expand(rows.shape).gather(-1, first[..., None])[..., 0]
    if with_onehot:
        return values, (found * flat).sum(-1), found
    return values, found, None


def _needs_onehot(x):
    """Whether a backward pass may come: gradients are on and x is part of a graph."""
    return torch.is_grad_enabled() and x.requires_grad


def max_pool_backward(grad, onehot, kernel, size):
    """Each window's gradient to its largest value: one product with the one-hot, then back to the image."""
    return _from_windows(grad.unsqueeze(-1) * onehot, kernel, size)


def _onehot_of(indices):
    onehot = getattr(indices, "_pool_onehot", None)
    if onehot is None:
        raise UnsupportedOperationError(
            "the backward pass of a private max_pool2d needs the indices its forward pass returned")
    return onehot


@SHARED.implements(aten.max_pool2d_with_indices.default)
def shared_max_pool(func, args, kwargs):
    x = args[0]
    values, indices, onehot = max_pool(x, _max_pool_kernel_of(args), _needs_onehot(x))
    indices._pool_onehot = onehot
    return values, indices


@FIXED.implements(aten.max_pool2d_with_indices.default)
def fixed_max_pool(func, args, kwargs):
    x = args[0]
    kernel = _max_pool_kernel_of(args)
    values, indices, onehot = max_pool(x.child, kernel, _needs_onehot(x))
    indices = fp.wrap(indices * x.encoder.scale, x.encoder, torch.int64)  # indices are encoded like argmax's
    indices._pool_onehot = onehot
    return fp.wrap(values, x.encoder, x.dtype), indices


@SHARED.implements(aten.max_pool2d_with_indices_backward.default)
def shared_max_pool_backward(func, args, kwargs):
    grad, x, kernel = args[:3]
    return max_pool_backward(grad, _onehot_of(args[7]), _pair(kernel, "kernel_size"), x.shape[-2:])


@FIXED.implements(aten.max_pool2d_with_indices_backward.default)
def fixed_max_pool_backward(func, args, kwargs):
    grad, x, kernel = args[:3]
    e = fp.encoder_of(args)
    out = max_pool_backward(fp.enc(grad, e), _onehot_of(args[7]), _pair(kernel, "kernel_size"), x.shape[-2:])
    return fp.wrap(out, e, fp.dtype_of(args))
