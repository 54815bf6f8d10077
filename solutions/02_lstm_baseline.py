"""Solutions to the exercises of notebooks/02_lstm_baseline.ipynb - for instructors.

Each "# %% exercise-N" section replaces the notebook's code cell tagged "exercise-N" (the one
that says `answer_N = None`). The sections run in the notebook's namespace: they may use what
the notebook defined before the exercise (np, rrnn, sigmoid, ...). Build the filled-in notebook
with:  python tools/make_solutions_notebook.py notebooks/02_lstm_baseline.ipynb
"""

# %% exercise-1
# f^n < 0.01  ->  n > log(0.01) / log(f); the first whole n
f = sigmoid(1.0)
answer_1 = int(np.ceil(np.log(0.01) / np.log(f)))       # 15: f^14 = 1.2%, f^15 = 0.9%

# %% exercise-2
# sigmoid(b) ** 10 = 0.9  ->  f = 0.9 ** (1 / 10)  ->  b = log(f / (1 - f))
f = 0.9 ** (1 / 10)
answer_2 = np.log(f / (1 - f))           # about 4.55

# %% exercise-3
def lstm_param_count(D, H):
    return 4 * H * (D + H + 1)           # Wx (D, 4H), Wh (H, 4H), b (4H,)

answer_3 = lstm_param_count
