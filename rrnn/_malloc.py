"""Keep freed heap memory in the process between training steps (glibc's malloc only).

A training step allocates and frees the same large temporaries (activations and gradients, a few
MB each) every time. By default glibc gives memory at the top of the heap back to the system as
soon as more than a little is free, and the next step faults it in again, page by page: about
25,000 minor page faults per Nth-farthest step (B=1024), a third of the step spent in the kernel.
Asking malloc to keep a pad of 128 MiB when it trims makes those pages stay mapped, so each step
reuses them (measured: 99 ms -> 65 ms per step, 0.05 s instead of 1.85 s of kernel time over 50
steps). The cost is that a process keeps up to 128 MiB of freed memory for reuse.

Elsewhere (macOS, Windows, musl) this does nothing.
"""
from __future__ import annotations

import ctypes
import sys

M_TOP_PAD = -2            # glibc's mallopt parameter (malloc.h)
TOP_PAD_BYTES = 2**27     # 128 MiB: more than one Nth-farthest step's temporaries


def keep_freed_memory(pad_bytes: int = TOP_PAD_BYTES) -> bool:
    """Set glibc's M_TOP_PAD; True if it was set."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):       # not glibc
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return mallopt(M_TOP_PAD, pad_bytes) == 1
