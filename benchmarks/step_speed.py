"""How long one training step takes in rrnn, next to the same model in eager PyTorch.

A step is the forward pass and the backward pass of a classifier's mean cross-entropy (no
optimiser update). The table gives the median milliseconds over --repeats timed steps after
a few warm-up steps, for rrnn (NumPy, hand-written backward) and a PyTorch eager model with
the same shapes (torch.nn modules, autograd), and the ratio rrnn / torch.

Beside them: each one's matrix-multiply work per step in GFLOP, and the rate each achieves in
GFLOP/s from its own count, and the machine's own single-thread rate for one large matrix
product in that dtype, so the distance to what the hardware can do is on the table. torch's
count comes from torch.utils.flop_counter on the torch model; rrnn's is counted from the shapes
of the products rrnn computes (rrnn_step_gflop), which are fewer: after the last block the input
row is dropped, so rrnn runs the MLP on the S memory rows only, where the Sonnet-faithful torch
model runs it on all S+1. Elementwise work (norms, gates, softmax) is not counted: a step far
below the matmul rate is spending its time there, or in Python.

    python benchmarks/step_speed.py                 # one thread for both
    python benchmarks/step_speed.py --threads 4 --repeats 50

PyTorch is optional: without it, only rrnn is timed.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=1,
                        help="threads for NumPy's BLAS and for torch (default 1, a like-for-like comparison)")
    parser.add_argument("--repeats", type=int, default=20, help="timed steps per configuration (default 20)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed steps first (default 3)")
    return parser.parse_args()


ARGS = parse_args()
# BLAS libraries read their thread count once, when NumPy is first imported, so it has to be
# set here, before the imports below; torch's own pool is set with torch.set_num_threads.
for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[variable] = str(ARGS.threads)

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing
import rrnn  # noqa: E402
from rrnn.models import HybridClassifier, RMCClassifier  # noqa: E402

try:
    import torch
    from torch import nn
except ImportError:
    torch = None

RMC = dict(input_size=32, num_classes=4, num_slots=4, head_size=32, num_heads=2)  # slot size 2 * 32 = 64
HYBRID = dict(input_size=32, hidden_size=64, num_classes=4, num_slots=4, slot_size=64, num_heads=2)
NTH_FARTHEST = dict(input_size=16, num_classes=4, num_slots=2, head_size=32, num_heads=2)
CONFIGS = [  # name, classifier kind, constructor keywords, (B, T), dtype
    ("RMC    B=1  T=15", "rmc", RMC, (1, 15), "float64"),
    ("RMC    B=32 T=16", "rmc", RMC, (32, 16), "float64"),
    ("hybrid B=1  T=15", "hybrid", HYBRID, (1, 15), "float64"),
    ("hybrid B=32 T=16", "hybrid", HYBRID, (32, 16), "float64"),
    ("Nth-farthest RMC B=1024 T=4", "rmc", NTH_FARTHEST, (1024, 4), "float32"),
]


def timed(step) -> float:
    start = time.perf_counter()
    step()
    return time.perf_counter() - start


def median_ms_side_by_side(steps: list, warmup: int, repeats: int, block: int = 5) -> list:
    """Median ms per step of each closure in ``steps``, timed in alternating blocks of ``block``
    steps (A A A A A B B B B B A ...), so a drift in the machine's speed hits all of them alike."""
    for step in steps:
        for _ in range(warmup):
            step()
    times = [[] for _ in steps]
    while len(times[0]) < repeats:
        for step, record in zip(steps, times):
            record.extend(timed(step) for _ in range(min(block, repeats - len(record))))
    return [1e3 * statistics.median(record) for record in times]


# ------------------------------------------------------------------------------- rrnn
def rrnn_step(kind: str, kwargs: dict, B: int, T: int, dtype: str):
    """A closure running one rrnn loss-and-gradients step."""
    cls = RMCClassifier if kind == "rmc" else HybridClassifier
    model = cls(**kwargs, head_sizes=(128, 128), rng=0, dtype=dtype)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((B, T, kwargs["input_size"])).astype(dtype)
    y = rng.integers(0, kwargs["num_classes"], B)
    return lambda: model.loss(X, y)


# ------------------------------------------------------------------------------- torch
if torch is not None:
    class TorchRMC(nn.Module):
        """The Sonnet v1 RMC with the defaults rrnn uses (1 block, 2 MLP layers, unit gates)."""

        def __init__(self, input_size, num_slots, head_size, num_heads):
            super().__init__()
            M, F = head_size * num_heads, 3 * head_size * num_heads  # K = V = head_size
            self.num_slots, self.num_heads, self.head_size, self.slot_size = num_slots, num_heads, head_size, M
            self.input = nn.Linear(input_size, M)
            self.qkv, self.qkv_norm = nn.Linear(M, F), nn.LayerNorm(F)
            self.norm1, self.norm2 = nn.LayerNorm(M), nn.LayerNorm(M)
            self.mlp = nn.Sequential(nn.Linear(M, M), nn.ReLU(), nn.Linear(M, M))
            self.gate_x, self.gate_m = nn.Linear(M, 2 * M), nn.Linear(M, 2 * M)

        def initial_memory(self, batch_size, like):
            eye = torch.eye(self.num_slots, self.slot_size, dtype=like.dtype)
            return eye.expand(batch_size, -1, -1)

        def attend(self, X):
            B, N, _ = X.shape
            q, k, v = self.qkv_norm(self.qkv(X)).view(B, N, self.num_heads, 3, self.head_size).unbind(3)
            q, k, v = (t.transpose(1, 2) for t in (q, k, v))                   # (B, A, N, K)
            weights = torch.softmax(q @ k.transpose(-1, -2) / self.head_size ** 0.5, dim=-1)
            return (weights @ v).transpose(1, 2).reshape(B, N, -1)

        def forward(self, x, memory):
            x_proj = self.input(x)
            X = torch.cat([memory, x_proj.unsqueeze(1)], dim=1)
            X = self.norm1(X + self.attend(X))
            X = self.norm2(X + self.mlp(X))
            i, f = (self.gate_x(x_proj).unsqueeze(1) + self.gate_m(torch.tanh(memory))).chunk(2, dim=-1)
            return torch.sigmoid(i) * torch.tanh(X[:, :self.num_slots]) + torch.sigmoid(f + 1.0) * memory

    def torch_head(in_features, num_classes):
        return nn.Sequential(nn.Linear(in_features, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(),
                             nn.Linear(128, num_classes))

    class TorchRMCClassifier(nn.Module):
        def __init__(self, input_size, num_classes, num_slots, head_size, num_heads):
            super().__init__()
            self.core = TorchRMC(input_size, num_slots, head_size, num_heads)
            self.head = torch_head(num_slots * head_size * num_heads, num_classes)

        def forward(self, X):
            memory = self.core.initial_memory(X.shape[0], X)
            for t in range(X.shape[1]):
                memory = self.core(X[:, t], memory)
            return self.head(memory.flatten(1))

    class TorchHybridClassifier(nn.Module):
        def __init__(self, input_size, hidden_size, num_classes, num_slots, slot_size, num_heads):
            super().__init__()
            self.lstm = nn.LSTMCell(input_size, hidden_size)
            self.rmc = TorchRMC(hidden_size, num_slots, slot_size // num_heads, num_heads)
            self.combine = nn.Linear(hidden_size + slot_size, hidden_size)
            self.head = torch_head(hidden_size, num_classes)

        def forward(self, X):
            B = X.shape[0]
            h = c = X.new_zeros(B, self.lstm.hidden_size)
            memory = self.rmc.initial_memory(B, X)
            for t in range(X.shape[1]):
                h, c = self.lstm(X[:, t], (h, c))
                memory = self.rmc(h, memory)
                out = torch.tanh(self.combine(torch.cat([h, memory.mean(dim=1)], dim=-1)))
            return self.head(out)

    def step_gflop(step) -> float:
        """Matrix-multiply GFLOP of one forward + backward step (torch's own flop counter)."""
        from torch.utils.flop_counter import FlopCounterMode
        with FlopCounterMode(display=False) as counter:
            step()
        return counter.get_total_flops() / 1e9

    def torch_step(kind: str, kwargs: dict, B: int, T: int, dtype: str):
        torch.manual_seed(0)
        cls = TorchRMCClassifier if kind == "rmc" else TorchHybridClassifier
        model = cls(**kwargs).to(getattr(torch, dtype))
        X = torch.randn(B, T, kwargs["input_size"], dtype=getattr(torch, dtype))
        y = torch.randint(0, kwargs["num_classes"], (B,))

        def step():
            model.zero_grad(set_to_none=True)
            nn.functional.cross_entropy(model(X), y).backward()
        return step


def rrnn_step_gflop(kind: str, kwargs: dict, B: int, T: int, head_sizes=(128, 128)) -> float:
    """rrnn's matrix-multiply GFLOP per step (forward + backward), from the shapes of its products.

    For the configurations here (one block, a 2-layer MLP, unit gates, K = V = head size). Per
    sequence and step, in multiply-adds: the input projection D*M and the gates' input term
    M*2M; q, k, v of the S+1 rows (S+1)*M*3M; attention A*(S+1)^2*(K+V); the MLP on the S memory
    rows 2*S*M^2; the gates from the memory S*M*2M. The hybrid adds its LSTM (D+H)*4H and
    read-out (H+M)*H, and its memory reads h (D = H). The backward pass does two products per
    forward one (dx and dW; dq, dk, dv and dweights for attention): 3x the forward work in all.
    """
    if kind == "rmc":
        D, S, A, V = kwargs["input_size"], kwargs["num_slots"], kwargs["num_heads"], kwargs["head_size"]
        M, extra, features = A * V, 0, kwargs["num_slots"] * A * V
    else:
        D, H, S, A, M = (kwargs[k] for k in ("hidden_size", "hidden_size", "num_slots", "num_heads", "slot_size"))
        V, features = M // A, H
        extra = (kwargs["input_size"] + H) * 4 * H + (H + M) * H
    step = D * M + M * 2 * M + (S + 1) * M * 3 * M + A * (S + 1) ** 2 * 2 * V + 2 * S * M * M + S * M * 2 * M + extra
    sizes = [features, *head_sizes, kwargs["num_classes"]]
    head = sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    return 3 * 2 * B * (T * step + head) / 1e9


def matmul_gflops(dtype: str, n: int = 1024, repeats: int = 5) -> float:
    """The machine's matrix-multiply rate: the best of ``repeats`` (n, n) @ (n, n) products."""
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((n, n)).astype(dtype) for _ in range(2))
    best = min(timed(lambda: a @ b) for _ in range(repeats))
    return 2 * n ** 3 / best / 1e9


def main():
    if torch is not None:
        torch.set_num_threads(ARGS.threads)
        versions = f"torch {torch.__version__}"
    else:
        versions = "PyTorch not installed (`pip install torch` to compare): timing rrnn only"
    print(f"rrnn {rrnn.__version__}, numpy {np.__version__}, {versions}")
    print(f"{ARGS.threads} thread(s); median of {ARGS.repeats} steps after {ARGS.warmup} warm-up; "
          "a step = forward + backward of the mean cross-entropy, head (128, 128)\n")
    peak = {dtype: matmul_gflops(dtype) for dtype in ("float64", "float32")}
    print("machine: one (1024, 1024) @ (1024, 1024) product, best of 5: "
          + ", ".join(f"{dtype} {rate:.1f} GFLOP/s" for dtype, rate in peak.items()) + "\n")
    header = (f"{'configuration':30} {'dtype':8} {'rrnn ms':>10} {'torch ms':>10} {'rrnn/torch':>11} "
              f"{'rrnn GFLOP':>11} {'torch GFLOP':>12} {'rrnn GFLOP/s':>13} {'torch GFLOP/s':>14} {'machine':>8}")
    print(header)
    print("-" * len(header))
    # rrnn and torch alternate in blocks of steps, configuration by configuration (see
    # median_ms_side_by_side), so both see the same machine.
    for name, kind, kwargs, (B, T), dtype in CONFIGS:
        steps = [rrnn_step(kind, kwargs, B, T, dtype)]
        if torch is not None:
            steps.append(torch_step(kind, kwargs, B, T, dtype))
        times = median_ms_side_by_side(steps, ARGS.warmup, ARGS.repeats)
        own = rrnn_step_gflop(kind, kwargs, B, T)
        if torch is None:
            print(f"{name:30} {dtype:8} {times[0]:10.2f} {'-':>10} {'-':>11} {own:11.3f} {'-':>12} "
                  f"{own / times[0] * 1e3:13.1f} {'-':>14} {peak[dtype]:8.1f}", flush=True)
        else:
            gflop = step_gflop(steps[1])
            print(f"{name:30} {dtype:8} {times[0]:10.2f} {times[1]:10.2f} {times[0] / times[1]:11.2f} "
                  f"{own:11.3f} {gflop:12.3f} {own / times[0] * 1e3:13.1f} {gflop / times[1] * 1e3:14.1f} "
                  f"{peak[dtype]:8.1f}", flush=True)


if __name__ == "__main__":
    main()
