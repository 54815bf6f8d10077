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
# When n > 0 the answer is never the reference (n = 0 *is* the reference), and every row names the
# reference. A model that learned the shortcut rules it out and guesses among the 3 other ids: that is
# why it is right 1 time in 3, not 1 in 4, and why it (almost) never answers the reference then.
prediction_3 = 0.0

# %% exercise-4
# The rows of every question come in random order and the label is an id, which travels with its row:
# a reversed question is just another question of the kind the RMC was trained on. So the accuracy
# should be the one in the original order, measured here on other fresh questions.
Xe, ye = tasks.nth_farthest(4000, 4, 4, rng=5)
prediction_4 = float((shipped["rmc"][0].predict(Xe) == ye).mean())
