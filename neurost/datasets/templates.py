"""The MNI152 volume templates that nilearn ships."""

from sklearn.utils import Bunch

from .._utils.validation import check_positive_int
from ._package_data import package_folder, provenance

#: nilearn's ICBM152 files (resampled from these 1-mm originals).
_NILEARN_FILES = (
    "mni_icbm152_t1_tal_nlin_sym_09a_converted.nii.gz",
    "mni_icbm152_gm_tal_nlin_sym_09a_converted.nii.gz",
    "mni_icbm152_wm_tal_nlin_sym_09a_converted.nii.gz",
)
_CITATION = (
    "Fonov V, Evans AC, Botteron K, Almli CR, McKinstry RC, Collins DL (2011). "
    "Unbiased average age-appropriate atlases for pediatric studies. "
    "NeuroImage 54(1):313-327; Fonov VS, Evans AC, McKinstry RC, Almli CR, "
    "Collins DL (2009). Unbiased nonlinear average age-appropriate brain "
    "templates from birth to adulthood. NeuroImage 47(S1):S102."
)


def load_mni152(resolution=2):
    """Load the MNI152 T1 template and its brain, grey- and white-matter masks.

    nilearn ships the skull-stripped ICBM152 2009a nonlinear template at
    1 mm (its files are named ``..._nlin_sym_09a``: symmetric, release a)
    and resamples it to other resolutions. Offline.

    Parameters
    ----------
    resolution : int, default=2
        Voxel size in mm. At 2 mm the images have shape (99, 117, 95); at
        1 mm, (197, 233, 189).

    Returns
    -------
    sklearn.utils.Bunch
        ``template``
            nibabel.Nifti1Image, T1-weighted intensities scaled to [0, 1]
            (arbitrary units), skull-stripped.
        ``brain_mask``, ``gm_mask``, ``wm_mask``
            nibabel.Nifti1Image, uint8 0/1 masks of the brain, grey matter
            and white matter (nilearn thresholds its tissue probability
            maps), on the template's grid.
        ``resolution``
            int, the voxel size in mm.
        ``description``, ``provenance``
            str and dict (``package``, ``version``, ``files``, ``source``).

    Raises
    ------
    ValueError
        If ``resolution`` is not a positive integer.
    """
    resolution = check_positive_int(resolution, "resolution", "voxel size in mm")
    from nilearn import datasets

    resolution = int(resolution)
    template = datasets.load_mni152_template(resolution=resolution)
    folder = package_folder("nilearn") / "datasets" / "data"
    description = (
        "MNI152 template shipped with nilearn: the skull-stripped T1-weighted "
        "ICBM152 2009a nonlinear symmetric average (files "
        f"'{_NILEARN_FILES[0]}'...), resampled by nilearn to {resolution} mm "
        f"voxels, shape {template.shape}, with brain, grey-matter and "
        "white-matter masks on the same grid. Intensities are scaled to "
        "[0, 1] (arbitrary units); masks are 0/1."
    )
    source = (
        "ICBM 2009a nonlinear symmetric template, McConnell Brain Imaging "
        f"Centre (http://www.bic.mni.mcgill.ca/ServicesAtlases/ICBM152NLin2009); "
        f"cite {_CITATION}"
    )
    return Bunch(
        template=template,
        brain_mask=datasets.load_mni152_brain_mask(resolution=resolution),
        gm_mask=datasets.load_mni152_gm_mask(resolution=resolution),
        wm_mask=datasets.load_mni152_wm_mask(resolution=resolution),
        resolution=resolution,
        description=description,
        provenance=provenance(
            "nilearn", [folder / name for name in _NILEARN_FILES], source
        ),
    )
