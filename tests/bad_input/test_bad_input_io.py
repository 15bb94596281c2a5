"""Bad-input battery of neurost.io: wrong calls a careful user might make."""

import atexit
import functools
import shutil
import tempfile
from pathlib import Path

import h5py
import nibabel as nib
import numpy as np
import pandas as pd
import pytest
from nibabel import cifti2

from neurost.io import (
    SurfaceData,
    Video,
    frames_per_tr,
    get_t_r,
    iter_frames,
    load_bold,
    load_cifti_subcortical,
    load_events,
    load_responses,
    load_video,
    resample_video,
    save_responses,
    to_luminance,
)
from neurost.io.algonauts import AlgonautsSubject
from neurost.io.meshes import load_surface_mesh
from neurost.io.nsd import average_repeats, load_nsd_betas, load_nsd_trials


@functools.cache
def _folder():
    folder = Path(tempfile.mkdtemp(prefix="neurost-bad-io-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def _cut(path, fraction=0.5):
    """A copy of ``path`` holding only its first ``fraction`` of bytes."""
    cut = path.with_name("cut-" + path.name)
    whole = path.read_bytes()
    cut.write_bytes(whole[: int(len(whole) * fraction)])
    return cut


@functools.cache
def _file(name):
    """Build the file ``name`` once, in a folder shared by the battery."""
    path = _folder() / name
    data = np.random.default_rng(0).normal(size=(4, 4, 4, 6)).astype(np.float32)
    if name in ("run.nii", "run.nii.gz"):
        nib.save(nib.Nifti1Image(data, np.eye(4)), path)
    elif name == "volume.nii.gz":
        nib.save(nib.Nifti1Image(data[..., 0], np.eye(4)), path)
    elif name == "garbage.nii.gz":
        path.write_bytes(b"this is not gzip" * 20)
    elif name == "lh.run.gii":
        image = nib.GiftiImage(darrays=[nib.gifti.GiftiDataArray(data[:, 0, 0])])
        nib.save(image, path)
    elif name == "garbage.gii":
        path.write_text("<GIFTI><DataArray")
    elif name == "run.dtseries.nii":
        models = cifti2.BrainModelAxis.from_surface(np.arange(3), 10, "CortexLeft")
        series = cifti2.SeriesAxis(start=0, step=1.0, size=4, unit="second")
        nib.save(cifti2.Cifti2Image(np.ones((4, 3), np.float32), header=(series, models)), path)
    elif name == "notes.txt":
        path.write_text("not an image")
    elif name == "folder":
        path.mkdir()
    elif name == "betas.h5":
        save_responses(path, np.ones((5, 3)))
    elif name == "nan.h5":
        save_responses(path, np.full((5, 3), np.nan), check_finite=False)
    elif name == "cube.h5":
        with h5py.File(path, "w") as file:
            file["cube"] = np.zeros((2, 2, 2))
    elif name == "garbage.h5":
        path.write_bytes(b"\x89HDF\r\n" + b"0" * 100)
    elif name == "events.tsv":
        pd.DataFrame({"onset": [0.0, 2.0], "duration": [1.0, 1.0]}).to_csv(path, sep="\t", index=False)
    elif name == "events.csv":
        path.write_text("onset,duration\n0,1\n")
    elif name == "no-onset.tsv":
        path.write_text("start\tduration\n0\t1\n")
    elif name == "text-onset.tsv":
        path.write_text("onset\tduration\nsoon\t1\n")
    elif name == "negative.tsv":
        path.write_text("onset\tduration\n0\t-1\n")
    elif name == "infinite.tsv":
        path.write_text("onset\tduration\ninf\t1\n")
    elif name == "binary.tsv":
        path.write_bytes(b"\xff\xfe\x00\x81" * 50)
    elif name == "clip.gif":
        import imageio.v3 as iio

        frames = np.random.default_rng(0).integers(0, 255, (3, 8, 8, 3)).astype(np.uint8)
        iio.imwrite(path, frames, duration=100, loop=0)
    elif name == "garbage.mp4":
        path.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"0" * 200)
    elif name == "empty":
        path.mkdir()
    elif name in ("algonauts", "algonauts-bad"):
        _write_algonauts(path, bad=name == "algonauts-bad")
    elif name == "nsd":
        _write_nsd(path)
    elif name == "nsd-garbage":
        design = path / "nsddata" / "experiments" / "nsd"
        design.mkdir(parents=True)
        (design / "nsd_expdesign.mat").write_bytes(b"MATLAB 5.0 MAT-file" + b"\0" * 40)
    elif name == "nsd-v73":
        design = path / "nsddata" / "experiments" / "nsd"
        design.mkdir(parents=True)
        # The 128-byte header of a MATLAB v7.3 (HDF5) file: text, subsystem, version 2.
        header = b"MATLAB 7.3 MAT-file".ljust(116, b" ") + b"\0" * 8 + b"\0\x02IM"
        (design / "nsd_expdesign.mat").write_bytes(header + b"\0" * 512)
    elif name == "subjects":
        import nibabel.freesurfer as freesurfer

        (path / "bert" / "surf").mkdir(parents=True)
        faces = np.array([[0, 1, 2], [0, 2, 3]])
        for prefix in ("lh", "rh"):
            freesurfer.write_geometry(str(path / "bert" / "surf" / f"{prefix}.inflated"), np.eye(4, 3), faces)
        whole = (path / "bert" / "surf" / "lh.inflated").read_bytes()
        (path / "bert" / "surf" / "lh.white").write_bytes(whole[: len(whole) // 2])
        (path / "bert" / "surf" / "lh.orig").write_bytes(b"\xff\xff\xfe\x00")
    elif name == "nsd-no-trials":
        from scipy.io import savemat

        design = path / "nsddata" / "experiments" / "nsd"
        design.mkdir(parents=True)
        savemat(design / "nsd_expdesign.mat", {"masterordering": np.zeros((1, 0)),
                                               "subjectim": np.ones((8, 10))})
    return path


class _Payload:
    def __reduce__(self):
        return (print, ("this ran",))


def _write_algonauts(root, bad=False):
    """subj01 of an Algonauts 2023 release: 3 + 2 challenge vertices, 2 images."""
    folder = root / "subj01"
    masks, fmri = folder / "roi_masks", folder / "training_split" / "training_fmri"
    images = folder / "training_split" / "training_images"
    for path in (masks, fmri, images):
        path.mkdir(parents=True)
    for prefix, vertices in (("lh", [0, 5, 9]), ("rh", [1, 2])):
        flags = np.zeros(163842)
        flags[vertices] = 1
        if not (bad and prefix == "lh"):
            np.save(masks / f"{prefix}.all-vertices_fsaverage_space.npy", flags)
        data = np.ones((2, len(vertices)), np.float32)
        np.save(fmri / f"{prefix}_training_fmri.npy", data.astype(object) if bad else data)
        np.save(masks / f"{prefix}.floc-faces_challenge_space.npy", np.ones(len(vertices)))
    mapping = {0: "Unknown", 1: _Payload()} if bad else {0: "Unknown", 1: "OFA"}
    np.save(masks / "mapping_floc-faces.npy", np.array(mapping, dtype=object))
    for number in (1, 2):
        (images / f"train-{number:04d}_nsd-0000{number}.png").write_bytes(b"png")


def _write_nsd(root):
    """An NSD design and session 1 of subj01 (4 vertices per hemisphere)."""
    from scipy.io import savemat

    design = root / "nsddata" / "experiments" / "nsd"
    design.mkdir(parents=True)
    order = np.tile(np.arange(1, 10001), 3)[None, :]
    images = np.tile(np.arange(1, 10001), (8, 1))
    savemat(design / "nsd_expdesign.mat", {"masterordering": order, "subjectim": images})
    betas = root / "nsddata_betas/ppdata/subj01/fsaverage/betas_fithrf_GLMdenoise_RR"
    betas.mkdir(parents=True)
    for prefix in ("lh", "rh"):
        data = np.zeros((4, 1, 1, 750), np.int16)
        nib.save(nib.MGHImage(data, np.eye(4)), betas / f"{prefix}.betas_session01.mgh")


def _algonauts(bad=False, **kwargs):
    return AlgonautsSubject(_file("algonauts-bad" if bad else "algonauts"), 1, **kwargs)


def _cut_file(name, fraction=0.5):
    return _cut(_file(name), fraction)


def _run():
    return nib.Nifti1Image(np.ones((4, 4, 4, 6), np.float32), np.eye(4))


def _volume():
    return nib.Nifti1Image(np.ones((4, 4, 4), np.float32), np.eye(4))


def _frames(n=4, shape=(8, 8)):
    return np.random.default_rng(0).integers(0, 255, (n, *shape)).astype(np.uint8)


def _surface():
    return SurfaceData(left=np.ones((5, 3)), t_r=1.0)


CASES = [
    # load_bold
    pytest.param(lambda: load_bold(42), TypeError, "img", id="bold-int"),
    pytest.param(lambda: load_bold(None), TypeError, "img", id="bold-none"),
    pytest.param(lambda: load_bold(np.ones((4, 4, 4, 2))), TypeError, "img", id="bold-array"),
    pytest.param(lambda: load_bold(_folder() / "missing.nii.gz"), FileNotFoundError, "img", id="bold-missing"),
    pytest.param(lambda: load_bold(_file("folder")), ValueError, "img", id="bold-directory"),
    pytest.param(lambda: load_bold(_file("notes.txt")), ValueError, "notes.txt", id="bold-wrong-suffix"),
    pytest.param(lambda: load_bold(_cut_file("run.nii")), ValueError, "truncated", id="bold-truncated-nii"),
    pytest.param(lambda: load_bold(_cut_file("run.nii", 0.1)), ValueError, "cut-run.nii", id="bold-truncated-nii-header"),
    pytest.param(lambda: load_bold(_cut_file("run.nii.gz")), ValueError, "cut-run.nii.gz", id="bold-truncated-nii-gz"),
    pytest.param(lambda: load_bold(_file("garbage.nii.gz")), ValueError, "garbage.nii.gz", id="bold-garbage-gz"),
    pytest.param(lambda: load_bold(_cut_file("lh.run.gii")), ValueError, "cut-lh.run.gii", id="bold-truncated-gifti"),
    pytest.param(lambda: load_bold(_file("garbage.gii")), ValueError, "garbage.gii", id="bold-garbage-gifti"),
    pytest.param(lambda: load_bold(_cut_file("run.dtseries.nii", 0.6)), ValueError, "cut-run.dtseries.nii", id="bold-truncated-cifti"),
    pytest.param(lambda: load_bold(_run(), t_r=-1.0), ValueError, "t_r", id="bold-t_r-negative"),
    pytest.param(lambda: load_bold(_run(), t_r=0), ValueError, "t_r", id="bold-t_r-zero"),
    pytest.param(lambda: load_bold(_run(), t_r="2"), ValueError, "t_r", id="bold-t_r-text"),
    pytest.param(lambda: load_bold(_run(), t_r=np.nan), ValueError, "t_r", id="bold-t_r-nan"),
    pytest.param(lambda: load_bold(_run(), t_r=np.inf), ValueError, "t_r", id="bold-t_r-inf"),
    pytest.param(lambda: load_bold(_run(), t_r=True), ValueError, "t_r", id="bold-t_r-bool"),
    pytest.param(lambda: load_bold(_file("lh.run.gii"), hemi="middle"), ValueError, "hemi", id="bold-hemi-unknown"),
    pytest.param(lambda: load_bold(_run(), hemi="left"), ValueError, "hemi", id="bold-hemi-on-volume"),
    pytest.param(lambda: load_bold(_run(), mesh="fsaverage5"), ValueError, "mesh", id="bold-mesh-on-volume"),
    pytest.param(lambda: load_bold(_volume(), require_4d=True), ValueError, "img", id="bold-3d-refused"),
    pytest.param(lambda: load_bold(_file("lh.run.gii"), mesh="fsaverage7"), ValueError, "mesh", id="bold-mesh-unknown"),
    pytest.param(lambda: load_bold(_file("lh.run.gii"), mesh=42), TypeError, "mesh", id="bold-mesh-int"),
    pytest.param(lambda: load_bold(_file("lh.run.gii"), mesh="fsLR32k"), ValueError, "mesh", id="bold-mesh-wrong-count"),
    pytest.param(lambda: load_bold((_file("lh.run.gii"),) * 3), ValueError, "img", id="bold-pair-of-three"),
    pytest.param(lambda: load_bold({"middle": _file("lh.run.gii")}), ValueError, "img", id="bold-pair-bad-key"),
    pytest.param(lambda: load_bold((_file("run.nii"), _file("lh.run.gii"))), ValueError, "img[0]", id="bold-pair-with-volume"),
    pytest.param(lambda: load_bold((_file("lh.run.gii"), 3)), TypeError, "img[1]", id="bold-pair-with-int"),
    # get_t_r
    pytest.param(lambda: get_t_r(3.0), TypeError, "img", id="t_r-float"),
    pytest.param(lambda: get_t_r(_folder() / "missing.nii"), FileNotFoundError, "img", id="t_r-missing"),
    pytest.param(lambda: get_t_r(_file("garbage.nii.gz")), ValueError, "garbage.nii.gz", id="t_r-garbage"),
    # iter_frames
    pytest.param(lambda: iter_frames(_run(), 0), ValueError, "chunk_size", id="frames-chunk-zero"),
    pytest.param(lambda: iter_frames(_run(), 2.5), ValueError, "chunk_size", id="frames-chunk-float"),
    pytest.param(lambda: iter_frames(_run(), True), ValueError, "chunk_size", id="frames-chunk-bool"),
    pytest.param(lambda: iter_frames(_volume()), ValueError, "img", id="frames-3d"),
    pytest.param(lambda: iter_frames(None), TypeError, "img", id="frames-none"),
    pytest.param(lambda: iter_frames(SurfaceData(left=np.ones(5))), ValueError, "img", id="frames-surface-map"),
    pytest.param(lambda: list(iter_frames(_cut_file("run.nii"))), ValueError, "truncated", id="frames-truncated"),
    # load_cifti_subcortical
    pytest.param(lambda: load_cifti_subcortical(_file("run.nii")), ValueError, "CIFTI-2", id="cifti-not-cifti"),
    pytest.param(lambda: load_cifti_subcortical(_file("run.dtseries.nii")), ValueError, "voxels", id="cifti-no-voxels"),
    pytest.param(lambda: load_cifti_subcortical(_file("run.dtseries.nii"), t_r=-2), ValueError, "t_r", id="cifti-t_r"),
    pytest.param(lambda: load_cifti_subcortical(_folder() / "no.dtseries.nii"), FileNotFoundError, "img", id="cifti-missing"),
    pytest.param(lambda: load_cifti_subcortical(3), TypeError, "img", id="cifti-int"),
    # load_events
    pytest.param(lambda: load_events(_folder() / "missing.tsv"), FileNotFoundError, "events", id="events-missing"),
    pytest.param(lambda: load_events(42), TypeError, "events", id="events-int"),
    pytest.param(lambda: load_events(_file("events.csv")), ValueError, "events.csv", id="events-csv"),
    pytest.param(lambda: load_events(_file("no-onset.tsv")), ValueError, "onset", id="events-no-onset"),
    pytest.param(lambda: load_events(_file("text-onset.tsv")), ValueError, "onset", id="events-text-onset"),
    pytest.param(lambda: load_events(_file("negative.tsv")), ValueError, "duration", id="events-negative-duration"),
    pytest.param(lambda: load_events(_file("infinite.tsv")), ValueError, "onset", id="events-infinite-onset"),
    pytest.param(lambda: load_events(_file("binary.tsv")), ValueError, "events", id="events-binary"),
    pytest.param(lambda: load_events(_file("events.tsv"), require=5), TypeError, "require", id="events-require-int"),
    pytest.param(lambda: load_events(_file("events.tsv"), require="trial_type"), ValueError, "trial_type", id="events-require-missing"),
    pytest.param(lambda: load_events(pd.DataFrame({"onset": [np.nan], "duration": [1.0]})), ValueError, "onset", id="events-frame-nan-onset"),
    # load_responses
    pytest.param(lambda: load_responses(5), TypeError, "path", id="responses-int"),
    pytest.param(lambda: load_responses(_folder() / "missing.h5"), FileNotFoundError, "path", id="responses-missing"),
    pytest.param(lambda: load_responses(_file("notes.txt")), ValueError, "path", id="responses-suffix"),
    pytest.param(lambda: load_responses(_cut_file("betas.h5")), ValueError, "cut-betas.h5", id="responses-truncated"),
    pytest.param(lambda: load_responses(_file("garbage.h5")), ValueError, "garbage.h5", id="responses-garbage"),
    pytest.param(lambda: load_responses(_file("betas.h5"), key="betas"), ValueError, "key", id="responses-key-missing"),
    pytest.param(lambda: load_responses(_file("betas.h5"), key=3), TypeError, "key", id="responses-key-int"),
    pytest.param(lambda: load_responses(_file("cube.h5"), key="cube"), ValueError, "key", id="responses-key-3d"),
    pytest.param(lambda: load_responses(_file("cube.h5")), ValueError, "key", id="responses-no-matrix"),
    pytest.param(lambda: load_responses(_file("betas.h5"), rows=[9]), IndexError, "rows", id="responses-row-out-of-range"),
    pytest.param(lambda: load_responses(_file("betas.h5"), rows="all"), TypeError, "rows", id="responses-rows-text"),
    pytest.param(lambda: load_responses(_file("betas.h5"), columns=[0.5]), TypeError, "columns", id="responses-columns-float"),
    pytest.param(lambda: load_responses(_file("betas.h5"), rows=[True]), ValueError, "rows", id="responses-mask-size"),
    pytest.param(lambda: load_responses(_file("betas.h5"), chunk_rows=0), ValueError, "chunk_rows", id="responses-chunk-zero"),
    pytest.param(lambda: load_responses(_file("nan.h5")), ValueError, "check_finite", id="responses-nan"),
    # save_responses
    pytest.param(lambda: save_responses(5, np.ones((2, 2))), TypeError, "path", id="save-path-int"),
    pytest.param(lambda: save_responses(_folder() / "out.npy", np.ones((2, 2))), ValueError, "path", id="save-suffix"),
    pytest.param(lambda: save_responses(_folder() / "out1.h5", np.ones(3)), ValueError, "array", id="save-1d"),
    pytest.param(lambda: save_responses(_folder() / "out2.h5", np.ones((0, 3))), ValueError, "array", id="save-empty"),
    pytest.param(lambda: save_responses(_folder() / "out3.h5", np.array([["a"]])), TypeError, "array", id="save-text"),
    pytest.param(lambda: save_responses(_folder() / "out4.h5", np.full((2, 2), np.inf)), ValueError, "array", id="save-inf"),
    pytest.param(lambda: save_responses(_file("betas.h5"), np.ones((2, 2))), FileExistsError, "overwrite", id="save-exists"),
    pytest.param(lambda: save_responses(_folder() / "nope" / "a.h5", np.ones((2, 2))), FileNotFoundError, "directory", id="save-no-folder"),
    pytest.param(lambda: save_responses(_folder() / "out5.h5", np.ones((2, 2)), compression="zip"), ValueError, "compression", id="save-compression"),
    pytest.param(lambda: save_responses(_folder() / "out6.h5", np.ones((2, 2)), chunks=(0, 1)), ValueError, "chunks", id="save-chunks-zero"),
    pytest.param(lambda: save_responses(_folder() / "out7.h5", np.ones((2, 2)), chunks=(4, 4)), ValueError, "chunks", id="save-chunks-too-large"),
    pytest.param(lambda: save_responses(_folder() / "out8.h5", np.ones((2, 2)), attrs=[1]), TypeError, "attrs", id="save-attrs-list"),
    pytest.param(lambda: save_responses(_folder() / "out9.h5", np.ones((2, 2)), attrs={"a": object()}), TypeError, "attrs", id="save-attrs-object"),
    pytest.param(lambda: save_responses(_folder() / "out10.h5", np.ones((2, 2)), key=""), ValueError, "key", id="save-key-empty"),
    pytest.param(lambda: save_responses(_folder() / "out11.h5", np.ones((2, 2)), key=3), ValueError, "key", id="save-key-int"),
    # load_video
    pytest.param(lambda: load_video(3), TypeError, "source", id="video-int"),
    pytest.param(lambda: load_video(_folder() / "missing.mp4"), FileNotFoundError, "source", id="video-missing"),
    pytest.param(lambda: load_video(_frames()), ValueError, "frame_rate", id="video-array-no-rate"),
    pytest.param(lambda: load_video(_frames(), frame_rate=0), ValueError, "frame_rate", id="video-rate-zero"),
    pytest.param(lambda: load_video(_frames(), frame_rate="30"), ValueError, "frame_rate", id="video-rate-text"),
    pytest.param(lambda: load_video(_frames(), frame_rate=np.nan), ValueError, "frame_rate", id="video-rate-nan"),
    pytest.param(lambda: load_video(_frames(1), frame_rate=10), ValueError, "source", id="video-one-frame"),
    pytest.param(lambda: load_video(np.ones((4, 8)), frame_rate=10), ValueError, "source", id="video-2d"),
    pytest.param(lambda: load_video(np.ones((4, 8, 8, 2)), frame_rate=10), ValueError, "source", id="video-two-channels"),
    pytest.param(lambda: load_video(np.full((3, 4, 4), np.nan), frame_rate=10), ValueError, "source", id="video-nan"),
    pytest.param(lambda: load_video(np.array([["a"]] * 3), frame_rate=10), TypeError, "source", id="video-text"),
    pytest.param(lambda: load_video([np.ones((4, 4)), np.ones((5, 4))], frame_rate=10), ValueError, "source", id="video-sizes-differ"),
    pytest.param(lambda: load_video(_file("empty")), ValueError, "source", id="video-empty-folder"),
    pytest.param(lambda: load_video(_file("notes.txt")), ValueError, "source", id="video-suffix"),
    pytest.param(lambda: load_video(_cut_file("clip.gif")), ValueError, "cut-clip.gif", id="video-truncated-gif"),
    pytest.param(lambda: load_video(_file("garbage.mp4")), ValueError, "garbage.mp4", id="video-garbage-mp4"),
    pytest.param(lambda: load_video([_file("notes.txt")] * 2, frame_rate=10), ValueError, "source", id="video-list-wrong-suffix"),
    # to_luminance
    pytest.param(lambda: to_luminance(np.full((2, 4, 4), 2.0)), ValueError, "frames", id="luminance-above-1"),
    pytest.param(lambda: to_luminance(np.ones((2, 4, 4), np.int16)), TypeError, "frames", id="luminance-int16"),
    pytest.param(lambda: to_luminance(np.ones((4, 4))), ValueError, "frames", id="luminance-2d"),
    pytest.param(lambda: to_luminance(np.full((2, 4, 4), np.nan)), ValueError, "frames", id="luminance-nan"),
    # resample_video
    pytest.param(lambda: resample_video(_frames()), TypeError, "video", id="resample-array"),
    pytest.param(lambda: resample_video(Video(_frames(), 10.0), size=(0, 4)), ValueError, "size", id="resample-size-zero"),
    pytest.param(lambda: resample_video(Video(_frames(), 10.0), size="big"), ValueError, "size", id="resample-size-text"),
    pytest.param(lambda: resample_video(Video(_frames(), 10.0), size=(4.5, 4)), ValueError, "size", id="resample-size-float"),
    pytest.param(lambda: resample_video(Video(_frames(), 10.0), frame_rate=-1), ValueError, "frame_rate", id="resample-rate-negative"),
    pytest.param(lambda: resample_video(Video(_frames(), 10.0), frame_rate=0.1), ValueError, "frame_rate", id="resample-rate-too-low"),
    # frames_per_tr
    pytest.param(lambda: frames_per_tr(0, 10.0, 2.0), ValueError, "n_frames", id="per-tr-no-frame"),
    pytest.param(lambda: frames_per_tr(10.5, 10.0, 2.0), ValueError, "n_frames", id="per-tr-frames-float"),
    pytest.param(lambda: frames_per_tr(10, 0, 2.0), ValueError, "frame_rate", id="per-tr-rate-zero"),
    pytest.param(lambda: frames_per_tr(10, 10.0, None), ValueError, "t_r", id="per-tr-t_r-none"),
    pytest.param(lambda: frames_per_tr(10, 10.0, 0.01), ValueError, "t_r", id="per-tr-t_r-too-short"),
    pytest.param(lambda: frames_per_tr(10, 10.0, 2.0, onset=np.nan), ValueError, "onset", id="per-tr-onset-nan"),
    pytest.param(lambda: frames_per_tr(10, 10.0, 2.0, n_trs=-1), ValueError, "n_trs", id="per-tr-n_trs-negative"),
    # surface data and meshes
    pytest.param(lambda: SurfaceData(left=np.ones((5, 3)), t_r=-1), ValueError, "t_r", id="surface-t_r-negative"),
    pytest.param(lambda: _surface().with_mesh("fsaverage7"), ValueError, "mesh", id="surface-mesh-unknown"),
    pytest.param(lambda: _surface().with_mesh("fsaverage5"), ValueError, "mesh", id="surface-mesh-wrong-count"),
    pytest.param(lambda: _surface().with_mesh(None), TypeError, "mesh", id="surface-mesh-none"),
    pytest.param(lambda: load_surface_mesh("fsaverage7", subjects_dir=_file("subjects")), FileNotFoundError, "space='fsaverage7'", id="mesh-space"),
    pytest.param(lambda: load_surface_mesh("fsaverage5", "smooth"), ValueError, "kind", id="mesh-kind"),
    pytest.param(lambda: load_surface_mesh("fsaverage5", subjects_dir=_file("subjects")), ValueError, "subjects_dir", id="mesh-subjects-dir-on-space"),
    # load_surface_mesh: a subject of a FreeSurfer subjects folder
    pytest.param(lambda: load_surface_mesh("bert", "smooth", subjects_dir=_file("subjects")), ValueError, "kind", id="freesurfer-kind"),
    pytest.param(lambda: load_surface_mesh("bert", "flat", subjects_dir=_file("subjects")), ValueError, "kind", id="freesurfer-kind-of-space"),
    pytest.param(lambda: load_surface_mesh("ernie", subjects_dir=_file("subjects")), FileNotFoundError, "space='ernie'", id="freesurfer-subject-missing"),
    pytest.param(lambda: load_surface_mesh("fsaverag5", subjects_dir=_file("subjects")), FileNotFoundError, "did you mean 'fsaverage5'", id="freesurfer-space-typo"),
    pytest.param(lambda: load_surface_mesh("../bert", subjects_dir=_file("subjects")), ValueError, "space", id="freesurfer-subject-path"),
    pytest.param(lambda: load_surface_mesh(3, subjects_dir=_file("subjects")), TypeError, "space", id="freesurfer-subject-int"),
    pytest.param(lambda: load_surface_mesh("bert", subjects_dir=3), TypeError, "subjects_dir", id="freesurfer-subjects-dir-int"),
    pytest.param(lambda: load_surface_mesh("bert", subjects_dir=_folder() / "nope"), FileNotFoundError, "subjects_dir", id="freesurfer-subjects-dir-missing"),
    pytest.param(lambda: load_surface_mesh("bert", "pial", subjects_dir=_file("subjects")), FileNotFoundError, "lh.pial", id="freesurfer-surface-missing"),
    pytest.param(lambda: load_surface_mesh("bert", "white", subjects_dir=_file("subjects")), ValueError, "lh.white", id="freesurfer-surface-truncated"),
    pytest.param(lambda: load_surface_mesh("bert", "orig", subjects_dir=_file("subjects")), ValueError, "lh.orig", id="freesurfer-surface-cut-header"),
    # AlgonautsSubject
    pytest.param(lambda: AlgonautsSubject(3, 1), TypeError, "root", id="algonauts-root-int"),
    pytest.param(lambda: AlgonautsSubject(_folder() / "nope", 1), FileNotFoundError, "root", id="algonauts-root-missing"),
    pytest.param(lambda: AlgonautsSubject(_file("algonauts"), 0), ValueError, "subject", id="algonauts-subject-zero"),
    pytest.param(lambda: AlgonautsSubject(_file("algonauts"), "subject1"), ValueError, "subject", id="algonauts-subject-name"),
    pytest.param(lambda: AlgonautsSubject(_file("algonauts"), 2), FileNotFoundError, "subject", id="algonauts-subject-missing"),
    pytest.param(lambda: _algonauts(hemispheres="middle"), ValueError, "hemispheres", id="algonauts-hemispheres"),
    pytest.param(lambda: _algonauts(hemispheres=()), ValueError, "hemispheres", id="algonauts-no-hemisphere"),
    pytest.param(lambda: _algonauts(hemispheres=None), TypeError, "hemispheres", id="algonauts-hemispheres-none"),
    pytest.param(lambda: _algonauts(hemispheres=5), TypeError, "hemispheres", id="algonauts-hemispheres-int"),
    pytest.param(lambda: _algonauts().responses(images=[9]), IndexError, "images", id="algonauts-images-range"),
    pytest.param(lambda: _algonauts().images("validation"), ValueError, "split", id="algonauts-split"),
    pytest.param(lambda: _algonauts().images("test"), FileNotFoundError, "split", id="algonauts-no-test-images"),
    pytest.param(lambda: _algonauts().roi_labels("floc-cars"), ValueError, "roi_sets", id="algonauts-roi-set"),
    pytest.param(lambda: _algonauts().roi_labels([]), ValueError, "roi_sets", id="algonauts-roi-sets-empty"),
    pytest.param(lambda: _algonauts().roi_labels("floc-faces", overlap="last"), ValueError, "overlap", id="algonauts-overlap"),
    pytest.param(lambda: _algonauts().roi_labels("floc-faces", unknown=0), TypeError, "unknown", id="algonauts-unknown-int"),
    pytest.param(lambda: _algonauts().roi_labels("streams"), FileNotFoundError, "mapping_streams.npy", id="algonauts-roi-set-missing"),
    pytest.param(lambda: _algonauts().to_fsaverage(np.ones(3)), ValueError, "values", id="algonauts-values-length"),
    pytest.param(lambda: _algonauts().to_fsaverage(["a"] * 5), TypeError, "values", id="algonauts-values-text"),
    pytest.param(lambda: _algonauts().to_fsaverage({"left": np.ones(3)}), ValueError, "values", id="algonauts-values-one-hemisphere"),
    pytest.param(lambda: _algonauts().to_fsaverage({"left": np.ones(2), "right": np.ones(2)}), ValueError, "values['left']", id="algonauts-values-hemisphere-size"),
    pytest.param(lambda: _algonauts(bad=True, hemispheres="right").roi_labels("floc-faces"), ValueError, "mapping_floc-faces.npy", id="algonauts-mapping-runs-code"),
    pytest.param(lambda: _algonauts(bad=True, hemispheres="right").responses(), ValueError, "rh_training_fmri.npy", id="algonauts-fmri-objects"),
    pytest.param(lambda: _algonauts(bad=True), FileNotFoundError, "lh.all-vertices_fsaverage_space.npy", id="algonauts-mask-missing"),
    # load_nsd_trials, load_nsd_betas, average_repeats
    pytest.param(lambda: load_nsd_trials(3, 1), TypeError, "root", id="nsd-root-int"),
    pytest.param(lambda: load_nsd_trials(_folder(), 1), FileNotFoundError, "root", id="nsd-design-missing"),
    pytest.param(lambda: load_nsd_trials(_file("nsd-garbage"), 1), ValueError, "nsd_expdesign.mat", id="nsd-design-garbage"),
    pytest.param(lambda: load_nsd_trials(_file("nsd-no-trials"), 1), ValueError, "masterordering", id="nsd-design-no-trials"),
    pytest.param(lambda: load_nsd_trials(_file("nsd-v73"), 1), ValueError, "nsd_expdesign.mat", id="nsd-design-v73"),
    pytest.param(lambda: load_nsd_trials(_file("nsd"), True), ValueError, "subject", id="nsd-subject-bool"),
    pytest.param(lambda: load_nsd_trials(_file("nsd"), 9), ValueError, "subject", id="nsd-subject-nine"),
    pytest.param(lambda: load_nsd_trials(_file("nsd"), 1, sessions=0), ValueError, "sessions", id="nsd-session-zero"),
    pytest.param(lambda: load_nsd_trials(_file("nsd"), 1, sessions=41), ValueError, "sessions", id="nsd-session-41"),
    pytest.param(lambda: load_nsd_trials(_file("nsd"), 1, sessions=[1, 1]), ValueError, "sessions", id="nsd-sessions-twice"),
    pytest.param(lambda: load_nsd_trials(_file("nsd"), 1, sessions=1.5), ValueError, "sessions", id="nsd-session-float"),
    pytest.param(lambda: load_nsd_betas(_file("nsd"), 1, 2), FileNotFoundError, "sessions", id="nsd-session-file-missing"),
    pytest.param(lambda: load_nsd_betas(_file("nsd"), 1, 1, scale=-300), ValueError, "scale", id="nsd-scale-negative"),
    pytest.param(lambda: load_nsd_betas(_file("nsd"), 1, 1, scale="percent"), ValueError, "scale", id="nsd-scale-text"),
    pytest.param(lambda: load_nsd_betas(_file("nsd"), 1, 1, zscore="yes"), TypeError, "zscore", id="nsd-zscore-text"),
    pytest.param(lambda: load_nsd_betas(_file("nsd"), 1, 1, hemispheres="up"), ValueError, "hemispheres", id="nsd-hemispheres"),
    pytest.param(lambda: load_nsd_betas(_file("nsd"), 1, 1, hemispheres=None), TypeError, "hemispheres", id="nsd-hemispheres-none"),
    pytest.param(lambda: load_nsd_betas(_file("nsd"), 1, 1, hemispheres=5), TypeError, "hemispheres", id="nsd-hemispheres-int"),
    pytest.param(lambda: load_nsd_betas(_file("nsd"), 1, 1, hemispheres=["left", "left"]), ValueError, "hemispheres", id="nsd-hemispheres-twice"),
    pytest.param(lambda: load_nsd_betas(_file("nsd"), 1, 1, vertices={"left": [0]}), ValueError, "vertices", id="nsd-vertices-keys"),
    pytest.param(lambda: load_nsd_betas(_file("nsd"), 1, 1, hemispheres="left", vertices={"left": [4]}), IndexError, "vertices['left']", id="nsd-vertices-range"),
    pytest.param(lambda: load_nsd_betas(_file("nsd"), 1, 1, hemispheres="left", vertices={"left": np.ones(3, bool)}), ValueError, "vertices['left']", id="nsd-vertices-mask-size"),
    pytest.param(lambda: load_nsd_betas(_file("nsd"), 1, 1, betas="../betas"), ValueError, "betas", id="nsd-betas-path"),
    pytest.param(lambda: load_nsd_betas(_file("nsd"), 1, 1, betas="betas_assumehrf"), FileNotFoundError, "betas", id="nsd-betas-missing"),
    pytest.param(lambda: average_repeats(np.ones(3), [1, 1, 2]), ValueError, "responses", id="repeats-1d"),
    pytest.param(lambda: average_repeats(np.ones((3, 2)), [1, 2]), ValueError, "images", id="repeats-images-length"),
]


@pytest.mark.parametrize("call, expected, fragment", CASES)
def test_bad_input(call, expected, fragment, check_row):
    check_row(call, expected, fragment)
