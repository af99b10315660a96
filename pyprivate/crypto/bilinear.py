"""The bilinear operations a Beaver triple can stand for, by name.

Beaver's identity works for any op that is linear in each operand (see
:mod:`.beaver`), so one protocol serves all of these:

* ``"mul"`` (elementwise), ``"matmul"``, ``"square"`` (x*x, one operand);
* a 2-D convolution and the two products of its backward pass, named with
  their public parameters so that a name is all a party or the dealer needs:

  - ``conv2d:s1,1:p0,0``: ``F.conv2d(x, w, stride, padding)``;
  - ``conv2d_input:s1,1:p0,0:o0,0``: the gradient for the input,
    ``F.conv_transpose2d(g, w, stride, padding, output_padding)``;
  - ``conv2d_weight:s1,1:p0,0:k5,5``: the gradient for the kernel,
    a convolution of the input with the output's gradient.

Every op computes in the ring Z_2^64: torch's int64 kernels wrap around
exactly (tests check each against a float reference and the adjoint identity).
"""

import functools
import re

import torch
import torch.nn.functional as F

PRODUCTS = {
    "mul": torch.mul,
    "matmul": torch.matmul,
    "square": lambda a, _b: a * a,
}

_CONV_NAME = re.compile(r"^(conv2d|conv2d_input|conv2d_weight):s(\d+),(\d+):p(\d+),(\d+)(?::[ok](\d+),(\d+))?$")


def conv2d(stride, padding) -> str:
    """The name of ``F.conv2d(x, w, stride=stride, padding=padding)``."""
    (sh, sw), (ph, pw) = stride, padding
    return f"conv2d:s{sh},{sw}:p{ph},{pw}"


def conv2d_input(stride, padding, output_padding) -> str:
    """The name of the input gradient of ``conv2d(stride, padding)``.

    ``output_padding`` restores the input's size where the stride skipped rows or columns.
    """
    (sh, sw), (ph, pw), (oh, ow) = stride, padding, output_padding
    return f"conv2d_input:s{sh},{sw}:p{ph},{pw}:o{oh},{ow}"


def conv2d_weight(stride, padding, kernel_size) -> str:
    """The name of the kernel gradient of ``conv2d(stride, padding)`` for a ``kernel_size`` kernel."""
    (sh, sw), (ph, pw), (kh, kw) = stride, padding, kernel_size
    return f"conv2d_weight:s{sh},{sw}:p{ph},{pw}:k{kh},{kw}"


def _grad_weight(x, g, stride, padding, kernel_size):
    """dL/dw[o, c, i, j] = sum over n, p, q of g[n, o, p, q] * x_padded[n, c, p*s + i, q*s + j].

    That is a convolution of the input (batch and channels swapped) with the
    output gradient as its kernel, dilated by the stride.
    """
    out = F.conv2d(x.transpose(0, 1), g.transpose(0, 1), padding=padding, dilation=stride)
    return out[..., : kernel_size[0], : kernel_size[1]].transpose(0, 1)


def matmul_finish(c, eps, b, a, delta):
    """c + eps @ b + a @ delta for matrices, as two ``torch.addmm``: the sums ride on the products.

    The last step of a Beaver matrix product; two passes over the result
    fewer than adding the products (a layer's weight gradient has 100,000
    elements).
    """
    return torch.addmm(c, eps, b).addmm_(a, delta)


def lookup(op: str):
    """The function ``f(a, b)`` named ``op``; ValueError for an unknown name."""
    return PRODUCTS[op] if op in PRODUCTS else _convolution(op)


@functools.lru_cache(maxsize=256)
def _convolution(op: str):
    match = _CONV_NAME.match(op)
    if match is None or (match[1] == "conv2d") != (match[6] is None):
        raise ValueError(f"unknown Beaver op {op!r}; use one of {sorted(PRODUCTS)} or a name from bilinear.conv2d*()")
    kind, numbers = match[1], [int(v) for v in match.groups()[1:] if v is not None]
    stride, padding, extra = tuple(numbers[0:2]), tuple(numbers[2:4]), tuple(numbers[4:6])
    if kind == "conv2d":
        return functools.partial(F.conv2d, stride=stride, padding=padding)
    if kind == "conv2d_input":
        return functools.partial(F.conv_transpose2d, stride=stride, padding=padding, output_padding=extra)
    return functools.partial(_grad_weight, stride=stride, padding=padding, kernel_size=extra)


def kind(op: str) -> str:
    """The op's name without its parameters (``"conv2d"`` for ``"conv2d:s1,1:p0,0"``), for logs."""
    return op.split(":", 1)[0]
