"""Demo section: TABLeT tokenization of fMRI runs and a classifier of simulated subjects."""

import numpy as np

from ._demo_figures import add_figure

#: Simulated subjects of the classification example, frames per run, and
#: subjects held out to test the classifier.
N_SUBJECTS = 20
N_FRAMES = 32
N_TEST = 8


def tablet_tokens(report, out_dir, log):
    """Tokenize a run, decode it back, and classify simulated subjects from tokens."""
    from nilearn.image import index_img, resample_to_img

    import pandas as pd
    from nilearn.plotting import plot_stat_map
    from sklearn.metrics import roc_auc_score

    from ..datasets import make_cohort
    from ..plotting import plot_volume_slices
    from ..tablet import TabletClassifier, attribution_map
    from ..tokenize import SliceTokenizer

    section = report.add_section(
        "TABLeT: fMRI volumes as natural-image autoencoder tokens",
        "Every volume of a run is cut into slices along its three axes; a "
        "frozen 2D autoencoder trained on natural photographs only (neurost's "
        "built-in f32c32 model) encodes each slice, and the latents inside "
        "each 32-voxel cube of the 96-voxel grid become one token: 27 tokens "
        "per frame. The runs are simulated (make_cohort: five networks in "
        "MNI space at 4 mm, resampled to the 2 mm grid by the tokenizer); "
        "the label of each subject is the sign of the coupling between the "
        "default-mode and salience networks.",
    )
    log("simulating subjects and tokenizing their runs")
    cohort = make_cohort(n_subjects=N_SUBJECTS, n_frames=N_FRAMES, random_state=0)
    tokenizer = SliceTokenizer().fit()
    tokens = tokenizer.transform(list(cohort.runs))
    first = tokens[0]
    log(f"{len(tokens)} runs -> {first.shape[1]} tokens x {first.shape[2]} dims per frame")

    log("decoding the tokens of one frame back to a volume")
    reconstruction = index_img(
        tokenizer.inverse_transform(first[:1], reference=cohort.runs[0]), 0
    )
    original = resample_to_img(
        index_img(cohort.runs[0], 0), reconstruction, interpolation="continuous",
        force_resample=True, copy_header=True,
    )
    inside = original.get_fdata() != 0
    r = np.corrcoef(original.get_fdata()[inside], reconstruction.get_fdata()[inside])[0, 1]
    fig, _ = plot_volume_slices(
        [original, reconstruction],
        ["original", "from tokens"],
        units="signal change (a.u.)",
        title=f"One frame and its reconstruction from 27 tokens (r = {r:.2f} in the brain)",
    )
    add_figure(
        section, fig, out_dir, "tablet_reconstruction",
        "A simulated frame on the 96-voxel grid and the same frame decoded "
        f"from its tokens; Pearson r inside the brain = {r:.3f}",
    )

    log("training a TABLeT classifier on the tokens of simulated subjects")
    train, test = slice(0, N_SUBJECTS - N_TEST), slice(N_SUBJECTS - N_TEST, None)
    classifier = TabletClassifier(
        preset="tiny", n_frames=16, max_epochs=40, batch_size=4, lr=1e-3,
        validation_fraction=None, random_state=0, center_tokens=True,
        model_params=dict(attention="divided"),
    ).fit(tokens[train], cohort.labels[train])
    probability = classifier.predict_proba(tokens[test])[:, 1]
    accuracy = classifier.score(tokens[test], cohort.labels[test])
    auc = roc_auc_score(cohort.labels[test], probability)
    section.tables.append(
        pd.DataFrame(
            {
                "held-out subject": np.arange(N_SUBJECTS)[test] + 1,
                "label": cohort.labels[test],
                "P(label 1)": np.round(probability, 3),
            }
        )
    )
    section.text += (
        f" A tiny TABLeT classifier (centred tokens, divided attention) trained "
        f"on {N_SUBJECTS - N_TEST} subjects (crops of 16 frames) labels the "
        f"{N_TEST} held-out subjects with accuracy {accuracy:.2f} (ROC AUC "
        f"{auc:.2f}; chance 0.5). So few subjects are too few for this "
        "label: in analyses/tablet_cohort_classification.py the same settings "
        "reaches ROC AUC 0.67 with 48 training runs and 0.96 with 240. The map "
        "below attributes its logit to the 27 token cubes (integrated "
        "gradients); the label lives in the coupling of the default-mode "
        "and salience networks."
    )
    log("attributing the classifier's output to token cubes")
    attribution = attribution_map(
        classifier, tokens[test], tokenizer=tokenizer, reference=cohort.runs[0], n_steps=16
    )
    display = plot_stat_map(
        attribution, cmap="RdBu_r", display_mode="ortho", draw_cross=False,
        title="integrated gradients of the label-1 logit",
    )
    add_figure(
        section, display.frame_axes.figure, out_dir, "tablet_attribution",
        "Integrated gradients of the classifier's logit, summed over frames "
        "and averaged over the held-out subjects, painted over each token's "
        "64 mm cube (logit units)",
    )
