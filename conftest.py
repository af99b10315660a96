"""Repository-wide pytest set-up, for the notebook runs (nbval) as well as the tests.

nbval starts a fresh kernel for every notebook and gives up if it does not
answer within a minute. With two pytest-xdist workers starting kernels at
once, a kernel very rarely never answers (seen once in about ten runs of
`make test`, for one of the 48 notebooks; its ports are chosen before it
binds them). A second try starts a new kernel on new ports.
"""

import nbval.kernel

_start_new_kernel = nbval.kernel.start_new_kernel
KERNEL_START_TRIES = 3


def _start_new_kernel_with_retries(*args, **kwargs):
    for attempt in range(1, KERNEL_START_TRIES + 1):
        try:
            return _start_new_kernel(*args, **kwargs)
        except RuntimeError:  # "Kernel didn't respond in 60 seconds"; nbval has shut that kernel down
            if attempt == KERNEL_START_TRIES:
                raise


nbval.kernel.start_new_kernel = _start_new_kernel_with_retries
