# %% [markdown]
# # Classify whole runs with TABLeT
#
# TABLeT reads an fMRI run as a sequence of *tokens*: every frame is cut
# into slices, each slice goes through a frozen 2D autoencoder trained on
# natural images, and the slice latents are regrouped into one token per
# sub-cube of the brain. A small transformer then reads many frames of
# tokens at once and predicts a label or a trait per run.
#
# This walkthrough runs offline in well under a minute: a simulated cohort,
# tokens cached on disk, a classifier, self-supervised pre-training, an
# attribution map and a reconstruction. All sizes are tiny; the text says
# what a real analysis would use.

# %%
import numpy as np
import torch
from nilearn import plotting

from neurost.datasets import make_cohort
from neurost.plotting import plot_volume_slices
from neurost.tablet import MaskedTokenPretrainer, TabletClassifier, attribution_map
from neurost.tokenize import SliceTokenizer, TokenStore
from neurost.tokenize.conform import Conformer

torch.set_num_threads(2)

# %% [markdown]
# ## A simulated cohort
# `make_cohort` simulates resting-state runs on the MNI152 grid. The label
# of a subject is the sign of the coupling between the default-mode and
# salience networks: it lives in the *dynamics*, not in any single frame.
# The runs are made at 2 mm, the grid the tokenizer works on, so they need
# no resampling. A real cohort has hundreds of runs of hundreds of frames.

# %%
cohort = make_cohort(n_subjects=8, n_frames=12, resolution=2.0, effect_size=2.0,
                     random_state=0)
print(cohort.runs[0].shape, "labels:", cohort.labels)

# %% [markdown]
# ## Tokens
# With the defaults, `SliceTokenizer` pads every frame to a 96^3 cube and
# slices it along the 3 axes. The autoencoder (f = 32 times downsampling,
# c = 32 latent channels; the built-in one, or the paper's DC-AE
# `dc-ae-f32c32-in-1.0` from a local Hugging Face cache) turns each 96 x 96
# slice into a 32 x 3 x 3 latent. A token covers a 32^3 sub-cube: for each
# axis, the 32 slices through it times the 32 channels of its latent
# position, so 3 x 32 x 32 = **3,072 dimensions**, and the cube holds
# 3 x 3 x 3 = **27 tokens** per frame. In general, a grid of side G and
# tokens of side T give (G/T)^3 tokens of n_axes x T x (T/f)^2 x c dims.
#
# To stay fast here, we keep only the axial slices and a 64^3 cube (which
# crops the edges of the brain): 8 tokens of 1 x 32 x 32 = 1,024 dims.

# %%
tokenizer = SliceTokenizer(axes=(2,), grid_size=64, device="cpu").fit()
print(tokenizer.n_tokens_, "tokens of", tokenizer.token_dim_, "dimensions per frame")

# %% [markdown]
# Tokenizing is the slow step, so tokens are computed once and cached in a
# `TokenStore` (an index file and one HDF5 file per run; an interrupted
# tokenization resumes where it stopped). The estimators accept token arrays, 4D images (tokenized on
# the fly) or `(store, key)` pairs read lazily.

# %%
store = TokenStore("tokens.h5")
keys = [f"sub-{i:02d}" for i in range(len(cohort.runs))]
store.tokenize(dict(zip(keys, cohort.runs)), tokenizer)
tokens = [store.read(key) for key in keys]
print("tokens of one run:", tokens[0].shape, "(frames, tokens, dims)")

# %% [markdown]
# ## A classifier
# `TabletClassifier` trains on random crops of `n_frames` consecutive
# frames and predicts by averaging the logits of non-overlapping windows.
# The paper uses `preset="base"` (about 130 M parameters) and 256-frame
# crops; `"tiny"` and 8 frames are enough to run here. Two settings
# matter for labels that live in how regions fluctuate together:
# `center_tokens=True` removes each run's mean frame (the image all its
# frames share, which a transformer otherwise memorises), and
# `attention="divided"` lets the first block combine the sub-cubes of one
# frame before any block mixes frames. On the simulated cohort of
# `analyses/tablet_cohort_classification.py` the paper's settings stay at
# chance (ROC AUC 0.51) and these reach 0.96 with 240 training runs. With six
# training runs the predictions below mean little: this shows the
# interface.

# %%
train, test = np.arange(6), np.arange(6, 8)
settings = dict(preset="tiny", n_frames=8, max_epochs=3, validation_fraction=None,
                center_tokens=True, model_params=dict(attention="divided"),
                device="cpu", random_state=0)
clf = TabletClassifier(**settings).fit([tokens[i] for i in train], cohort.labels[train])
print("P(label) of the held-out runs:\n", clf.predict_proba([tokens[i] for i in test]))
print("true labels:", cohort.labels[test])

# %% [markdown]
# ## Pre-training without labels
# `MaskedTokenPretrainer` hides half of the token positions (the same ones
# in every frame of a crop) and learns to reconstruct them. Its transformer
# initialises a classifier through `init_from`. Whether this helps with few
# labels depends on the data: on the simulated cohort it did not (see the
# learning curve of `analyses/tablet_cohort_classification.py`).

# %%
pretrainer = MaskedTokenPretrainer(**settings).fit(tokens)
losses = [round(float(epoch["train_loss"]), 3) for epoch in pretrainer.history_]
print("masked L1 error per epoch:", losses)
tuned = TabletClassifier(**settings, init_from=pretrainer.backbone_.state_dict())
tuned.fit([tokens[i] for i in train], cohort.labels[train])
print("P(label) after pre-training:\n", tuned.predict_proba([tokens[i] for i in test]))

# %% [markdown]
# ## Which sub-cubes drive the prediction
# `attribution_map` computes integrated gradients per token, sums them over
# frames and paints each token's value over its sub-cube: a map at the
# resolution of the token grid (here 2 x 2 x 2 cubes of 64 mm).

# %%
image = attribution_map(clf, tokens[:2], n_steps=4, tokenizer=tokenizer,
                        reference=cohort.runs[0])
display = plotting.plot_stat_map(image, cmap="RdBu_r", title="integrated gradients",
                                 display_mode="ortho")
display.savefig("attribution_map.png")
display.close()

# %% [markdown]
# ## What the tokens keep
# `inverse_transform` decodes tokens back to volumes; with `reference=` the
# intensity scaling is undone. We compare the first frame with its
# reconstruction on the same conformed grid.

# %%
run = cohort.runs[0]
original = Conformer(run.shape[:3], run.affine, tokenizer.grid_size)(
    np.asarray(run.dataobj)[..., :1])[0]
decoded = tokenizer.inverse_transform(tokens[0][:1], reference=run).get_fdata()[..., 0]
inside = original != 0
print("correlation in the brain:",
      round(float(np.corrcoef(original[inside], decoded[inside])[0, 1]), 2))
plot_volume_slices([original, decoded], labels=["frame 0", "from tokens"], cmap="RdBu_r",
                   output_file="reconstruction.png")
