"""Solutions to the exercises of notebooks/04_memory_evolution.ipynb - for instructors.

Each "# %% exercise-N" section replaces the notebook's code cell tagged "exercise-N" (the one
that says `answer_N = None`). The sections run in the notebook's namespace: they may use what
the notebook defined before the exercise (np, studies, result, ...). Build the filled-in
notebook with:  python tools/make_solutions_notebook.py notebooks/04_memory_evolution.ipynb
"""

# %% exercise-1
# the fixed point of step 15: where the update would settle if i, f and M~ stayed as they are
from rrnn import seed_models
net8 = seed_models.memory_model("hybrid", input_size=32, hidden_size=64, num_slots=8, slot_size=64, num_heads=2)
short = seed_models.trace(net8, make_sequence("step_up", 1, 15, 32, rng=42))
i8, f8, M_tilde8 = short.input_gate[-1, 0], short.forget_gate[-1, 0], short.attended[-1, 0]
answer_1 = np.linalg.norm(i8 * np.tanh(M_tilde8) / (1 - f8))

# %% exercise-2
# The norm, mean and std see the 256 numbers wherever they sit; the slot norms each row's length; the
# similarity the angles between rows. Reordering the units, the same way in every slot, keeps all of them
# (so does any rotation of the units, or a flipped sign), and moves the contents a long way.
M_final = result.memories[-1, 0]                      # (S, P)
answer_2 = M_final[:, ::-1]                           # the units in reverse order, in every slot
print("statistics differ:", round(seed_models.relative_difference(studies.seed_statistics(answer_2),
                                                                  studies.seed_statistics(M_final)), 3),
      " contents differ:", round(seed_models.relative_difference(answer_2, M_final), 2))

# %% exercise-3
# The prediction, reasoned before computing: trained to name the pattern at any loudness (0.25 to 4), the
# memory should keep what tells the patterns apart and let the loudness matter less: the pattern moves it more.
prediction_3 = 3.0                                  # "several times more": a guess, not a measurement
trained = seed_models.memory_model("trained-rmc", input_size=32, hidden_size=64, num_slots=4, slot_size=64,
                                   num_heads=2)
final = lambda pattern, amplitude: seed_models.trace(
    trained, make_sequence(pattern, 1, 15, 32, amplitude=amplitude, rng=42)).memories[-1, 0]
by_pattern = seed_models.relative_difference(final("step_up", 1.0), final("noise", 1.0))
by_amplitude = seed_models.relative_difference(final("step_up", 1.0), final("step_up", 2.0))
answer_3 = by_pattern / by_amplitude

# %% exercise-4
eight = studies.memory_evolution(num_slots=8)
means = [studies.mean_offdiagonal(studies.cosine_similarity(memory[0])) for memory in eight.memories[1:]]
answer_4 = 1 + int(np.argmax(np.array(means) > 0.85))
