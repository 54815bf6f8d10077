"""Under the test suite the notebooks run their short versions.

A notebook cell that would train for minutes in class (notebook 08's live run) checks
``RRNN_QUICK`` and runs a few seconds' version instead. Setting it here, when pytest collects the
notebooks, puts it in the environment that nbval's kernels (and the browser tests' Jupyter
servers) inherit.
"""
import os

os.environ["RRNN_QUICK"] = "1"
