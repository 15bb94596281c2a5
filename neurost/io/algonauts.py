"""The Algonauts 2023 challenge release: responses, images, ROIs, fsaverage.

The release holds, per subject ``subjXX``::

    training_split/training_fmri/{lh,rh}_training_fmri.npy   (n_images, n_vertices) float32
    training_split/training_images/train-NNNN_nsd-NNNNN.png
    test_split/test_images/test-NNNN_nsd-NNNNN.png
    roi_masks/{lh,rh}.all-vertices_fsaverage_space.npy       (163842,) 0/1 flags
    roi_masks/{lh,rh}.<roi set>_challenge_space.npy          (n_vertices,) int codes
    roi_masks/mapping_<roi set>.npy                          {code: ROI name}

The "challenge space" of a hemisphere is the fsaverage vertices flagged in
its ``all-vertices`` file, in fsaverage order. Every ``.npy`` file is read
with ``allow_pickle=False`` except the ``mapping_*.npy`` dicts, which are
pickles: they are read by an unpickler that builds only NumPy arrays,
dtypes, ints and strings and refuses anything else, so that no file can
run code.
"""

import os
import pickle
import re
from pathlib import Path

import numpy as np

from .._utils.validation import check_choice, check_index, close_matches, describe
from ._freesurfer import FSAVERAGE_VERTICES, HEMISPHERE_PREFIXES
from .meshes import HEMISPHERES, check_hemispheres
from .nsd import subject_name

#: The ROI sets of the release, in the order :meth:`AlgonautsSubject.roi_labels`
#: gives them priority by default (``streams`` is a separate partition).
ROI_SETS = (
    "prf-visualrois", "floc-bodies", "floc-faces", "floc-places", "floc-words", "streams",
)
#: The sets of the 24 visual ROIs of the transformer brain encoder paper.
VISUAL_ROI_SETS = ROI_SETS[:5]
SPLITS = ("training", "test")
_IMAGE_PREFIX = {"training": "train", "test": "test"}
_IMAGE_FOLDER = {
    "training": Path("training_split", "training_images"),
    "test": Path("test_split", "test_images"),
}


class AlgonautsSubject:
    """One subject of the Algonauts 2023 challenge release, read on demand.

    Nothing is read until asked for, except the two small fsaverage masks.
    Targets (columns of :meth:`responses`, entries of :meth:`roi_labels`)
    are the challenge vertices of the left hemisphere, then of the right.

    Parameters
    ----------
    root : str or os.PathLike
        The release folder, which holds ``subj01`` ... ``subj08``.
    subject : int or str
        ``1`` ... ``8`` or ``"subj01"`` ... ``"subj08"``.
    hemispheres : sequence of {"left", "right"}, default=("left", "right")
        The hemispheres whose vertices are the targets.

    Attributes
    ----------
    folder : pathlib.Path
        The subject's folder.
    hemispheres : tuple of str
    n_vertices : dict of str to int
        Challenge vertices per hemisphere (19,004 left and 20,544 right for
        subj01).
    fsaverage_masks : dict of str to numpy.ndarray of bool, shape (163842,)
        Which fsaverage vertices of each hemisphere are challenge vertices.

    Examples
    --------
    >>> from neurost.encoding import RoutingEncoder
    >>> subject = AlgonautsSubject("algonauts_2023_challenge_data", 1)  # doctest: +SKIP
    >>> subject.responses().shape  # doctest: +SKIP
    (9841, 39548)
    >>> encoder = RoutingEncoder(subject.roi_labels())  # doctest: +SKIP
    >>> maps = subject.to_fsaverage(scores)  # doctest: +SKIP

    ``maps`` is drawn by ``plot_on_cortex(maps, "fsaverage")``.
    """

    def __init__(self, root, subject, hemispheres=HEMISPHERES):
        self.folder = _subject_folder(root, subject)
        self.hemispheres = check_hemispheres(hemispheres)
        self.fsaverage_masks = {
            hemi: _fsaverage_mask(self._roi_file(
                f"{HEMISPHERE_PREFIXES[hemi]}.all-vertices_fsaverage_space.npy"))
            for hemi in self.hemispheres
        }
        self.n_vertices = {h: int(m.sum()) for h, m in self.fsaverage_masks.items()}

    def __repr__(self):
        return f"<AlgonautsSubject {self.folder.name} {self.n_vertices}>"

    @property
    def n_targets(self):
        """Challenge vertices of all the hemispheres."""
        return sum(self.n_vertices.values())

    def images(self, split="training"):
        """Paths of the images of a split, in row order of the responses.

        Parameters
        ----------
        split : {"training", "test"}, default="training"

        Returns
        -------
        list of pathlib.Path
            Sorted by their number (``train-0001``, ``train-0002``, ...).
        """
        return [path for path, _ in _list_images(self.folder, split)]

    def nsd_ids(self, split="training"):
        """The NSD image number in each image's file name (``nsd-NNNNN``).

        Parameters
        ----------
        split : {"training", "test"}, default="training"

        Returns
        -------
        numpy.ndarray of int64, shape (n_images,)
            The number as written in the file name, in the order of
            :meth:`images`.
        """
        return np.array([nsd for _, nsd in _list_images(self.folder, split)], np.int64)

    def responses(self, images=None):
        """The training responses, (n_images, n_targets), read row by row.

        Parameters
        ----------
        images : None, slice, int sequence or bool mask, optional
            The training images (rows) to read; all by default. Only those
            rows are read from disk (the files are memory-mapped).

        Returns
        -------
        numpy.ndarray of float32, shape (n_images, n_targets)
            Left hemisphere's challenge vertices first. The release's
            responses are z-scored within each NSD session and averaged
            over the repeats of each image.
        """
        n_images = len(self.images("training"))
        rows = check_index(images, "images", n_images, "training images")
        blocks = []
        for hemi in self.hemispheres:
            name = f"{HEMISPHERE_PREFIXES[hemi]}_training_fmri.npy"
            data = _load_npy(self.folder / "training_split" / "training_fmri" / name, mmap=True)
            if data.ndim != 2 or data.shape != (n_images, self.n_vertices[hemi]):
                raise ValueError(
                    f"{name}: expected shape ({n_images}, {self.n_vertices[hemi]}) "
                    f"(training images, challenge vertices of the {hemi} "
                    f"hemisphere); got {data.shape}."
                )
            if not np.issubdtype(data.dtype, np.floating):
                raise ValueError(f"{name}: expected float responses; got dtype {data.dtype}.")
            blocks.append(np.asarray(data[rows], dtype=np.float32))
        return np.concatenate(blocks, axis=1)

    def roi_labels(self, roi_sets=VISUAL_ROI_SETS, *, by_hemisphere=True, unknown="Unknown",
                   overlap="first"):
        """The ROI of each target, ready for ``RoutingEncoder(roi_labels=...)``.

        Parameters
        ----------
        roi_sets : str or sequence of str, default=VISUAL_ROI_SETS
            ROI sets of the release (see :data:`ROI_SETS`), e.g. the five
            sets of the 24 visual ROIs (default) or ``"streams"``.
        by_hemisphere : bool, default=True
            Prefix each name with its hemisphere (``"lh.V1v"``,
            ``"rh.V1v"``), so that each hemisphere gets its own queries (as
            in the transformer brain encoder paper); False gives
            ``"V1v"`` for both.
        unknown : str, default="Unknown"
            The name of the vertices in no ROI of ``roi_sets`` (code 0).
        overlap : {"first", "error"}, default="first"
            A vertex in ROIs of several sets takes the ROI of the set listed
            first; ``"error"`` refuses such vertices.

        Returns
        -------
        numpy.ndarray of str, shape (n_targets,)
        """
        sets = (roi_sets,) if isinstance(roi_sets, str) else tuple(roi_sets)
        if not sets or len(set(sets)) != len(sets):
            raise ValueError(f"roi_sets must name distinct ROI sets; got {describe(roi_sets)}.")
        for name in sets:
            check_choice(name, "roi_sets", ROI_SETS)
        if not isinstance(unknown, str):
            raise TypeError(f"unknown must be a str; got {describe(unknown)}.")
        check_choice(overlap, "overlap", ("first", "error"))
        mappings = {name: _load_mapping(self._roi_file(f"mapping_{name}.npy")) for name in sets}
        labels = []
        for hemi in self.hemispheres:
            names = np.full(self.n_vertices[hemi], unknown, dtype=object)
            assigned = np.zeros(self.n_vertices[hemi], dtype=bool)
            for name in sets:
                file = f"{HEMISPHERE_PREFIXES[hemi]}.{name}_challenge_space.npy"
                codes = _codes(self._roi_file(file), self.n_vertices[hemi])
                unmapped = np.setdiff1d(codes[codes != 0], list(mappings[name]))
                if unmapped.size:
                    raise ValueError(
                        f"{file} holds code(s) {unmapped[:5].tolist()} that "
                        f"mapping_{name}.npy does not name."
                    )
                inside = codes != 0
                taken = inside & assigned
                if overlap == "error" and taken.any():
                    raise ValueError(
                        f"overlap='error': {int(taken.sum())} {hemi} vertices "
                        f"of {name} are already in an ROI of another set of "
                        f"roi_sets (first: vertex {int(np.flatnonzero(taken)[0])})."
                    )
                free = inside & ~taken
                names[free] = [mappings[name][code] for code in codes[free].tolist()]
                assigned |= free
            prefix = f"{HEMISPHERE_PREFIXES[hemi]}." if by_hemisphere else ""
            labels.append(np.array([prefix + n for n in names.tolist()], dtype=str))
        return np.concatenate(labels)

    def to_fsaverage(self, values):
        """Place challenge-space values on the full fsaverage mesh.

        Parameters
        ----------
        values : array-like of shape (n_targets, ...) or dict
            One value (or row) per target, left hemisphere first, or
            ``{"left": (n_left, ...), "right": (n_right, ...)}``.

        Returns
        -------
        dict of str to numpy.ndarray of float64, shape (163842, ...)
            Per hemisphere; NaN at the fsaverage vertices outside the
            challenge space. ``neurost.plotting.plot_on_cortex`` draws it on
            the full fsaverage (``atlas_or_mesh="fsaverage"``).
        """
        if isinstance(values, dict):
            if set(values) != set(self.hemispheres):
                raise ValueError(
                    f"values: a dict must have the keys {list(self.hemispheres)}; "
                    f"got {list(values)}."
                )
            parts = {h: _numbers(values[h], f"values[{h!r}]") for h in self.hemispheres}
        else:
            flat = _numbers(values, "values")
            if flat.ndim == 0 or len(flat) != self.n_targets:
                raise ValueError(
                    f"values must hold one value per target, {self.n_targets} "
                    f"({self.n_vertices}, left first); got shape {flat.shape}."
                )
            bounds = np.cumsum([0, *self.n_vertices.values()])
            parts = {h: flat[a:b] for h, a, b in zip(self.hemispheres, bounds[:-1], bounds[1:])}
        out = {}
        for hemi, part in parts.items():
            if part.ndim == 0 or len(part) != self.n_vertices[hemi]:
                raise ValueError(
                    f"values[{hemi!r}] must hold {self.n_vertices[hemi]} values "
                    f"(the {hemi} challenge vertices); got shape {part.shape}."
                )
            full = np.full((FSAVERAGE_VERTICES, *part.shape[1:]), np.nan)
            full[self.fsaverage_masks[hemi]] = part
            out[hemi] = full
        return out

    def _roi_file(self, name):
        return self.folder / "roi_masks" / name


def _subject_folder(root, subject):
    if not isinstance(root, (str, os.PathLike)):
        raise TypeError(f"root must be a folder path; got {describe(root)}.")
    root = Path(root).expanduser()
    if not root.is_dir():
        raise FileNotFoundError(f"root: no such folder: '{root}'.")
    subject = subject_name(subject)
    folder = root / subject
    if not folder.is_dir():
        found = sorted(p.name for p in root.glob("subj[0-9][0-9]") if p.is_dir())
        matches = close_matches(subject, found)
        hint = f" Did you mean {' or '.join(map(repr, matches))}?" if matches else ""
        raise FileNotFoundError(
            f"subject {subject!r}: no folder '{folder}' (subjects in root: "
            f"{found}).{hint}"
        )
    return folder


def _load_npy(path, mmap=False):
    """``np.load`` without pickles; missing or damaged files named."""
    if not path.is_file():
        raise FileNotFoundError(f"{path.name}: no such file: '{path}'.")
    try:
        return np.load(path, allow_pickle=False, mmap_mode="r" if mmap else None)
    except (ValueError, OSError, EOFError) as error:
        raise ValueError(
            f"{path.name}: cannot read '{path}' as a NumPy array file; it is "
            f"truncated, corrupt or holds objects ({type(error).__name__}: {error})."
        ) from None


def _fsaverage_mask(path):
    flags = _load_npy(path)
    if flags.shape != (FSAVERAGE_VERTICES,) or not np.isin(flags, (0, 1)).all():
        raise ValueError(
            f"{path.name}: expected {FSAVERAGE_VERTICES} 0/1 flags (one per "
            f"fsaverage vertex); got shape {flags.shape} and dtype {flags.dtype}."
        )
    if not flags.any():
        raise ValueError(f"{path.name}: no fsaverage vertex is flagged.")
    return flags.astype(bool)


def _codes(path, n_vertices):
    codes = _load_npy(path)
    if codes.shape != (n_vertices,) or not np.issubdtype(codes.dtype, np.number):
        raise ValueError(
            f"{path.name}: expected one ROI code per challenge vertex, shape "
            f"({n_vertices},); got shape {codes.shape} and dtype {codes.dtype}."
        )
    if not np.array_equal(codes, np.round(codes)) or (codes < 0).any():
        raise ValueError(f"{path.name}: ROI codes must be whole numbers >= 0.")
    return codes.astype(np.int64)


def _numbers(values, name):
    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must hold numbers; got {describe(values)}.") from None


def _list_images(folder, split):
    check_choice(split, "split", SPLITS)
    images = folder / _IMAGE_FOLDER[split]
    if not images.is_dir():
        raise FileNotFoundError(f"split={split!r}: no image folder '{images}'.")
    pattern = re.compile(rf"{_IMAGE_PREFIX[split]}-(\d+)_nsd-(\d+)\.png")
    found = []
    for path in images.iterdir():
        if path.name.startswith("."):
            continue
        match = pattern.fullmatch(path.name)
        if match is None:
            raise ValueError(
                f"{images.name}: unexpected file '{path.name}'; expected names "
                f"like '{_IMAGE_PREFIX[split]}-0001_nsd-00013.png'."
            )
        found.append((int(match[1]), path, int(match[2])))
    found.sort()
    numbers = [number for number, _, _ in found]
    if numbers != list(range(1, len(found) + 1)):
        missing = sorted(set(range(1, len(found) + 1)) - set(numbers))
        raise ValueError(
            f"{images.name}: the images must be numbered 1 to {len(found)}; "
            f"{'image ' + str(missing[0]) + ' is missing' if missing else 'a number repeats'}."
        )
    return [(path, nsd) for _, path, nsd in found]


class _MappingUnpickler(pickle.Unpickler):
    """Build NumPy arrays, dtypes and scalars only: nothing that runs code.

    These are the globals of what ``np.save`` writes for a 0-d object array
    holding a dict of ints (or NumPy integers: ``scalar``) to strings under
    Python 3, whose pickle protocols (3 and above) store bytes natively.
    """

    @staticmethod
    def _allowed():
        try:
            from numpy._core import multiarray
        except ImportError:  # numpy < 2
            from numpy.core import multiarray

        reconstruct = {"_reconstruct": multiarray._reconstruct, "scalar": multiarray.scalar}
        return {
            **{("numpy.core.multiarray", k): v for k, v in reconstruct.items()},
            **{("numpy._core.multiarray", k): v for k, v in reconstruct.items()},
            ("numpy", "ndarray"): np.ndarray,
            ("numpy", "dtype"): np.dtype,
        }

    def find_class(self, module, name):
        allowed = self._allowed()
        if (module, name) not in allowed:
            raise pickle.UnpicklingError(f"refused to load the global {module}.{name}")
        return allowed[module, name]


def _load_mapping(path):
    """Read a ``mapping_<roi set>.npy`` dict {code: name} without running code."""
    from numpy.lib import format as npy_format

    if not path.is_file():
        raise FileNotFoundError(f"{path.name}: no such file: '{path}'.")
    try:
        with open(path, "rb") as handle:
            # np.save writes a 3.0 header only for field names that need
            # UTF-8, never for an object array; numpy has no public 3.0
            # header reader, and np.load reads such a file without pickles.
            reader = {
                (1, 0): npy_format.read_array_header_1_0,
                (2, 0): npy_format.read_array_header_2_0,
            }.get(npy_format.read_magic(handle))
            if reader is not None and reader(handle)[2] == object:
                content = _MappingUnpickler(handle).load()
            else:
                content = np.load(path, allow_pickle=False)
    except pickle.UnpicklingError as error:
        raise ValueError(
            f"{path.name}: {error}; a mapping file holds only a dict of ints "
            "to names, so this file is not one (it was not loaded)."
        ) from None
    except (ValueError, OSError, EOFError, TypeError, AttributeError) as error:
        raise ValueError(
            f"{path.name}: cannot read '{path}'; it is truncated or corrupt "
            f"({type(error).__name__}: {error})."
        ) from None
    mapping = content.item() if isinstance(content, np.ndarray) and content.shape == () else None
    if not isinstance(mapping, dict) or not all(
        isinstance(k, (int, np.integer)) and isinstance(v, str) for k, v in mapping.items()
    ):
        raise ValueError(
            f"{path.name}: expected a saved dict of int codes to ROI names; got "
            f"{describe(content)}."
        )
    return {int(k): str(v) for k, v in mapping.items()}
