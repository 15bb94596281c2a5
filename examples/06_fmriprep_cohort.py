# %% [markdown]
# # From fMRIPrep derivatives to a subject-grouped TABLeT classifier
#
# A lab's data arrive as a BIDS study preprocessed by fMRIPrep: one folder
# per subject and session, a `desc-preproc_bold.nii.gz` per run with its
# JSON sidecar, brain mask and confounds table, and a `participants.tsv`
# with the traits to predict. This walkthrough goes from such a folder to
# cross-validated predictions of sex, with every run of a subject on the
# same side of every split:
#
# 1. `load_fmriprep` lists the runs (nilearn's BIDS queries and confound
#    loaders do the reading);
# 2. `denoise` regresses the confounds out of each run and drops the
#    scrubbed frames, a block of frames at a time;
# 3. `TokenStore.tokenize` caches the tokens of every run (resumable;
#    `neurost tokenize` and the cluster guide in the README spread it over
#    processes);
# 4. `TabletClassifier` is cross-validated with `StratifiedGroupKFold` over
#    subjects, and its own validation split holds out whole subjects too.
#
# A real study would point `load_fmriprep` at its
# `derivatives/fmriprep` folder. Here a small study is simulated with
# fMRIPrep's file names: 8 subjects, 2 runs each.

# %%
import sklearn
import torch
from sklearn.model_selection import StratifiedGroupKFold, cross_val_predict
from sklearn.metrics import roc_auc_score

from neurost.datasets import make_fmriprep_derivatives
from neurost.io import denoise, load_fmriprep
from neurost.tablet import TabletClassifier
from neurost.tokenize import SliceTokenizer, TokenStore

torch.set_num_threads(2)

study = make_fmriprep_derivatives("study", n_subjects=8, n_runs=2, n_frames=32,
                                  resolution=8.0, effect_size=2.0, random_state=0)
print(study.description)

# %% [markdown]
# ## The runs of the study
# One row per run: the BIDS entities, the paths of the run and its mask,
# the repetition time (from the sidecar, checked against the header), the
# number of frames, the participants' columns and, with `confounds=`,
# nilearn's confounds and sample mask ("simple": motion, white matter and
# CSF, cosine high-pass, non-steady-state frames).

# %%
cohort = load_fmriprep(study.path, task="rest", confounds="simple")
print(cohort[["key", "subject", "run", "t_r", "n_frames", "sex", "age"]])

# %% [markdown]
# ## Denoised runs, tokenized once
# `denoise` returns a lazy image: the regression is fitted in one pass over
# the run when its data are first read, and the cleaned frames are made as
# the tokenizer reads them, so memory does not grow with run length. The
# token store names each run by its key, so a later call skips the runs
# already done.

# %%
runs = {
    row.key: denoise(row.path, row.confounds, sample_mask=row.sample_mask,
                     mask_img=row.mask, standardize="zscore_sample")
    for row in cohort.itertuples()
}
tokenizer = SliceTokenizer(axes=(2,), grid_size=64, device="cpu").fit()
store = TokenStore("tokens").tokenize(runs, tokenizer)
X = [(store, key) for key in cohort["key"]]
print(len(store), "runs in the store;", store.n_frames(cohort["key"][0]), "frames in the first")

# %% [markdown]
# ## Cross-validation grouped by subject
# `StratifiedGroupKFold` keeps a subject's runs in one fold and balances
# the labels across folds (with few subjects, unbalanced folds bias the
# held-out predictions against the left-out class). Inside each fit, the
# early-stopping validation split holds out whole subjects as well: with
# scikit-learn's metadata routing, `groups` reaches both the splitter and
# `fit`.

# %%
sklearn.set_config(enable_metadata_routing=True)
classifier = TabletClassifier(
    preset="tiny", n_frames=8, max_epochs=10, validation_fraction=0.25,
    center_tokens=True, model_params=dict(attention="divided"), device="cpu",
    random_state=0,
).set_fit_request(groups=True)
labels = (cohort["sex"] == "F").astype(int).to_numpy()
groups = cohort["subject"].to_numpy()
scores = cross_val_predict(classifier, X, labels, cv=StratifiedGroupKFold(n_splits=4),
                           method="predict_proba", params={"groups": groups})[:, 1]
sklearn.set_config(enable_metadata_routing=False)
print("held-out ROC AUC over", len(labels), "runs:", round(roc_auc_score(labels, scores), 2))

# %% [markdown]
# With 6 training subjects per fold the AUC above says little; the point is
# the path. On a real cohort, use `preset="base"`, crops of 256 frames and
# many more subjects, and see `analyses/tablet_cohort_classification.py`
# for what the model reaches on the simulated cohort at scale.
