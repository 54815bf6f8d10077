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
prediction_2 = 0     # head 0 reads the input row when it is the reference (section 3)

# %% exercise-3
table_rows = {row["variant"]: row for row in ablations.summary(ablations.load_records())}
prediction_3 = table_rows["rmc-1slot"]["final"][0]     # the one-slot median, read from the table
