"""Solutions to the exercises of notebooks/04_memory_evolution.ipynb - for instructors.

Each "# %% exercise-N" section replaces the notebook's code cell tagged "exercise-N" (the one
that says `answer_N = None`). The sections run in the notebook's namespace: they may use what
the notebook defined before the exercise (np, studies, result, ...). Build the filled-in
notebook with:  python tools/make_solutions_notebook.py notebooks/04_memory_evolution.ipynb
"""

# %% exercise-1
# the seed's three windows: steps 1-5, 6-10, 11-15 are indices 0:5, 5:10, 10:15
norms = result.memory_norm
answer_1 = [norms[0:5].mean(), norms[5:10].mean(), norms[10:15].mean()]
# or: studies.window_means(result.memory_norm)

# %% exercise-2
silent = studies.memory_evolution(amplitude=0.0)
answer_2 = result.memory_norm[-1] - silent.memory_norm[-1]

# %% exercise-3
S = result.similarity.shape[0]
i, j = np.unravel_index(np.argmax(result.similarity - 2 * np.eye(S)), (S, S))
answer_3 = (min(i, j), max(i, j))

# %% exercise-4
means = [studies.mean_offdiagonal(studies.cosine_similarity(memory[0])) for memory in result.memories[1:]]
answer_4 = 1 + int(np.argmax(np.array(means) > 0.5))
