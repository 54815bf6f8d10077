"""Solutions to the exercises of notebooks/09_inside_the_trained_rmc.ipynb - for instructors.

Each "# %% exercise-N" section replaces the notebook's code cell tagged "exercise-N". The sections
run in the notebook's namespace (np, q, tr, by_role, ...). Build the filled-in notebook with:
python tools/make_solutions_notebook.py notebooks/09_inside_the_trained_rmc.ipynb
"""

# %% exercise-1
def make_query(a):
    # q·[b, |b|²] = -2a·b + |b|² = |a - b|² - |a|²: largest for the farthest b
    return np.r_[-2 * a, 1.0]

# %% exercise-2
by_role_2 = interpret.attention_to_input(tr, q, mask=q.nth > 0)           # (T, A, S, role)
answer_2 = (by_role_2[1:, :, :, 0] - by_role_2[1:, :, :, 2]).mean(axis=(0, 2))   # steps 2-4, per head

# %% exercise-3
prediction_3 = 2000     # the two-slot RMC leaves the plateau near step 1,600; one slot, later
from rrnn.training import first_step_above
records_3 = ablations.load_records()
answer_3 = float(np.median([first_step_above(records_3[f"rmc-1slot-s{s}"]["history"], ablations.LEFT_PLATEAU)
                            for s in ablations.SEEDS]))
