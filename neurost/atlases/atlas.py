"""The :class:`Atlas` base class: label table, ROI groupings and selection.

Concrete atlases are :class:`~neurost.atlases.VolumeAtlas` (a label volume),
:class:`~neurost.atlases.SurfaceAtlas` (labels on a cortical mesh) and
:class:`~neurost.atlases.CoordinateAtlas` (spheres around MNI coordinates).
"""

import abc
import copy
import warnings

import numpy as np

from .._utils.validation import check_choice
from ..io.meshes import N_VERTICES
from .images import read_label_image
from .selection import RoiResolver, check_groupings
from .table import groupings_from_table, make_label_table

MASKER_KINDS = ("voxels", "parcels")


class Atlas(abc.ABC):
    """An atlas: ROIs with a label table, a space and ROI groupings.

    Not instantiated directly: build one with :func:`neurost.atlases.load_atlas`,
    :meth:`Atlas.from_image`, :meth:`Atlas.from_arrays` or
    :meth:`Atlas.from_coordinates`.

    Attributes
    ----------
    name : str
        Short identifier (``"mmp1"``).
    space : str
        The space of the labels or coordinates (``"MNI152NLin2009aSym"``,
        ``"fsLR32k"``, ``"fsaverage5"``, ``"MNI152"``, or any user string).
    description : str
        One line.
    citation : str or None
        The reference to cite when using the atlas.
    geometry : {"volume", "surface", "coordinates"}
        What the atlas is made of (class attribute).
    default_kind : {"voxels", "parcels"}
        The masker kind used when ``kind=None`` is passed (class attribute).
    """

    geometry = None
    default_kind = "voxels"
    #: The concrete class of each geometry. Subclasses register themselves
    #: here, so that the factories below need not import them (which would
    #: make an import cycle).
    _classes = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.geometry is not None:
            Atlas._classes.setdefault(cls.geometry, cls)

    def __init__(
        self, table, values, *, name, space, groupings, description, citation
    ):
        self._table = make_label_table(table, values, "table")
        if self._table.empty:
            raise ValueError(
                "labels hold no ROI: every label is background (<= 0); an atlas "
                "needs at least one positive label."
            )
        groupings = check_groupings(
            {} if groupings is None else groupings, self._table["name"]
        )
        self._groupings = {**groupings_from_table(self._table), **groupings}
        self._resolver = RoiResolver(self._table, self._groupings)
        self.name = str(name)
        self.space = "unspecified" if space is None else str(space)
        self.description = str(description)
        self.citation = citation

    # -- construction -----------------------------------------------------

    @classmethod
    def from_image(
        cls, img, labels=None, *, space=None, name="custom", groupings=None,
        description="", citation=None,
    ):
        """Build an atlas from a label image.

        Parameters
        ----------
        img : nibabel image, str, os.PathLike, nilearn SurfaceImage or Bunch
            A 3-D integer label volume (image or ``.nii``/``.nii.gz``/``.mgz``
            path; e.g. the NSD ROI files), a surface label image (one label
            per vertex and hemisphere), or a nilearn atlas Bunch with a
            deterministic ``maps`` and its ``lut`` or ``labels``. Labels <= 0
            are background (NSD marks voxels outside the brain with -1).
        labels : None, pandas.DataFrame, list of str or dict, optional
            The label table: see :func:`neurost.atlases.table.make_label_table`.
            ``None`` takes the Bunch's ``lut``/``labels`` if any, otherwise
            names the ROIs ``"roi_<value>"``.
        space : str, optional
            The space of the image. For surfaces it defaults to the standard
            space with that many vertices (``"fsaverage5"``, ``"fsLR32k"``).
        name : str, default="custom"
            Identifier shown in the repr.
        groupings : dict, optional
            ``{grouping: {group: [ROI names]}}``, added to those derived
            from the table's ``hemisphere``, ``network`` and ``region``
            columns.
        description : str, default=""
            One line.
        citation : str, optional
            Reference to cite.

        Returns
        -------
        VolumeAtlas or SurfaceAtlas
        """
        metadata = {
            "groupings": groupings, "description": description, "citation": citation
        }
        read = read_label_image(img, labels)
        if read["kind"] == "volume":
            return Atlas._classes["volume"](
                read["labels"], read["affine"], read["table"],
                name=name, space=space, **metadata,
            )
        return Atlas._classes["surface"](
            read["labels"], read["table"], mesh=read["mesh"],
            name=name, space=space, **metadata,
        )

    @classmethod
    def from_arrays(
        cls, labels, names=None, *, space=None, affine=None, mesh=None,
        name="custom", groupings=None, description="", citation=None,
    ):
        """Build an atlas from label arrays.

        Parameters
        ----------
        labels : numpy.ndarray or dict
            A volume: array of shape (X, Y, Z), with ``affine``. A surface:
            ``{"left": (n_left,), "right": (n_right,)}`` arrays, or one array
            of shape (n_left + n_right,) with the left hemisphere first, with
            ``mesh`` or a standard ``space``. Integer values; <= 0 is
            background.
        names : None, pandas.DataFrame, list of str or dict, optional
            The label table: see :func:`neurost.atlases.table.make_label_table`.
        space : str, optional
            The space; ``"fsaverage5"`` or ``"fsLR32k"`` is enough to define a
            surface atlas (its meshes are loaded on demand).
        affine : array-like of shape (4, 4), optional
            Voxel-to-mm transform of a volume atlas.
        mesh : nilearn.surface.PolyMesh, optional
            The mesh of a surface atlas.
        name : str, default="custom"
            Identifier shown in the repr.
        groupings : dict, optional
            ``{grouping: {group: [ROI names]}}``, added to those derived
            from the table's ``hemisphere``, ``network`` and ``region``
            columns.
        description : str, default=""
            One line.
        citation : str, optional
            Reference to cite.

        Returns
        -------
        VolumeAtlas or SurfaceAtlas
        """
        metadata = {
            "groupings": groupings, "description": description, "citation": citation
        }
        if affine is not None:
            if mesh is not None:
                raise ValueError(
                    "from_arrays: pass affine= for a volume atlas or mesh= for "
                    "a surface atlas, not both."
                )
            return Atlas._classes["volume"](
                labels, affine, names, name=name, space=space, **metadata
            )
        if mesh is not None or isinstance(labels, dict) or space in N_VERTICES:
            return Atlas._classes["surface"](
                labels, names, mesh=mesh, name=name, space=space, **metadata
            )
        raise ValueError(
            "from_arrays: cannot tell a volume from a surface atlas; pass "
            "affine= (4 x 4 voxel-to-mm matrix) for a volume, or mesh= (a "
            f"PolyMesh) or space= one of {list(N_VERTICES)} for a surface."
        )

    @classmethod
    def from_coordinates(
        cls, coords, radius, names=None, *, space="MNI152", name="custom",
        groupings=None, description="", citation=None,
    ):
        """Build an atlas of spheres around coordinates.

        Parameters
        ----------
        coords : array-like of shape (n_rois, 3)
            Sphere centres in mm (x, y, z).
        radius : float or array-like of shape (n_rois,)
            Sphere radii in mm.
        names : None, pandas.DataFrame, list of str or dict, optional
            The label table; ROI ``i`` (0-based row of ``coords``) has index
            ``i + 1``.
        space : str, default="MNI152"
            The space of the coordinates.
        name : str, default="custom"
            Identifier shown in the repr.
        groupings : dict, optional
            ``{grouping: {group: [ROI names]}}``, added to those derived
            from the table's ``hemisphere``, ``network`` and ``region``
            columns.
        description : str, default=""
            One line.
        citation : str, optional
            Reference to cite.

        Returns
        -------
        CoordinateAtlas
        """
        return Atlas._classes["coordinates"](
            coords, radius, names, name=name, space=space, groupings=groupings,
            description=description, citation=citation,
        )

    # -- ROIs -------------------------------------------------------------

    @property
    def table(self):
        """pandas.DataFrame: the label table (a copy), one row per ROI.

        Columns ``index`` (label value), ``name``, and optionally
        ``hemisphere``, ``network``, ``region``, ``color`` (``"#rrggbb"``).
        """
        return self._table.copy()

    @property
    def groupings(self):
        """dict: ``{grouping: {group: [ROI names]}}`` (a copy).

        Includes one grouping per ``hemisphere``, ``network`` or ``region``
        column of the table.
        """
        return copy.deepcopy(self._groupings)

    @property
    def roi_names(self):
        """list of str: the ROI names, in table order."""
        return self._table["name"].tolist()

    @property
    def n_rois(self):
        """int: the number of ROIs (background excluded)."""
        return len(self._table)

    def resolve_rois(self, rois=None):
        """Resolve an ROI selection into the atlas ROIs it is made of.

        Each entry of ``rois`` is one *output* ROI, the unit of the
        ``"parcels"`` masker and of :meth:`roi_labels`.

        Parameters
        ----------
        rois : None, str, int, list or dict, optional
            - ``None``: every ROI, one output each, in table order.
            - an ROI name (``"L_V1"``) or index (``1``, the label value).
            - a group name (``"ventral"``): one output ROI merging the
              group's ROIs; ``"grouping:group"`` when several groupings
              have that group.
            - a grouping name (``"visual_streams"``): one output ROI per
              group.
            - a list of the above.
            - a dict ``{output name: selection}`` whose values are any of
              the above or lists of them, merged into one output ROI.

            An ROI name takes precedence over a group name, which takes
            precedence over a grouping name. Output ROIs must not overlap.

        Returns
        -------
        dict of str to numpy.ndarray of int64
            ``{output ROI name: sorted label indices}``, in output order.

        Raises
        ------
        ValueError
            For unknown names (with close matches), indices, overlapping or
            repeated output ROIs.
        """
        return self._resolver.resolve(rois)

    # -- masking ----------------------------------------------------------

    def _position_lookup(self, selection):
        """Array mapping each label value to its output-ROI position, or -1."""
        lookup = np.full(int(self._table["index"].max()) + 1, -1, dtype=np.int64)
        for position, members in enumerate(selection.values()):
            lookup[members] = position
        return lookup

    def _check_kind(self, kind):
        return self.default_kind if kind is None else check_choice(
            kind, "kind", MASKER_KINDS
        )

    def _check_not_empty(self, selection, counts, where):
        """Raise ValueError naming the output ROIs whose count is 0."""
        empty = [name for name, count in zip(selection, counts) if count == 0]
        if empty:
            shown = ", ".join(map(repr, empty[:10]))
            more = f" and {len(empty) - 10} more" if len(empty) > 10 else ""
            one = len(empty) == 1
            targets = "vertices" if self.geometry == "surface" else "voxels"
            raise ValueError(
                f"Empty ROI{'' if one else 's'}: {shown}{more} ({len(empty)} of "
                f"the {len(selection)} selected ROIs of atlas {self.name!r}) "
                f"{'has' if one else 'have'} no {targets} {where}. Leave "
                f"{'it' if one else 'them'} out of rois=, or check that the "
                f"data are in the atlas's space ({self.space})."
            )

    def extract(
        self, img, rois=None, kind=None, *, confounds=None, sample_mask=None,
        **masker_kwargs,
    ):
        """Check ``img`` against the atlas, then extract its signals.

        Runs :meth:`check_compatible`, then fits the masker from
        :meth:`masker` on ``img`` and transforms it.

        Parameters
        ----------
        img : nibabel image, str, os.PathLike, nilearn SurfaceImage or pair
            The data: a 3-D or 4-D volume, or surface data, in the atlas's
            space. Files, and nibabel images other than volumes (GIfTI,
            CIFTI-2), are read with :func:`neurost.io.load_bold`, which
            checks them and records their repetition time.
        rois : optional
            The ROI selection (see :meth:`resolve_rois`).
        kind : {"voxels", "parcels"}, optional
            ``"voxels"``: one target per voxel/vertex inside the selected
            ROIs; ``"parcels"``: one mean signal per output ROI. Defaults to
            :attr:`default_kind`.
        confounds, sample_mask : optional
            Passed to the masker's ``fit_transform``.
        **masker_kwargs
            Passed to the masker (``standardize``, ``detrend``, ``t_r``,
            ``high_pass``, ``smoothing_fwhm``...). ``t_r`` defaults to the
            repetition time of ``img`` (:func:`neurost.io.get_t_r`), unless
            an in-memory image's header gives a time step without unit.

        Returns
        -------
        numpy.ndarray of shape (n_frames, n_targets)
            ``n_targets`` is the number of voxels/vertices
            (``len(atlas.roi_labels(rois))``) or of output ROIs; a 3-D
            volume or single-frame surface gives ``n_frames = 1``.

        Warns
        -----
        UserWarning
            If ``img`` holds NaN or infinite values inside the selected ROIs,
            naming how many, in how many voxels or vertices, and the first
            one (voxel or vertex, and frame): volume maskers output 0 there,
            surface maskers NaN or infinity (see :mod:`neurost.atlases.maskers`).
        """
        from ..io import get_t_r

        img = self.load_data(img)
        self.check_compatible(img, rois=rois, kind=kind)
        if masker_kwargs.get("t_r") is None:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                t_r = get_t_r(img)
            # A time step without unit (an in-memory image's default) is not
            # taken as the repetition time; a file read here already warned.
            if t_r is not None and not caught:
                masker_kwargs["t_r"] = t_r
        masker = self._masker_for(img, rois, kind, masker_kwargs)
        signals = masker.fit_transform(
            img, confounds=confounds, sample_mask=sample_mask
        )
        return np.atleast_2d(signals)

    def load_data(self, img):
        """Read the data given to :meth:`extract` (a volume by default).

        A path is read with :func:`neurost.io.load_bold` (checked for
        damage, data left on disk, repetition time recorded); an image is
        returned as is, to be checked by :meth:`check_compatible`.
        """
        import os

        from ..io import load_bold

        if isinstance(img, (str, os.PathLike)):
            return load_bold(img)
        return img

    def _masker_for(self, img, rois, kind, masker_kwargs):
        """The masker that :meth:`extract` fits on ``img``."""
        return self.masker(rois, kind=kind, **masker_kwargs)

    # -- display ----------------------------------------------------------

    @abc.abstractmethod
    def _geometry_lines(self):
        """``(label, text)`` pairs describing the atlas's geometry."""

    def __repr__(self):
        names = self.roi_names
        if len(names) > 6:
            names = [*names[:3], "...", *names[-2:]]
        shown = ", ".join(names)
        groupings = ", ".join(
            f"{grouping} ({len(groups)} groups)"
            for grouping, groups in self._groupings.items()
        )
        lines = [
            ("space", self.space),
            *self._geometry_lines(),
            ("ROIs", f"{self.n_rois}: {shown}"),
            ("table", ", ".join(self._table.columns)),
            ("groupings", groupings or "none"),
        ]
        if self.citation:
            lines.append(("citation", self.citation))
        header = f"{type(self).__name__} {self.name!r}"
        if self.description:
            header += f": {self.description}"
        return "\n".join([header] + [f"  {key:<10} {value}" for key, value in lines])


def check_masker_kwargs(masker_kwargs, reserved):
    """Return the keyword arguments of a masker, with neurost's defaults.

    Raises TypeError if ``masker_kwargs`` sets an argument that the atlas
    sets itself. Signals are not standardised unless asked
    (``standardize=None``, nilearn's documented value for "no scaling").
    """
    refused = [key for key in reserved if key in masker_kwargs]
    if refused:
        raise TypeError(
            f"masker_kwargs: {refused} cannot be set: the atlas defines them "
            "(and roi_labels() depends on them). Select ROIs with rois=, or "
            "build another atlas with Atlas.from_image or Atlas.from_arrays."
        )
    return {"standardize": None, **masker_kwargs}
