"""Solutions to the exercises of notebooks/05_with_and_without_memory.ipynb - for instructors.

Each "# %% exercise-N" section replaces the notebook's code cell tagged "exercise-N"; it runs
in the notebook's namespace (np, studies, result, ...). Build the filled-in notebook with:
python tools/make_solutions_notebook.py notebooks/05_with_and_without_memory.ipynb
"""

# %% exercise-1
answer_1 = np.abs(result.hybrid[:, -1] - result.hybrid_off[:, -1]).mean()

# %% exercise-2
answer_2 = "on" if result.hybrid[:, -1].std() > result.hybrid_off[:, -1].std() else "off"

# %% exercise-3
one = studies.with_without_memory(num_slots=1)
eight = studies.with_without_memory(num_slots=8)
answer_3 = np.abs(one.hybrid_off - eight.hybrid_off).max()
