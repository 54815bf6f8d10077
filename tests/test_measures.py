"""rrnn.measures: the small measures the studies and the model choices share, from one place."""
import numpy as np
import pytest

from rrnn import measures, seed_models, studies


def test_cosine_similarity_of_parallel_orthogonal_and_zero_rows():
    sim = measures.cosine_similarity(np.array([[1.0, 0.0], [2.0, 0.0], [0.0, 3.0], [0.0, 0.0]]))
    np.testing.assert_allclose(sim[:3, :3], [[1, 1, 0], [1, 1, 0], [0, 0, 1]])
    assert np.all(sim[3] == 0)                                              # a zero row is like nothing


def test_mean_offdiagonal_leaves_out_the_diagonal():
    assert measures.mean_offdiagonal(np.array([[9.0, 1.0], [3.0, 9.0]])) == 2.0
    assert np.isnan(measures.mean_offdiagonal(np.ones((1, 1))))


def test_relative_difference_runs_from_equal_to_opposite():
    a = np.array([3.0, 4.0])
    assert measures.relative_difference(a, a) == 0 and measures.relative_difference(a, -a) == 1
    assert measures.relative_difference(np.zeros(2), np.zeros(2)) == 0


def test_window_means_and_output_stats():
    np.testing.assert_allclose(measures.window_means(np.arange(1, 16)), [3, 8, 13])
    assert measures.OutputStats.of([1.0, 3.0]) == (2.0, 1.0, 1.0, 3.0)


def test_shared_projection_is_signed_and_orthonormal():
    rows = np.random.default_rng(0).standard_normal((20, 5))
    basis = measures.shared_projection(rows)
    np.testing.assert_allclose(basis @ basis.T, np.eye(2), atol=1e-12)
    assert np.all(basis[np.arange(2), np.abs(basis).argmax(axis=1)] > 0)


@pytest.mark.parametrize("module, name", [(studies, "cosine_similarity"), (studies, "mean_offdiagonal"),
                                          (studies, "window_means"), (studies, "OutputStats"),
                                          (studies, "shared_projection"), (seed_models, "relative_difference")])
def test_the_modules_the_notebooks_use_hand_out_the_same_measures(module, name):
    assert getattr(module, name) is getattr(measures, name)


def test_measures_import_nothing_from_the_package():
    source = open(measures.__file__).read()
    assert "from ." not in source and "import rrnn" not in source
