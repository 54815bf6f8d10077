"""Command line: ``python -m rrnn.train --task nth-farthest --model rmc ...`` (see --help).

The training code lives in ``rrnn.training``; ``rrnn.train`` is also the package's
``train(...)`` function. This module is only the entry point, so running it never imports
itself twice.
"""
import sys

from rrnn.training import main

if __name__ == "__main__":
    sys.exit(main())
