"""The ``neurost tokenize`` command: tokenize a cohort's runs into a token store."""

import argparse
import re
from pathlib import Path

_NIFTI_SUFFIX = re.compile(r"\.nii(\.gz)?$")


def add_parser(commands):
    """Add the ``tokenize`` command to the sub-parsers ``commands``."""
    parser = commands.add_parser(
        "tokenize",
        help="tokenize fMRI runs into a token store (resumable, shardable)",
        description=(
            "Tokenize 4D fMRI runs with a frozen 2D autoencoder (TABLeT) into the "
            "token store STORE. A killed run resumes where it stopped when the "
            "command is run again. --shard I/N tokenizes one share of the runs "
            "(for a job array); under torchrun every rank takes its part."
        ),
        epilog=(
            "Examples: neurost tokenize sub-01_bold.nii.gz sub-02_bold.nii.gz --out "
            "tokens.h5 | neurost tokenize --list runs.tsv --out tokens.h5 --shard "
            "$SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT | torchrun "
            "--nproc_per_node=4 -m neurost tokenize --list runs.tsv --out tokens.h5"
        ),
    )
    parser.add_argument(
        "runs", nargs="*", metavar="RUN",
        help="4D NIfTI runs; each is stored under its file name without .nii/.nii.gz",
    )
    parser.add_argument(
        "--list", type=Path, metavar="TSV",
        help=(
            "tab-separated table with a 'key' and a 'path' column, one run per row; "
            "relative paths are relative to the table's folder"
        ),
    )
    parser.add_argument(
        "--out", required=True, type=Path, metavar="STORE",
        help="the token store's index file (created if missing)",
    )
    parser.add_argument(
        "--shard", type=_shard, metavar="I/N",
        help="tokenize shard I (0 to N-1) of N: every N-th run of the sorted keys",
    )
    parser.add_argument(
        "--dtype", choices=("float32", "float16"),
        help="storage type of a new store (default: float32, or the store's own)",
    )
    parser.add_argument(
        "--autoencoder", default="builtin",
        help="'builtin' or a local diffusers autoencoder folder (default: builtin)",
    )
    parser.add_argument("--grid-size", type=int, default=96, help="conformed cube side, voxels")
    parser.add_argument("--token-size", type=int, default=32, help="token cube side, voxels")
    parser.add_argument(
        "--scaling", choices=("signed", "tablet"), default="signed", help="intensity scaling"
    )
    parser.add_argument("--batch-size", type=int, default=64, help="slices encoded at once")
    parser.add_argument(
        "--device", default="auto",
        help="'auto', 'cpu' or 'cuda' (default: auto; under torchrun, the GPU of each rank)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(command_parser=parser)
    return parser


def run(arguments, parser):
    """Tokenize the runs named by the parsed ``arguments``; return the exit status."""
    from ..tokenize import SliceTokenizer, TokenStore

    runs = _runs(arguments, parser)
    tokenizer = SliceTokenizer(
        autoencoder=arguments.autoencoder, grid_size=arguments.grid_size,
        token_size=arguments.token_size, scaling=arguments.scaling,
        batch_size=arguments.batch_size, device=arguments.device,
    ).fit()
    store = TokenStore(arguments.out, dtype=arguments.dtype)
    store.tokenize(runs, tokenizer, shard=arguments.shard, verbose=not arguments.quiet)
    return 0


def _runs(arguments, parser):
    """The runs to tokenize, key -> path, from the arguments or the table."""
    if bool(arguments.runs) == bool(arguments.list):
        parser.error("give the runs either as RUN arguments or with --list, not both or none")
    if arguments.list:
        from ..io import load_run_list

        try:
            return load_run_list(arguments.list)
        except (OSError, ValueError) as error:
            parser.error(f"--list: {error}")
    runs = {}
    for path in arguments.runs:
        key = _NIFTI_SUFFIX.sub("", Path(path).name)
        if key in runs:
            parser.error(f"two runs would be stored under the key {key!r}: '{runs[key]}' and "
                         f"'{path}'; use --list to give them keys of their own")
        runs[key] = path
    return runs


def _shard(text):
    match = re.fullmatch(r"(\d+)/(\d+)", text)
    if not match or not int(match[1]) < int(match[2]):
        raise argparse.ArgumentTypeError(
            f"expected I/N with 0 <= I < N (e.g. 0/4); got {text!r}"
        )
    return int(match[1]), int(match[2])
