"""rrnn: relational recurrent neural networks (Santoro et al., NeurIPS 2018) in NumPy.

Shape glossary (batch-first everywhere):

    B  batch             T  time steps          D  input features
    H  LSTM hidden units S  memory slots        A  attention heads
    K  head size         P  slot width, A * K   C  classes (outputs)

M is the memory itself, a (B, S, P) array (M_t after step t), never a size.

Models are thin classes holding a flat ``params`` dict of float64 arrays; the maths lives in
pure ``*_forward`` functions that return caches. Randomness enters only through a keyword
``rng`` (an int seed or ``np.random.Generator``); ``rng=None`` means the fixed seed
``rrnn.DEFAULT_SEED``, and NumPy's global random state is never read or changed.
"""
from ._checks import DEFAULT_SEED
from .attention import multihead_attention_forward, scaled_dot_product_attention
from .hybrid import HybridCell, HybridRNN, RelationalRNN, RelationalRNNCell  # the last two: the seed demo's names
from .lstm import LSTM
from .models import HybridClassifier, LSTMClassifier, RMCClassifier
from .rmc import RelationalMemory, RMCConfig
from . import gradcheck, io, optim, tasks
from .io import load, save
from .training import train  # the function; `python -m rrnn.train` is the command line

SHAPE_GLOSSARY = {
    "B": "batch size",
    "T": "time steps",
    "D": "input features",
    "H": "LSTM hidden units",
    "S": "memory slots",
    "A": "attention heads",
    "K": "head size",
    "P": "slot width = A * K",
    "C": "classes (outputs)",
}
"""The letters of array shapes. M is not among them: it names the memory, (B, S, P)."""

__all__ = [
    "DEFAULT_SEED", "LSTM", "LSTMClassifier", "RMCClassifier", "HybridClassifier", "gradcheck",
    "io", "optim", "tasks", "train", "save", "load", "RelationalMemory", "RMCConfig", "HybridRNN", "HybridCell",
    "RelationalRNN", "RelationalRNNCell",
    "SHAPE_GLOSSARY", "multihead_attention_forward", "scaled_dot_product_attention",
]
__version__ = "0.1.0"
