"""Solutions to the exercises of notebooks/08_training_nth_farthest.ipynb - for instructors.

Each "# %% exercise-N" section replaces the notebook's code cell tagged "exercise-N". The sections
run in the notebook's namespace (np, tasks, shipped, ...). Build the filled-in notebook with:
python tools/make_solutions_notebook.py notebooks/08_training_nth_farthest.ipynb
"""

# %% exercise-1
N = 8
answer_1 = 1 / N + (N - 1) / N * 1 / (N - 1)        # = 2 / N

# %% exercise-2
X7, _ = tasks.nth_farthest(1, 4, 4, rng=7)
p = tasks.nth_farthest_parts(X7, 4, 4)
by_id = p["vectors"][0][np.argsort(p["ids"][0])]
distances = np.linalg.norm(by_id - by_id[p["reference"][0]], axis=1)
answer_2 = int(np.argsort(distances)[p["nth"][0]])

# %% exercise-3
lstm = shipped["lstm"][0]
Xe, ye = tasks.nth_farthest(4000, 4, 4, rng=5)
n_of = tasks.nth_farthest_parts(Xe, 4, 4)["nth"]
right = lstm.predict(Xe) == ye
answer_3 = int(np.argmax([right[n_of == n].mean() for n in range(4)]))

# %% exercise-4
h = shipped["rmc"][1]["history"]
answer_4 = h["eval_step"][int(np.argmax(np.array(h["test_accuracy"]) >= 0.6))]
