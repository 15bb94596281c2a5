"""Bad input battery: neurost.save and neurost.load.

Each call takes the folder of the test (``tmp_path``) to write its files in.
"""

import numpy as np
import pytest
import torch
from safetensors.torch import save_file
from sklearn.linear_model import Ridge

import neurost
from neurost.features import BackboneFeatures, Delayer


def _file(folder, name, content):
    path = folder / name
    path.write_bytes(content)
    return path


def _saved(folder):
    path = folder / "delayer.safetensors"
    neurost.save(Delayer((0, 1)).fit(np.zeros((2, 1))), path)
    return path


def _truncated(folder):
    return _file(folder, "truncated.safetensors", _saved(folder).read_bytes()[:-20])


def _foreign(folder):
    path = folder / "foreign.safetensors"
    save_file({"weight": torch.zeros(2)}, path)
    return path


def _custom_backbone():
    return BackboneFeatures(torch.nn.Conv2d(3, 2, 4, stride=4), device="cpu").fit(
        np.zeros((1, 8, 8, 3))
    )


CASES = [
    pytest.param(lambda d: neurost.save(Ridge(), d / "a.safetensors"), TypeError,
                 "estimator", id="save-sklearn-estimator"),
    pytest.param(lambda d: neurost.save("model", d / "a.safetensors"), TypeError,
                 "estimator", id="save-string"),
    pytest.param(lambda d: neurost.save(Delayer(), 42), TypeError, "path", id="save-path-int"),
    pytest.param(lambda d: neurost.save(Delayer(), d / "a", overwrite="yes"), TypeError,
                 "overwrite", id="save-overwrite-str"),
    pytest.param(lambda d: neurost.save(Delayer(), _saved(d)), FileExistsError,
                 "overwrite=True", id="save-existing"),
    pytest.param(lambda d: neurost.save(Delayer(), d), IsADirectoryError, "directory",
                 id="save-directory"),
    pytest.param(lambda d: neurost.save(Delayer(), d / "no" / "a.safetensors"),
                 FileNotFoundError, "does not exist", id="save-missing-folder"),
    pytest.param(lambda d: neurost.save(_custom_backbone(), d / "b.safetensors"),
                 TypeError, "BackboneFeatures.model", id="save-custom-module"),
    pytest.param(lambda d: neurost.load(42), TypeError, "path", id="load-int"),
    pytest.param(lambda d: neurost.load(d / "missing.safetensors"), FileNotFoundError,
                 "missing.safetensors", id="load-missing"),
    pytest.param(lambda d: neurost.load(d), ValueError, "directory", id="load-directory"),
    pytest.param(lambda d: neurost.load(_file(d, "text.safetensors", b"hello")), ValueError,
                 "text.safetensors", id="load-text-file"),
    pytest.param(lambda d: neurost.load(_file(d, "empty.safetensors", b"")), ValueError,
                 "empty.safetensors", id="load-empty-file"),
    pytest.param(lambda d: neurost.load(_truncated(d)), ValueError, "truncated.safetensors",
                 id="load-truncated"),
    pytest.param(lambda d: neurost.load(_foreign(d)), ValueError, "neurost.save",
                 id="load-foreign-safetensors"),
]


@pytest.mark.parametrize("call, expected, fragment", CASES)
def test_bad_input(call, expected, fragment, check_row, tmp_path):
    check_row(lambda: call(tmp_path), expected, fragment)
