"""Keep freed heap memory in the process between training steps (glibc's malloc only).

A training step allocates and frees the same large temporaries (activations and gradients) every
time. By default glibc hands memory at the top of the heap back to the system as soon as a little is
free, so the next step faults it in again page by page. ``mallopt(M_TOP_PAD)`` asks malloc to keep a
pad of that many bytes whenever it grows or trims the heap, so a step's temporaries stay mapped and
the next step reuses them; the cost is up to ``TOP_PAD_BYTES`` of freed memory kept by the process.

Only what allocates the same large temporaries again and again calls it: ``rrnn.training.train`` (so
the command line and the notebooks' training cells get it) and a dashboard's figure, whose every
redraw resamples images into fresh arrays (``rrnn.dash.figure.InPlaceFigure``). It changes the
allocator of the whole process, so a plain ``import rrnn`` must not. Setting M_TOP_PAD
also freezes glibc's dynamic mmap threshold at its current value, so which arrays come from the
padded heap and which from fresh ``mmap`` calls depends on what the process allocated before the call;
``tests/test_train.py`` checks that a training step stops faulting once ``train`` has run. For a
whole process, from its first allocation on, set it in the environment instead:
``GLIBC_TUNABLES=glibc.malloc.top_pad=134217728``. Elsewhere (macOS, Windows, musl) this does nothing.
"""
from __future__ import annotations

import ctypes
import sys

M_TOP_PAD = -2            # glibc's mallopt parameter (malloc.h)
TOP_PAD_BYTES = 2**27     # 128 MiB: more than one Nth-farthest step's temporaries


def keep_freed_memory(pad_bytes: int = TOP_PAD_BYTES) -> bool:
    """Set glibc's M_TOP_PAD to ``pad_bytes``; True if it was set (False off glibc)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):       # not glibc
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return mallopt(M_TOP_PAD, pad_bytes) == 1
