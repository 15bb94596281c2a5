"""The scikit-learn estimator checks that neurost's estimators fail on purpose.

One registry for the whole package, so that every exception to
scikit-learn's API contract is listed, with its reason, in one place. The
tests pass it to ``sklearn.utils.estimator_checks.parametrize_with_checks``::

    @parametrize_with_checks([Delayer()], expected_failed_checks=expected_failed_checks)
"""

_TIME_SERIES = (
    "rows are samples of one time series: a row's output depends on the "
    "rows before it, so it changes when rows are reordered or subset"
)

EXPECTED_FAILED_CHECKS = {
    "Delayer": {
        "check_methods_sample_order_invariance": _TIME_SERIES,
        "check_methods_subset_invariance": _TIME_SERIES,
    },
    "MotionEnergy": {
        "check_methods_sample_order_invariance": _TIME_SERIES,
        "check_methods_subset_invariance": _TIME_SERIES,
    },
    "VideoEncoder": {
        "check_methods_sample_order_invariance": _TIME_SERIES,
        "check_methods_subset_invariance": _TIME_SERIES,
    },
    "TabletClassifier": {
        "check_classifiers_train": (
            "a row is a one-frame, one-token run and the transformer "
            "layer-normalises each token, so only the pattern across a row's "
            "features remains (not its mean or scale): the 2-feature blobs of "
            "the check are not separable to its accuracy threshold"
        ),
    },
    # The targets are flow fields of shape (n, frames_per_tr, grid_h, grid_w,
    # 2); the checks fit with 1-D or 2-D y, which FlowDecoder refuses, so
    # every check that has to fit fails on y alone. tests/decoding covers
    # the same behaviours (fit returns self, refit, pickling, n_features_in_,
    # NaN refusal, dtypes, clone, Pipeline, cross_val_score) on flow data.
    "FlowDecoder": {
        **{
            name: "fits with 1-D or 2-D y; FlowDecoder needs 5-D flow fields"
            for name in (
                "check_dict_unchanged",
                "check_dont_overwrite_parameters",
                "check_estimators_dtypes",
                "check_estimators_fit_returns_self",
                "check_estimators_nan_inf",
                "check_estimators_overwrite_params",
                "check_estimators_pickle",
                "check_f_contiguous_array_estimator",
                "check_fit2d_1feature",
                "check_fit2d_1sample",
                "check_fit2d_predict1d",
                "check_fit_check_is_fitted",
                "check_fit_idempotent",
                "check_fit_score_takes_y",
                "check_n_features_in",
                "check_n_features_in_after_fitting",
                "check_positive_only_tag_during_fit",
                "check_readonly_memmap_input",
                "check_regressor_data_not_an_array",
                "check_regressor_multioutput",
                "check_regressors_int",
                "check_regressors_no_decision_function",
                "check_regressors_train",
            )
        },
        "check_complex_data": "complex fMRI is refused with a TypeError, not a ValueError",
        "check_dtype_object": "object arrays are refused with a TypeError rather than converted",
    },
}


def expected_failed_checks(estimator):
    """Return ``{check name: reason}`` for the checks ``estimator`` fails."""
    return dict(EXPECTED_FAILED_CHECKS.get(type(estimator).__name__, {}))
