"""Solutions to the exercises of notebooks/07_memory_capacity.ipynb - for instructors.

Each "# %% exercise-N" section replaces the notebook's code cell tagged "exercise-N"; it runs
in the notebook's namespace (np, rrnn, studies, result, ...). Build the filled-in notebook with:
python tools/make_solutions_notebook.py notebooks/07_memory_capacity.ipynb
"""

# %% exercise-1
def memory_numbers(num_slots):
    cell = rrnn.RelationalRNNCell(32, 64, num_slots=num_slots, slot_size=64, num_heads=2)
    return cell.init_memory(batch_size=1).size          # (1, S, 64)


answer_1 = memory_numbers(8) - memory_numbers(1)

# %% exercise-2
prediction_2 = 1 / 17                  # a uniform reader's share, written before measuring
answer_2 = float(studies.memory_capacity(model="rmc", slot_counts=(16,)).input_attention[0])

# %% exercise-3
prediction_3 = 0.0                     # one slot is enough on this task, so no gain expected
X, y = seed_models.evaluation_set()[-1]                      # 100 sequences of 25 steps
accuracy = {S: (seed_models.trained_model(pretrained.rmc_name(S)).predict(X) == y).mean() for S in (1, 8)}
answer_3 = accuracy[8] - accuracy[1]
