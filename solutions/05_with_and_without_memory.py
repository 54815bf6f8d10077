"""Solutions to the exercises of notebooks/05_with_and_without_memory.ipynb - for instructors.

Each "# %% exercise-N" section replaces the notebook's code cell tagged "exercise-N"; it runs
in the notebook's namespace (np, studies, result, ...). Build the filled-in notebook with:
python tools/make_solutions_notebook.py notebooks/05_with_and_without_memory.ipynb
"""

# %% exercise-1
answer_1 = np.abs(result.memory_off[:, -1] - result.lstm[:, -1]).mean()   # the read-out layers' term
# They do not add up: |a + b| <= |a| + |b|, with equality only where the two terms have the same sign.

# %% exercise-2
prediction_2 = 1 / 9                   # written before measuring: answers spread over the nine patterns
net = seed_models.trained_model("hybrid")
answers = np.concatenate([seed_models.trace(net, X, use_memory=False).logits[:, -1].argmax(axis=1)
                          for X, _ in seed_models.evaluation_set()])
answer_2 = np.bincount(answers).max() / answers.size     # it names one pattern (spikes) for about 2 in 3

# %% exercise-3
# The slots reach the output only through r_t, the slot mean: the LSTM's output and the memory-off output
# (which reads zeros instead of r_t) cannot change, and no weight depends on the number of slots.
one = studies.with_without_memory(num_slots=1)
eight = studies.with_without_memory(num_slots=8)
answer_3 = max(np.abs(a[:, -1] - b[:, -1]).max() for a, b in ((one.lstm, eight.lstm), (one.memory, eight.memory),
                                                              (one.memory_off, eight.memory_off)))
