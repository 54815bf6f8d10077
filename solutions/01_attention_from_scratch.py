"""Solutions to the exercises of notebooks/01_attention_from_scratch.ipynb - for instructors.

Each "# %% exercise-N" section replaces the notebook's code cell tagged "exercise-N" (the one
that says `answer_N = None`). The sections run in the notebook's namespace: they may use what
the notebook defined before the exercise (np, rrnn, attention, multihead, ...). Build the
filled-in notebook with:  python tools/make_solutions_notebook.py notebooks/01_attention_from_scratch.ipynb
"""

# %% exercise-1
def causal_attention(q, k, v):
    N = q.shape[-2]
    logits = q @ k.swapaxes(-1, -2) / np.sqrt(q.shape[-1])
    logits = np.where(np.tril(np.ones((N, N), dtype=bool)), logits, -np.inf)   # query i sees keys j <= i
    weights = np.exp(logits - logits.max(-1, keepdims=True))                   # exp(-inf) = 0
    weights /= weights.sum(-1, keepdims=True)
    return weights @ v, weights

answer_1 = causal_attention

# %% exercise-2
# one product q_m k_m: variance 4 * 4 = 16; a sum of K = 16 of them: 256; divided by sqrt(16): variance 16
answer_2 = np.sqrt(4 * 4 * 16 / 16)      # 4.0
# or measure it: q, k = 2 * rng.standard_normal((2, 100_000, 16)); ((q * k).sum(-1) / 4).std()

# %% exercise-3
# output (B, N, A*V): the heads' outputs side by side; weights (B, A, N, N): one map per batch row and head
x3 = np.zeros((2, 5, 16))                                  # B = 2, N = 5, any width
A3, V3 = 4, 8
F3 = A3 * (2 * V3 + V3)                                    # key size = value size = 8
params3 = {"qkv.W": np.zeros((16, F3)), "qkv.b": np.zeros(F3), "qkv_ln.gamma": np.ones(F3), "qkv_ln.beta": np.zeros(F3)}
out3, weights3 = multihead(x3, params3, A3, V3)
answer_3 = (out3.shape, weights3.shape)                    # ((2, 5, 32), (2, 4, 5, 5))

# %% exercise-4
def equivariance_gap(f, x, order):
    """How far f is from shuffling its outputs as its inputs were shuffled (items: axis 1)."""
    return np.abs(f(x[:, order]) - f(x)[:, order]).max()   # row i of both sides is item order[i]

f = lambda items: multihead(items, params, A, K)[0]
order = np.random.default_rng(0).permutation(x.shape[1])
print("self-attention:  ", equivariance_gap(f, x, order))                      # ~1e-16
print("causal attention:", equivariance_gap(lambda items: causal_attention(items, items, items)[0], x, order))
answer_4 = equivariance_gap
