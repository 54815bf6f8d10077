"""Solutions to the exercises of notebooks/06_step_by_step.ipynb - for instructors.

Each "# %% exercise-N" section replaces the notebook's code cell tagged "exercise-N"; it runs
in the notebook's namespace (np, studies, run, ...). Build the filled-in notebook with:
python tools/make_solutions_notebook.py notebooks/06_step_by_step.ipynb
"""

# %% exercise-1
# Untrained, f sits near its bias: sigmoid(1) = 0.73, so each slot loses 1 - f = 0.27 of itself.
# M_0 is the identity start: 8 orthonormal rows, of norm sqrt(8). So ||(f - 1) * M_0|| ~ 0.27 * sqrt(8).
prediction_1 = (1 - 1 / (1 + np.exp(-1))) * np.sqrt(8)
run8 = studies.step_by_step(num_slots=8)
answer_1 = np.linalg.norm((run8.forget_gate[0] - 1) * run8.memory[0])

# %% exercise-2
run10 = studies.step_by_step(seq_len=10)
S = run10.attention.shape[-1] - 1                       # the last row and column are the input row
answer_2 = run10.attention[:, :, :S, S].mean() * (S + 1)  # slot rows (the input row's own query is dropped),
                                                        # input column, as a multiple of 1/(S+1)

# %% exercise-3
# Each step keeps f ~ sigmoid(1) of what is left of M_0 (per unit): after 10 steps, sigmoid(1) ** 10.
prediction_3 = (1 / (1 + np.exp(-1))) ** 10
run10 = studies.step_by_step(seq_len=10)
answer_3 = np.prod(run10.forget_gate, axis=0).mean()    # each unit's product over the steps, then the mean
