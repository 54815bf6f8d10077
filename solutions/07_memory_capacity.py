"""Solutions to the exercises of notebooks/07_memory_capacity.ipynb - for instructors.

Each "# %% exercise-N" section replaces the notebook's code cell tagged "exercise-N"; it runs
in the notebook's namespace (np, rrnn, studies, result, ...). Build the filled-in notebook with:
python tools/make_solutions_notebook.py notebooks/07_memory_capacity.ipynb
"""

# %% exercise-1
def attention_count(num_slots, num_heads):
    # the S slots and the input row all read (one query each) and are all read (one key each), per head
    return num_heads * (num_slots + 1) ** 2


net = seed_models.memory_model("rmc", input_size=32, hidden_size=64, num_slots=8, slot_size=64, num_heads=2)
print("a trace's attention for one step and example:", seed_models.trace(net, x[:1, :2]).attention[0, 0].shape,
      "->", attention_count(8, 2))
answer_1 = attention_count

# %% exercise-2
prediction_2 = 0.07                     # section 2: a little above 1/(S+1) (0.150 against 0.111 at 8), written first
answer_2 = float(studies.memory_capacity(slot_counts=(16,)).input_attention[0])   # section 2's model, 16 slots

# %% exercise-3
prediction_3 = 0.0                     # one slot is enough on this task, so no gain expected
X, y = seed_models.evaluation_set()[-1]                      # 100 sequences of 25 steps
accuracy = {S: (seed_models.trained_model(pretrained.rmc_name(S)).predict(X) == y).mean() for S in (1, 8)}
answer_3 = accuracy[8] - accuracy[1]
