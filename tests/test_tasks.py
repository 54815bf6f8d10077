"""The synthetic tasks: layout, labels recomputed independently, randomness, bad arguments."""
import itertools
import math

import numpy as np
import pytest

from rrnn.tasks import TASKS, associative_recall, nth_farthest


# ---------------------------------------------------------------- nth farthest
def decode_nth_farthest(x, vector_dim):
    """Read one example (N, F + 3N) back into (vectors by id, reference, nth), row by row."""
    N, F = x.shape[0], vector_dim
    vectors = {}
    for row in x:
        own = row[F:F + N]
        assert sorted(own) == [0.0] * (N - 1) + [1.0], "own id must be a one-hot"
        vectors[int(np.argmax(own))] = row[:F]
    reference = [int(np.argmax(row[F + N:F + 2 * N])) for row in x]
    nth = [int(np.argmax(row[F + 2 * N:])) for row in x]
    assert len(set(reference)) == 1 and len(set(nth)) == 1, "reference and nth must repeat in every row"
    return vectors, reference[0], nth[0]


def brute_force_label(vectors, reference, nth):
    """The id of the nth nearest vector to the reference (nth = 0: the reference itself)."""
    def distance(a, b):
        return math.sqrt(sum((float(p) - float(q)) ** 2 for p, q in zip(a, b)))
    by_distance = sorted(vectors, key=lambda i: distance(vectors[reference], vectors[i]))
    return by_distance[nth]


@pytest.mark.parametrize("B, N, F", [(1, 1, 1), (5, 2, 3), (64, 4, 4), (32, 8, 16)])
def test_nth_farthest_shapes_and_dtypes(B, N, F):
    X, y = nth_farthest(B, N, F, rng=0)
    assert X.shape == (B, N, F + 3 * N) and X.dtype == np.float64
    assert y.shape == (B,) and y.dtype == np.int64
    assert y.min() >= 0 and y.max() < N


@pytest.mark.parametrize("N, F", [(2, 1), (4, 4), (8, 16)])
def test_nth_farthest_labels_match_a_brute_force_recomputation_from_the_rows(N, F):
    X, y = nth_farthest(300, N, F, rng=7)
    for b in range(len(X)):
        vectors, reference, nth = decode_nth_farthest(X[b], F)
        assert sorted(vectors) == list(range(N)), "ids must be a permutation of 0..N-1"
        assert y[b] == brute_force_label(vectors, reference, nth), f"example {b}"


def test_nth_zero_is_the_reference_itself_and_nth_last_is_the_farthest():
    N, F = 5, 3
    X, y = nth_farthest(2000, N, F, rng=1)
    seen = set()
    for b in range(len(X)):
        vectors, reference, nth = decode_nth_farthest(X[b], F)
        if nth == 0:
            assert y[b] == reference
        if nth == N - 1:
            far = max(vectors, key=lambda i: np.linalg.norm(vectors[i] - vectors[reference]))
            assert y[b] == far
        seen.add(nth)
    assert seen == set(range(N))


def test_nth_farthest_rows_are_shuffled_independently_per_example():
    N, F = 4, 2
    X, _ = nth_farthest(4800, N, F, rng=2)
    orders = [tuple(np.argmax(x[:, F:F + N], axis=1)) for x in X]   # own id at each position
    counts = {perm: orders.count(perm) for perm in itertools.permutations(range(N))}
    # All 24 orders appear about 4800/24 = 200 times each (the identity is not special).
    assert min(counts.values()) > 130 and max(counts.values()) < 270, counts


def test_nth_farthest_vectors_reference_and_nth_are_uniform():
    N, F = 4, 3
    X, y = nth_farthest(8000, N, F, rng=3)
    vectors = X[:, :, :F]
    assert vectors.min() >= -1.0 and vectors.max() <= 1.0
    assert abs(vectors.mean()) < 0.01 and abs(vectors.var() - 1 / 3) < 0.01   # U(-1, 1): var 1/3
    for block in (1, 2):   # reference, nth
        ids = np.argmax(X[:, 0, F + block * N:F + (block + 1) * N], axis=1)
        assert np.all(np.abs(np.bincount(ids, minlength=N) / len(ids) - 1 / N) < 0.02)
    assert np.all(np.abs(np.bincount(y, minlength=N) / len(y) - 1 / N) < 0.02)


def test_the_documented_shortcut_scores_two_over_n():
    """'If nth = 0 answer the reference, else guess another id' is right 2/N of the time."""
    N, F = 4, 4
    X, y = nth_farthest(40000, N, F, rng=4)
    reference = np.argmax(X[:, 0, F + N:F + 2 * N], axis=1)
    nth = np.argmax(X[:, 0, F + 2 * N:], axis=1)
    guess = (reference + np.random.default_rng(5).integers(1, N, size=len(y))) % N   # any id but the reference
    shortcut = np.where(nth == 0, reference, guess)
    assert abs((shortcut == y).mean() - 2 / N) < 0.01
    assert np.all(y[nth == 0] == reference[nth == 0])


# ---------------------------------------------------------------- associative recall
def brute_force_recall(x, num_keys, num_values):
    """The value shown with the queried key, read row by row."""
    *pairs, query = x
    asked = int(np.argmax(query[:num_keys]))
    for row in pairs:
        if np.argmax(row[:num_keys]) == asked:
            return int(np.argmax(row[num_keys:num_keys + num_values]))
    raise AssertionError("the queried key was never shown")


@pytest.mark.parametrize("P, K, V", [(1, 1, 1), (2, 4, 4), (3, 8, 5), (6, 6, 10)])
def test_associative_recall_layout_and_labels(P, K, V):
    X, y = associative_recall(400, P, K, V, rng=0)
    assert X.shape == (400, P + 1, K + V + 1) and X.dtype == np.float64
    assert y.shape == (400,) and y.dtype == np.int64
    assert np.all(X[:, :P, -1] == 0) and np.all(X[:, P, -1] == 1), "only the last step is the query"
    assert np.all(X[:, P, K:K + V] == 0), "the query shows no value"
    assert np.all(X[:, :, :K].sum(-1) == 1) and np.all(X[:, :P, K:K + V].sum(-1) == 1)
    for b in range(len(X)):
        keys = np.argmax(X[b, :P, :K], axis=1)
        assert len(set(keys)) == P, "keys are distinct within a sequence"
        assert y[b] == brute_force_recall(X[b], K, V), f"example {b}"


def test_associative_recall_labels_and_queried_positions_are_uniform():
    P, K, V = 3, 6, 4
    X, y = associative_recall(12000, P, K, V, rng=1)
    query = np.argmax(X[:, P, :K], axis=1)
    position = np.argmax(np.argmax(X[:, :P, :K], axis=2) == query[:, None], axis=1)
    assert np.all(np.abs(np.bincount(position, minlength=P) / len(y) - 1 / P) < 0.02)
    assert np.all(np.abs(np.bincount(y, minlength=V) / len(y) - 1 / V) < 0.02)


# ---------------------------------------------------------------- randomness
def call(task, rng):
    return nth_farthest(16, 4, 3, rng=rng) if task == "nth-farthest" else associative_recall(16, 3, 5, 4, rng=rng)


@pytest.mark.parametrize("task", sorted(TASKS))
def test_same_seed_same_bits_and_no_global_state(task):
    before = np.random.get_state()[1].copy()
    X1, y1 = call(task, 123)
    X2, y2 = call(task, np.random.default_rng(123))
    assert X1.tobytes() == X2.tobytes() and np.array_equal(y1, y2)
    X3, _ = call(task, 124)
    assert not np.array_equal(X1, X3)
    assert np.array_equal(np.random.get_state()[1], before), "the global NumPy state must not move"


@pytest.mark.parametrize("task", sorted(TASKS))
def test_a_generator_advances_so_successive_batches_differ(task):
    rng = np.random.default_rng(0)
    assert not np.array_equal(call(task, rng)[0], call(task, rng)[0])


# ---------------------------------------------------------------- bad arguments
@pytest.mark.parametrize("kwargs, error, message", [
    (dict(batch_size=0), ValueError, r"batch_size must be a positive int \(>= 1\), got 0"),
    (dict(num_vectors=2.0), TypeError, r"num_vectors must be a positive int, got 2.0 \(float\)"),
    (dict(vector_dim=-3), ValueError, r"vector_dim must be a positive int \(>= 1\), got -3"),
    (dict(rng="seed"), TypeError, r"rng must be None, a non-negative int seed or a numpy.random.Generator, got 'seed'"),
])
def test_nth_farthest_rejects_bad_arguments(kwargs, error, message):
    args = dict(batch_size=2, num_vectors=4, vector_dim=3, rng=0) | kwargs
    with pytest.raises(error, match=message):
        nth_farthest(**args)


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(num_pairs=0), ValueError, r"num_pairs must be a positive int \(>= 1\), got 0"),
    (dict(num_values=True), TypeError, r"num_values must be a positive int, got True"),
    (dict(num_keys=2), ValueError, r"num_keys must be >= num_pairs = 3 .* got 2"),
])
def test_associative_recall_rejects_bad_arguments(kwargs, error, message):
    args = dict(batch_size=2, num_pairs=3, num_keys=5, num_values=4, rng=0) | kwargs
    with pytest.raises(error, match=message):
        associative_recall(**args)


def test_nth_farthest_parts_reads_the_rows_back():
    from rrnn.tasks import nth_farthest_parts
    X, y = nth_farthest(50, 5, 3, rng=3)
    parts = nth_farthest_parts(X, 5, 3)
    assert parts["vectors"].shape == (50, 5, 3)
    for b in range(50):
        by_id = parts["vectors"][b][np.argsort(parts["ids"][b])]
        d = np.linalg.norm(by_id - by_id[parts["reference"][b]], axis=1)
        assert np.argsort(d, kind="stable")[parts["nth"][b]] == y[b]


# ---------------------------------------------------------------- which pattern
def test_which_pattern_makes_the_studies_sequences_and_names_them():
    from rrnn.patterns import make_sequence
    from rrnn.tasks import PATTERN_NAMES, which_pattern
    X, y = which_pattern(400, rng=3)
    assert X.dtype == np.float64 and y.dtype == np.int64 and X.shape[0] == 400 and X.shape[2] == 32
    assert 10 <= X.shape[1] <= 25 and set(y) == set(range(9))
    T = X.shape[1]
    # each row is its pattern up to a positive scale: regenerate the shape that identifies it
    for k, name in enumerate(PATTERN_NAMES):
        rows = X[y == k]
        if name == "constant":
            assert np.allclose(rows[:, 1:], rows[:, :1])
        if name == "motif":
            assert np.allclose(rows[:, 4:], rows[:, :-4])
        if name == "pulse":
            assert np.all(rows[:, [t for t in range(T) if t != 2]] == 0) and np.all(np.abs(rows[:, 2]).sum(-1) > 0)
        if name == "ramp":
            assert np.all(rows[:, 0] == 0) and np.allclose(rows[:, 2], 2 * rows[:, 1])
    # amplitudes within the range: the scale of a constant row against a fresh draw's spread
    constant = X[y == PATTERN_NAMES.index("sine")]
    peak = np.abs(constant).max(axis=(1, 2))
    assert np.all(peak <= 4.0 + 1e-9) and np.all(peak >= 0.25 * 0.5)


def test_which_pattern_is_reproducible_and_each_batch_draws_its_length():
    from rrnn.tasks import which_pattern
    a, b = which_pattern(8, rng=5), which_pattern(8, rng=5)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    rng = np.random.default_rng(0)
    assert len({which_pattern(2, rng=rng)[0].shape[1] for _ in range(30)}) > 5
    assert which_pattern(3, min_len=7, max_len=7, rng=0)[0].shape == (3, 7, 32)


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(min_len=12, max_len=11), ValueError, "min_len must be <= max_len, got min_len=12, max_len=11"),
    (dict(min_len=0), ValueError, "min_len must be a positive int"),
    (dict(min_amplitude=0.0), ValueError, "0 < min_amplitude <= max_amplitude"),
    (dict(min_amplitude=2.0, max_amplitude=1.0), ValueError, "min_amplitude=2.0, max_amplitude=1.0"),
    (dict(input_size=2.5), TypeError, "input_size must be a positive int"),
])
def test_which_pattern_refuses_bad_settings_by_name(kwargs, error, message):
    from rrnn.tasks import which_pattern
    with pytest.raises(error, match=message):
        which_pattern(4, rng=0, **kwargs)
