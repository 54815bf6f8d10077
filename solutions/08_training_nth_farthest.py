"""Solutions to the exercises of notebooks/08_training_nth_farthest.ipynb - for instructors.

Each "# %% exercise-N" section replaces the notebook's code cell tagged "exercise-N". The sections
run in the notebook's namespace (np, tasks, shipped, ...). Build the filled-in notebook with:
python tools/make_solutions_notebook.py notebooks/08_training_nth_farthest.ipynb
"""

# %% exercise-1
# Split the questions by n. One in N has n = 0: the shortcut is sure of the reference, so it loses
# -ln 1 = 0. The other (N-1)/N have n > 0: the answer is one of the N-1 other ids, and the shortcut
# cannot tell which, so it spreads its probability evenly over them and loses ln(N-1) on each.
N = 8
answer_1 = (N - 1) / N * np.log(N - 1)             # 1.70 nats (N = 4: 0.82, the plateau of the loss)

# %% exercise-2
def answer_by_hand(X):
    """X: (B, 4, 16), a batch of Nth-farthest questions -> (B,) the id of each question's answer."""
    p = tasks.nth_farthest_parts(X, 4, 4)
    rows = np.arange(len(X))
    by_id = np.take_along_axis(p["vectors"], np.argsort(p["ids"], axis=1)[..., None], axis=1)   # row i: id i
    distances = np.linalg.norm(by_id - by_id[rows, p["reference"]][:, None], axis=-1)          # (B, 4), by id
    return np.argsort(distances, axis=1)[rows, p["nth"]]      # place n, nearest first (the reference at 0)

# %% exercise-3
# When n > 0 the answer is never the reference (n = 0 *is* the reference), and every row names the
# reference. A model that learned the shortcut rules it out and guesses among the 3 other ids: that is
# why it is right 1 time in 3, not 1 in 4, and why it (almost) never answers the reference then.
prediction_3 = 0.0
X3, y3 = tasks.nth_farthest(4000, 4, 4, rng=31)
p3 = tasks.nth_farthest_parts(X3, 4, 4)
later = p3["nth"] > 0
answer_3 = float((shipped["lstm"][0].predict(X3)[later] == p3["reference"][later]).mean())

# %% exercise-4
# The rows of every question come in random order and the label is an id, which travels with its row:
# a reversed question is just another question of the kind the RMC was trained on. So the accuracy
# should be about the one in the original order (about 90%, section 3).
prediction_4 = 0.9
X4, y4 = tasks.nth_farthest(4000, 4, 4, rng=41)
answer_4 = float((shipped["rmc"][0].predict(X4[:, ::-1]) == y4).mean())
