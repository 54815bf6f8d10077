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
x = np.zeros((2, 5, 16))                                   # B = 2, N = 5, any width
A, V = 4, 8
F = A * (2 * V + V)                                        # key size = value size = 8
params = {"qkv.W": np.zeros((16, F)), "qkv.b": np.zeros(F), "qkv_ln.gamma": np.ones(F), "qkv_ln.beta": np.zeros(F)}
out, weights = multihead(x, params, A, V)
answer_3 = (out.shape, weights.shape)                      # ((2, 5, 32), (2, 4, 5, 5))

# %% exercise-4
order = np.random.default_rng(0).permutation(x.shape[1])
shuffled, _ = multihead(x[:, order], params, A, K)
plain, _ = multihead(x, params, A, K)
print("outputs shuffled the same way:", np.allclose(shuffled, plain[:, order]))
answer_4 = "b"
