"""Solutions to the exercises of notebooks/06_step_by_step.ipynb - for instructors.

Each "# %% exercise-N" section replaces the notebook's code cell tagged "exercise-N"; it runs
in the notebook's namespace (np, studies, run, ...). Build the filled-in notebook with:
python tools/make_solutions_notebook.py notebooks/06_step_by_step.ipynb
"""

# %% exercise-1
answer_1 = 1 + int(np.argmax(run.memory_change))

# %% exercise-2
weights = run.attention[1].mean(axis=0)      # step 2 is index 1; mean over heads -> (S+1, S+1)
answer_2 = int(np.argmax(weights[0]))        # row 0: what slot 0 reads

# %% exercise-3
answer_3 = run.forget_gate.mean()
