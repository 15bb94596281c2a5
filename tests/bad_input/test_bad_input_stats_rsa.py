"""Bad-input battery of neurost.stats.rsa (RDMs, comparisons, noise ceilings, ROI table)."""

import numpy as np
import pytest

from neurost.stats.rsa import (
    compare_rdms,
    feature_rdms,
    rdm,
    roi_rdms,
    rsa_noise_ceiling,
    rsa_table,
)

RESPONSES = np.random.default_rng(0).normal(size=(4, 6))
RDM = rdm(RESPONSES)
STACK = rdm(np.stack([RESPONSES, RESPONSES[::-1]]))
LABELS = np.array([1, 1, 1, 2, 2, 2])


def _with_nan(array):
    array = np.array(array, dtype=float)
    array.flat[1] = np.nan
    return array


def _asymmetric():
    matrix = RDM.copy()
    matrix[0, 1] += 1
    return matrix


CASES = [
    pytest.param(lambda: roi_rdms(np.random.default_rng(0).normal(size=(4, 3)), ["V1", None, "V1"]), TypeError, "roi_labels", id="roi-rdms-none-label"),
    pytest.param(lambda: feature_rdms({"a": np.empty((0, 3))}), ValueError, "features", id="feature-rdms-empty"),
    # rdm
    pytest.param(lambda: rdm(RESPONSES, metric="cosine"), ValueError, "metric", id="rdm-metric-unknown"),
    pytest.param(lambda: rdm(RESPONSES[0]), ValueError, "responses", id="rdm-1d"),
    pytest.param(lambda: rdm(RESPONSES[:2]), ValueError, "responses", id="rdm-two-conditions"),
    pytest.param(lambda: rdm(_with_nan(RESPONSES)), ValueError, "responses", id="rdm-nan"),
    pytest.param(lambda: rdm(None), TypeError, "responses", id="rdm-none"),
    pytest.param(lambda: rdm([["a", "b"]] * 3), TypeError, "responses", id="rdm-text"),
    pytest.param(lambda: rdm(RESPONSES + 1j), TypeError, "responses", id="rdm-complex"),
    pytest.param(lambda: rdm(np.ones((4, 3))), ValueError, "responses", id="rdm-constant-pattern"),
    pytest.param(lambda: rdm(np.ones((2, 2, 4, 3))), ValueError, "responses", id="rdm-4d"),
    # roi_rdms
    pytest.param(lambda: roi_rdms(RESPONSES, LABELS[:5]), ValueError, "roi_labels", id="roi-labels-length"),
    pytest.param(lambda: roi_rdms(RESPONSES, LABELS[:, None]), ValueError, "roi_labels", id="roi-labels-2d"),
    pytest.param(lambda: roi_rdms(RESPONSES, np.zeros(6), background=0), ValueError, "roi_labels", id="roi-only-background"),
    pytest.param(lambda: roi_rdms(RESPONSES.T, LABELS), ValueError, "roi_labels", id="roi-transposed"),
    pytest.param(lambda: roi_rdms(np.c_[RESPONSES[:, :3], np.ones((4, 3))], LABELS), ValueError, "responses", id="roi-constant-pattern"),
    # feature_rdms
    pytest.param(lambda: feature_rdms(RESPONSES), TypeError, "features", id="features-not-dict"),
    pytest.param(lambda: feature_rdms({}), TypeError, "features", id="features-empty"),
    pytest.param(lambda: feature_rdms({"fc": RESPONSES[:, 0]}), ValueError, "features", id="features-1d"),
    pytest.param(lambda: feature_rdms({"fc": RESPONSES, "conv": RESPONSES[:3]}), ValueError, "features", id="features-conditions-mismatch"),
    pytest.param(lambda: feature_rdms({"fc": None}), TypeError, "features", id="features-none"),
    # compare_rdms
    pytest.param(lambda: compare_rdms(RDM, RDM, method="pearson"), ValueError, "method", id="compare-method-unknown"),
    pytest.param(lambda: compare_rdms(RDM, RDM, method="kendall"), ValueError, "method", id="compare-tau-b"),
    pytest.param(lambda: compare_rdms(RDM, RDM[:3, :3]), ValueError, "b", id="compare-shape-mismatch"),
    pytest.param(lambda: compare_rdms(RDM[:, :3], RDM), ValueError, "a", id="compare-not-square"),
    pytest.param(lambda: compare_rdms(RDM[np.triu_indices(4, 1)], RDM), ValueError, "a", id="compare-condensed"),
    pytest.param(lambda: compare_rdms(_asymmetric(), RDM), ValueError, "a", id="compare-asymmetric"),
    pytest.param(lambda: compare_rdms(RDM, RDM + np.eye(4)), ValueError, "b", id="compare-diagonal"),
    pytest.param(lambda: compare_rdms(RDM, _with_nan(RDM)), ValueError, "b", id="compare-nan"),
    pytest.param(lambda: compare_rdms(RDM, 1 - np.eye(4)), ValueError, "b", id="compare-spearman-constant"),
    pytest.param(lambda: compare_rdms(np.zeros((4, 4)), RDM, method="whitened_cosine"), ValueError, "a", id="compare-cosine-zero"),
    pytest.param(lambda: compare_rdms(STACK, RDM), ValueError, "a", id="compare-stack"),
    pytest.param(lambda: compare_rdms(RDM, "rdm"), TypeError, "b", id="compare-text"),
    # rsa_noise_ceiling
    pytest.param(lambda: rsa_noise_ceiling(RDM), ValueError, "rdms", id="ceiling-one-rdm"),
    pytest.param(lambda: rsa_noise_ceiling(STACK[:1]), ValueError, "rdms", id="ceiling-stack-of-one"),
    pytest.param(lambda: rsa_noise_ceiling(np.stack([RESPONSES] * 2)), ValueError, "rdms", id="ceiling-responses-not-rdms"),
    pytest.param(lambda: rsa_noise_ceiling(STACK, method="tau-a"), ValueError, "method", id="ceiling-rsatoolbox-name"),
    # rsa_table
    pytest.param(lambda: rsa_table(RDM, {"fc": RDM}), TypeError, "brain_rdms", id="table-brain-not-dict"),
    pytest.param(lambda: rsa_table({"V1": RDM}, []), TypeError, "model_rdms", id="table-models-not-dict"),
    pytest.param(lambda: rsa_table({"V1": RDM}, {"fc": STACK}), ValueError, "model_rdms", id="table-model-stack"),
    pytest.param(lambda: rsa_table({"V1": RDM}, {"fc": RDM[:3, :3]}), ValueError, "model_rdms", id="table-conditions-mismatch"),
    pytest.param(lambda: rsa_table({"V1": RDM, "V2": RDM[:3, :3]}, {"fc": RDM}), ValueError, "brain_rdms", id="table-roi-conditions-mismatch"),
    pytest.param(lambda: rsa_table({"V1": RDM}, {"fc": RDM}, noise_ceiling=True), ValueError, "noise_ceiling", id="table-ceiling-single-rdm"),
    pytest.param(lambda: rsa_table({"V1": STACK}, {"fc": RDM}, noise_ceiling="yes"), TypeError, "noise_ceiling", id="table-ceiling-text"),
    pytest.param(lambda: rsa_table({"V1": STACK}, {"fc": 1 - np.eye(4)}), ValueError, "model_rdms", id="table-spearman-constant-model"),
    pytest.param(lambda: rsa_table({"V1": np.stack([RDM, 1 - np.eye(4)])}, {"fc": RDM}), ValueError, "brain_rdms", id="table-spearman-constant-repeat"),
    pytest.param(lambda: rsa_table({"V1": STACK}, {"fc": RDM}, method="cosine"), ValueError, "method", id="table-method-unknown"),
]


@pytest.mark.parametrize(("call", "expected", "fragment"), CASES)
def test_bad_input(call, expected, fragment, check_row):
    check_row(call, expected, fragment)
