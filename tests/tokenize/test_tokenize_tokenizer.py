"""SliceTokenizer: token layout, shapes, scaling, inversion, streaming, errors."""

import pickle

import nibabel
import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.utils.estimator_checks import parametrize_with_checks

import neurost.tokenize.tokenizer as tokenizer_module
from neurost._utils.estimator_checks import expected_failed_checks
from neurost.tokenize import ImageAutoencoder, SliceTokenizer
from neurost.tokenize.conform import MNI_2MM_AFFINE, MNI_2MM_SHAPE, Conformer
from neurost.tokenize.scaling import apply_scaling, fit_scaling, invert_scaling

AFFINE_2MM = np.diag([2.0, 2.0, 2.0, 1.0])


def _first_channel(module, images):
    return images[:, :1]


def _three_channels(module, latents):
    return latents.expand(-1, 3, -1, -1)


def identity_autoencoder():
    """f = 1, c = 1: a slice's latents are its pixels."""
    return ImageAutoencoder(
        torch.nn.Identity(), _first_channel, _three_channels, 1, 1, "identity", "cpu"
    )


def run_image(shape, n_frames, seed=0, offset=100.0):
    rng = np.random.default_rng(seed)
    data = (offset + rng.normal(size=tuple(shape) + (n_frames,))).astype(np.float32)
    image = nibabel.Nifti1Image(data, AFFINE_2MM)
    image.header.set_xyzt_units("mm", "sec")
    image.header["pixdim"][4] = 2.0
    return image


def test_token_layout_by_hand():
    image = run_image((8, 8, 8), 3)
    tokenizer = SliceTokenizer(
        identity_autoencoder(), grid_size=8, token_size=4, scaling="tablet"
    ).fit()
    assert tokenizer.cube_grid_ == (2, 2, 2)
    assert (tokenizer.n_tokens_, tokenizer.token_dim_) == (8, 3 * 4 * 4 * 4)
    tokens = tokenizer.transform(image)
    data = image.get_fdata(dtype=np.float32)
    scaled = 2 * data / data.max() - 1
    for i, j, k in np.ndindex(2, 2, 2):
        cube = scaled[4 * i : 4 * i + 4, 4 * j : 4 * j + 4, 4 * k : 4 * k + 4, 1]
        token = tokens[1, i * 4 + j * 2 + k]
        np.testing.assert_allclose(token[:64], cube.ravel(), rtol=1e-5)
        np.testing.assert_allclose(token[64:128], cube.transpose(1, 0, 2).ravel(), rtol=1e-5)
        np.testing.assert_allclose(token[128:], cube.transpose(2, 0, 1).ravel(), rtol=1e-5)


def test_identity_round_trip_is_exact_and_axes_subset():
    image = run_image((8, 8, 8), 2, seed=1)
    tokenizer = SliceTokenizer(
        identity_autoencoder(), axes=(2, 0), grid_size=8, token_size=2,
        scaling="tablet",
    ).fit()
    assert tokenizer.token_dim_ == 2 * 2 * 2 * 2
    tokens = tokenizer.transform(image)
    scaled = tokenizer.inverse_transform(tokens)
    data = image.get_fdata(dtype=np.float32)
    np.testing.assert_allclose(scaled.get_fdata(), 2 * data / data.max() - 1, atol=1e-5)
    restored = tokenizer.inverse_transform(tokens, reference=image)
    np.testing.assert_allclose(restored.get_fdata(), data, rtol=1e-5)
    np.testing.assert_array_equal(restored.affine, AFFINE_2MM)


@pytest.mark.parametrize(
    "grid_size, token_size, n_tokens, token_dim",
    [(64, 32, 8, 3 * 32 * 1 * 32), (64, 64, 1, 3 * 64 * 4 * 32), (32, 32, 1, 3072)],
)
def test_builtin_token_shapes_follow_the_formula(grid_size, token_size, n_tokens, token_dim):
    tokenizer = SliceTokenizer(
        grid_size=grid_size, token_size=token_size, device="cpu"
    ).fit()
    assert (tokenizer.n_tokens_, tokenizer.token_dim_) == (n_tokens, token_dim)
    tokens = tokenizer.transform(run_image((20, 24, 18), 2))
    assert tokens.shape == (2, n_tokens, token_dim) and tokens.dtype == np.float32


def test_default_geometry_is_the_papers():
    tokenizer = SliceTokenizer(device="cpu").fit()
    assert (tokenizer.n_tokens_, tokenizer.token_dim_) == (27, 3072)
    assert tokenizer.cube_grid_ == (3, 3, 3)


def test_diffusers_dc_tokens(tmp_path):
    diffusers = pytest.importorskip("diffusers")
    torch.manual_seed(0)
    diffusers.AutoencoderDC(
        latent_channels=4,
        attention_head_dim=4,
        encoder_block_types="ResBlock",
        decoder_block_types="ResBlock",
        encoder_block_out_channels=(4, 8, 8, 8),
        decoder_block_out_channels=(4, 8, 8, 8),
        encoder_layers_per_block=(1, 1, 1, 1),
        decoder_layers_per_block=(1, 1, 1, 1),
        encoder_qkv_multiscales=((),) * 4,
        decoder_qkv_multiscales=((),) * 4,
    ).save_pretrained(tmp_path / "dc")
    tokenizer = SliceTokenizer(
        tmp_path / "dc", grid_size=32, token_size=16, device="cpu"
    ).fit()
    # f = 8, c = 4: (32/16)^3 tokens of 3 * 16 * (16/8)^2 * 4 dims
    assert (tokenizer.n_tokens_, tokenizer.token_dim_) == (8, 768)
    tokens = tokenizer.transform(run_image((20, 24, 18), 2))
    assert tokens.shape == (2, 8, 768)
    volumes = tokenizer.inverse_transform(tokens)
    assert volumes.shape == (32, 32, 32, 2)


def test_scaling_values_by_hand():
    frames = np.array([1, 2, 3, 4, 5, -7], np.float32).reshape(1, 1, 1, 6)
    mask = np.array([True] * 5 + [False]).reshape(1, 1, 6)
    signed = fit_scaling("signed", frames, mask)
    # median 3; |x - 3| = 2 1 0 1 2, 99th percentile 2
    assert (signed["center"], signed["scale"]) == (3.0, 2.0)
    np.testing.assert_allclose(
        apply_scaling(frames, signed, mask).ravel(), [-1, -0.5, 0, 0.5, 1, 0]
    )
    tablet = fit_scaling("tablet", frames, mask, run_max=5.0)
    np.testing.assert_allclose(
        apply_scaling(frames, tablet, mask).ravel(), [-0.6, -0.2, 0.2, 0.6, 1, -1],
        rtol=1e-6,
    )
    np.testing.assert_allclose(
        invert_scaling(np.array([-0.6, 1.0], np.float32), tablet), [1, 5], rtol=1e-6
    )
    np.testing.assert_allclose(
        invert_scaling(np.array([-0.5, 1.0], np.float32), signed), [2, 5]
    )


def test_signed_keeps_negative_signal_and_background():
    image = run_image((8, 8, 8), 4, offset=0.0)
    data = np.asarray(image.dataobj)
    data[:2] = 0  # a constant background slab
    kw = dict(grid_size=8, token_size=8, axes=(0,))
    signed = SliceTokenizer(identity_autoencoder(), scaling="signed", **kw).fit()
    tablet = SliceTokenizer(identity_autoencoder(), scaling="tablet", **kw).fit()
    s = signed.transform(image)[0, 0].reshape(8, 8, 8)
    t = tablet.transform(image)[0, 0].reshape(8, 8, 8)
    assert (s[:2] == 0).all() and (t[:2] == -1).all()
    brain = data[2:, ..., 0]
    median = np.median(data[2:])
    assert (s[2:][brain < median] < 0).all() and (s[2:][brain > median] > 0).all()
    assert (t[2:][brain < 0] == -1).all()
    assert s.min() >= -1 and s.max() <= 1


def test_builtin_reconstruction_correlates_with_input():
    shape = (40, 40, 40)
    grid = np.indices(shape).astype(np.float32)
    blob = np.exp(-((grid - 20) ** 2).sum(0) / (2 * 8.0**2))
    rng = np.random.default_rng(0)
    data = 100 + 50 * blob[..., None] + rng.normal(0, 1, shape + (2,))
    data[(grid[0] - 20) ** 2 + (grid[1] - 20) ** 2 + (grid[2] - 20) ** 2 > 18**2] = 0
    image = nibabel.Nifti1Image(data.astype(np.float32), AFFINE_2MM)
    tokenizer = SliceTokenizer(grid_size=64, device="cpu").fit()
    restored = tokenizer.inverse_transform(tokenizer.transform(image), reference=image)
    assert restored.shape == (64, 64, 64, 2)
    expected_affine = AFFINE_2MM.copy()
    expected_affine[:3, 3] = -24  # 12 voxels of padding on each side
    np.testing.assert_array_equal(restored.affine, expected_affine)
    original = Conformer(shape, AFFINE_2MM, 64)(data[..., :1])[0]
    r = np.corrcoef(original.ravel(), restored.get_fdata()[..., 0].ravel())[0, 1]
    assert r > 0.8


def test_constant_slices_get_the_latents_of_their_value():
    tokenizer = SliceTokenizer(grid_size=64, device="cpu").fit()
    volumes = np.full((2, 64, 64, 64), -0.5, np.float32)
    volumes[:, 20:40, 10:50, 30:34] = np.random.default_rng(0).uniform(-1, 1, (2, 20, 40, 4))
    volumes[1, :, :, 60:] = 0.25
    latents = tokenizer._latents(volumes)
    slices = np.stack([np.moveaxis(volumes, axis + 1, 1) for axis in range(3)], axis=1)
    direct = tokenizer.autoencoder_.encode(
        torch.from_numpy(slices.reshape(-1, 1, 64, 64)).expand(-1, 3, -1, -1)
    ).detach().numpy()
    np.testing.assert_allclose(latents.reshape(direct.shape), direct, atol=1e-5)


def test_runs_off_the_2mm_grid_are_resampled_to_mni():
    data = np.random.default_rng(0).normal(100, 1, (20, 24, 20, 2)).astype(np.float32)
    affine = np.diag([6.0, 6.0, 6.0, 1.0])
    affine[:3, 3] = [-60, -72, -60]
    conformer = Conformer(data.shape[:3], affine, 96)
    assert conformer.resample
    offsets = [(s - 96) // 2 for s in MNI_2MM_SHAPE]
    np.testing.assert_array_equal(
        conformer.affine[:3, 3], MNI_2MM_AFFINE[:3, 3] + 2 * np.array(offsets)
    )
    volumes = conformer(data)
    assert volumes.shape == (2, 96, 96, 96)
    # the run covers x in [-60, 60) mm: MNI voxel x = -98 + 2 * (offset + i)
    x_mm = conformer.affine[0, 3] + 2 * np.arange(96)
    inside = (x_mm > -50) & (x_mm < 50)
    assert np.median(volumes[0][inside, 48, 48]) == pytest.approx(100, abs=2)
    assert (volumes[0][x_mm < -70, 48, 48] == 0).all()


def test_resampling_is_nilearns_trilinear_interpolation():
    from nilearn.image import resample_img

    rng = np.random.default_rng(1)
    data = rng.normal(size=(21, 25, 19, 3)).astype(np.float32)
    affine = np.array([[3.5, 0.3, 0, -40], [-0.2, 3.5, 0, -50], [0, 0, 4, -30], [0, 0, 0, 1.0]])
    conformer = Conformer(data.shape[:3], affine, 64)
    expected = resample_img(
        nibabel.Nifti1Image(data, affine), target_affine=conformer.affine,
        target_shape=(64,) * 3, interpolation="linear", force_resample=True,
        copy_header=True,
    ).get_fdata()
    expected = np.moveaxis(expected, -1, 0)
    volumes = conformer(data)
    inside = expected != 0
    np.testing.assert_allclose(volumes[inside], expected[inside], atol=1e-5)
    # nilearn trims a few voxels at the very edge of the run's extent.
    assert np.mean(volumes[~inside] != 0) < 1e-3


def test_mni_grid_constants_match_the_template():
    from neurost.datasets import load_mni152

    template = load_mni152(2).template
    assert template.shape == MNI_2MM_SHAPE
    np.testing.assert_array_equal(template.affine, MNI_2MM_AFFINE)


def test_streaming_reads_one_block_at_a_time(monkeypatch):
    reads = []
    original = tokenizer_module.iter_frames

    def counting(img, chunk_size=32, **kw):
        for frames, block in original(img, chunk_size, **kw):
            reads.append(frames)
            yield frames, block

    monkeypatch.setattr(tokenizer_module, "iter_frames", counting)
    image = run_image((8, 8, 8), 40)
    tokenizer = SliceTokenizer(identity_autoencoder(), grid_size=8, token_size=8).fit()
    blocks = tokenizer.transform_blocks(image)
    frames, tokens = next(blocks)
    # one block for the scaling statistics, one for the tokens
    assert [len(r) for r in reads] == [16, 16]
    assert frames == range(0, 16) and tokens.shape == (16, 1, 3 * 512)
    rest = list(blocks)
    assert [f for f, _ in rest] == [range(16, 32), range(32, 40)]
    assert len(reads) == 4
    later = list(tokenizer.transform_blocks(image, start=20))
    assert [f for f, _ in later] == [range(20, 32), range(32, 40)]
    np.testing.assert_allclose(later[0][1], rest[0][1][4:])


def test_list_of_runs_and_paths(tmp_path):
    image = run_image((8, 8, 8), 3)
    path = tmp_path / "run.nii.gz"
    image.to_filename(path)
    tokenizer = SliceTokenizer(identity_autoencoder(), grid_size=8, token_size=4).fit()
    from_path, from_image = tokenizer.transform([path, image])
    np.testing.assert_allclose(from_path, from_image)


# The input is a 4D image, not a 2-D array (tag two_d_array=False), so
# scikit-learn runs only the checks that apply to such estimators.
@parametrize_with_checks(
    [SliceTokenizer(device="cpu")], expected_failed_checks=expected_failed_checks
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def test_clone_get_params_and_pickle():
    tokenizer = SliceTokenizer(grid_size=64, scaling="tablet", device="cpu")
    copy = clone(tokenizer)
    assert copy.get_params() == tokenizer.get_params()
    fitted = pickle.loads(pickle.dumps(tokenizer.fit()))
    assert fitted.token_dim_ == 3072 and fitted.n_tokens_ == 8


def test_bad_input_errors(tmp_path):
    tokenizer = SliceTokenizer(identity_autoencoder(), grid_size=8, token_size=4).fit()
    volume = nibabel.Nifti1Image(np.ones((8, 8, 8), np.float32), AFFINE_2MM)
    with pytest.raises(ValueError, match="4D"):
        tokenizer.transform(volume)
    image = run_image((8, 8, 8), 20)
    data = np.asarray(image.dataobj)
    data[1, 2, 3, 17] = np.nan
    with pytest.raises(ValueError, match="frame 17 has 1"):
        tokenizer.transform(image)
    with pytest.raises(TypeError, match="run must be"):
        tokenizer.transform(np.zeros((8, 8, 8, 2)))
    tokens = tokenizer.transform(run_image((8, 8, 8), 2))
    with pytest.raises(ValueError, match=r"X\[1\] must be tokens of shape \(n_frames, 8, 192\)"):
        tokenizer.inverse_transform([tokens, tokens[..., :100]])
    with pytest.raises(ValueError, match="NaN"):
        tokenizer.inverse_transform(np.full_like(tokens, np.nan))


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(grid_size=96, token_size=40), "multiple of token_size"),
        (dict(grid_size=64, token_size=16), "multiple of the autoencoder's downsampling"),
        (dict(axes=(0, 0)), "distinct axes"),
        (dict(axes=(3,)), "axes"),
        (dict(scaling="zscore"), "'scaling' parameter of SliceTokenizer"),
        (dict(axes="012"), "'axes' parameter"),
        (dict(autoencoder=3), "'autoencoder' parameter"),
        (dict(verbose=-1), "'verbose' parameter"),
        (dict(batch_size=0), "batch_size"),
    ],
)
def test_bad_parameters(params, match):
    with pytest.raises(ValueError, match=match):
        SliceTokenizer(device="cpu", **params).fit()


def test_unfitted_transform_is_refused():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        SliceTokenizer().transform(run_image((8, 8, 8), 2))
