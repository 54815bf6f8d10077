"""Command line: ``python -m rrnn.train --task nth-farthest --model rmc ...`` (see --help).

The command and the training code live in ``rrnn.training``; this file only runs them. ``rrnn.train``
is the package's ``train(...)`` function, and importing this module must not change that: Python
binds an imported submodule as an attribute of its package, so ``import rrnn.train`` would replace
the function with this module. Imported (rather than run with -m), the module therefore puts the
function in its place in ``sys.modules``; the import system binds whatever ``sys.modules`` holds
once the module has run (the language reference, "The import system", on loading). So
``import rrnn.train`` leaves ``rrnn.train is rrnn.training.train`` (tests/test_train.py checks).
"""
import sys

from rrnn.training import main, train

if __name__ == "__main__":
    sys.exit(main())
else:
    sys.modules[__name__] = train
