"""Solutions to the exercises of notebooks/03_rmc_step_by_step.ipynb - for instructors.

Each "# %% exercise-N" section replaces the notebook's code cell tagged "exercise-N" (the one
that says `answer_N = None`). The sections run in the notebook's namespace: they may use what
the notebook defined before the exercise (np, rrnn, core, ...). Build the filled-in notebook
with:  python tools/make_solutions_notebook.py notebooks/03_rmc_step_by_step.ipynb
"""

# %% exercise-1
# one step computes B * A * (S+1)^2 weights per block: every row, the input row included, attends to every row
answer_1 = (8 + 1) ** 2 / (4 + 1) ** 2   # 3.24; B and A cancel
# or count them: sum(a.size for a in core.step(x, memory, return_cache=True)[2].attention) for S = 8 and S = 4

# %% exercise-2
# only the two gate maps (from x_proj and from tanh(M)) change: P -> 2P per unit becomes P -> 2 per slot
P = 16
answer_2 = 2 * (P * 2 * P + 2 * P) - 2 * (P * 2 + 2)      # 4P^2 - 4 = 1020; the slots never enter
# or count two cores: sum(p.size for p in rrnn.RelationalMemory(4, 4, 8, 2).params.values())
#                     - sum(p.size for p in rrnn.RelationalMemory(4, 4, 8, 2, gate_style="memory").params.values())

# %% exercise-3
def rmc_param_count(input_size, head_size, num_heads):
    D, M = input_size, head_size * num_heads
    F = num_heads * 3 * head_size                  # q, k and v per head (key size = head size)
    return ((D * M + M)                            # input projection
            + (M * F + F) + 2 * F                  # q/k/v projection and its layer norm
            + 2 * 2 * M                            # the two layer norms after attention and MLP
            + 2 * (M * M + M)                      # the two-layer MLP
            + 2 * (M * 2 * M + 2 * M))             # gates from x_proj and from tanh(memory)

answer_3 = rmc_param_count

# %% exercise-4
# block 1 keeps all S+1 rows (block 2's slots read the input row), so its whole map counts; after block 2
# the input row is dropped, so only its S slot rows count (the gates read x_proj from before attention)
S = 4
answer_4 = (S + 1) ** 2 + S * (S + 1)    # 25 + 20 = 45

# %% exercise-5
def layer_norm_backward(dy, x, gamma, eps=1e-5):
    """dy, x: (..., F); gamma: (F,). Returns dx (..., F), dgamma (F,), dbeta (F,)."""
    mean = x.mean(-1, keepdims=True)                  # (..., 1): per row, as in layer_norm above
    inv_std = 1 / np.sqrt(x.var(-1, keepdims=True) + eps)
    x_hat = (x - mean) * inv_std                      # (..., F): the normalised rows
    rows = tuple(range(x.ndim - 1))                   # every axis but the features
    dgamma = (dy * x_hat).sum(axis=rows)              # y = gamma * x_hat + beta, in every row
    dbeta = dy.sum(axis=rows)
    dx_hat = dy * gamma
    # three paths to x: directly through x_hat, through the row mean, through the row variance
    dx = inv_std * (dx_hat - dx_hat.mean(-1, keepdims=True) - x_hat * (dx_hat * x_hat).mean(-1, keepdims=True))
    return dx, dgamma, dbeta

answer_5 = layer_norm_backward
