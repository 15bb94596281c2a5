"""Real data shipped by installed packages, and simulators with ground truth.

Nothing here touches the network. Each loader returns a
:class:`sklearn.utils.Bunch` with the data, a ``description`` (what it is,
its size, units and repetition time) and its ``provenance`` (package,
version, files, original source and citation)::

    from neurost.datasets import load_nitime_runs, load_natural_images

    runs = load_nitime_runs()              # two 10 x 10 x 18 x 40 runs, TR 1.35 s
    stimuli = load_natural_images()        # 8 uint8 RGB photographs
"""

from ..io.meshes import MESH_KINDS, N_VERTICES, load_surface_mesh
from .cohort import LABEL_NETWORKS, NETWORKS, TRAIT_NETWORK, make_cohort
from .derivatives import make_fmriprep_derivatives
from .images import NATURAL_IMAGES, load_natural_images
from .motion import MOTIONS, convolve_hrf, make_motion_dataset
from .nitime_runs import (
    load_nitime_event_related,
    load_nitime_resting_state,
    load_nitime_runs,
)
from .routing import LOCATION_FIELDS, MMP_AREAS, OBJECT_CROPS, make_routing_dataset
from .surfaces import load_fsaverage5, load_fslr32k
from .templates import load_mni152
from .video import load_sample_video

__all__ = [
    "LABEL_NETWORKS",
    "LOCATION_FIELDS",
    "MESH_KINDS",
    "MMP_AREAS",
    "MOTIONS",
    "NATURAL_IMAGES",
    "NETWORKS",
    "N_VERTICES",
    "OBJECT_CROPS",
    "TRAIT_NETWORK",
    "convolve_hrf",
    "load_fsaverage5",
    "load_fslr32k",
    "load_mni152",
    "load_natural_images",
    "load_nitime_event_related",
    "load_nitime_resting_state",
    "load_nitime_runs",
    "load_sample_video",
    "load_surface_mesh",
    "make_cohort",
    "make_fmriprep_derivatives",
    "make_motion_dataset",
    "make_routing_dataset",
]
