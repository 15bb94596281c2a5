"""Data-parallel training of the torch estimators under torchrun (gloo, CPU).

``fit_worker.py`` fits a tiny ``TabletClassifier``, ``RoutingEncoder``
(two members) and ``FlowDecoder`` and reports, per rank, the weights'
digest, the epochs of each history and a held-out score.
"""

import sys
from pathlib import Path

import pytest

WORKER = Path(__file__).parent / "fit_worker.py"
ESTIMATORS = ("TabletClassifier", "RoutingEncoder", "FlowDecoder")
#: Largest difference of held-out score (ROC AUC, mean r, minus the EPE)
#: between one process and two ranks with the same global batch size. The
#: ranks see the same batches, but the validation set is padded to an even
#: split and sums are reduced in another order, so early stopping may pick
#: another epoch.
SCORE_TOLERANCE = 0.05


@pytest.fixture(scope="module")
def one_process(tmp_path_factory, launch):
    out = tmp_path_factory.mktemp("one-process")
    launch.run([sys.executable, WORKER, out])
    return launch.read_ranks(out, 1)[0]


@pytest.fixture(scope="module")
def two_ranks(tmp_path_factory, launch):
    out = tmp_path_factory.mktemp("two-ranks")
    launch.run(launch.torchrun("--standalone", "--nproc_per_node=2", WORKER, out))
    return launch.read_ranks(out, 2)


@pytest.mark.parametrize("name", ESTIMATORS)
def test_every_rank_ends_with_the_same_weights_and_epochs(two_ranks, name):
    first, second = (rank[name] for rank in two_ranks)
    assert first["weights"] == second["weights"]
    assert first["histories"] == second["histories"]  # early stopping agreed
    assert first["score"] == second["score"]


@pytest.mark.parametrize("name", ESTIMATORS)
def test_each_rank_trains_on_half_of_every_batch(one_process, two_ranks, name):
    # batch_size=8 is the batch of both ranks together.
    assert one_process[name]["world_size"] == 1
    assert max(one_process[name]["batch_sizes"]) == 8
    for rank in two_ranks:
        assert rank[name]["world_size"] == 2
        assert max(rank[name]["batch_sizes"]) == 4


@pytest.mark.parametrize("name", ESTIMATORS)
def test_two_ranks_score_as_one_process(one_process, two_ranks, name):
    assert abs(two_ranks[0][name]["score"] - one_process[name]["score"]) <= SCORE_TOLERANCE


def test_early_stopping_stops_before_max_epochs(two_ranks):
    # The check of agreement above is only meaningful if training stopped early.
    histories = two_ranks[0]["TabletClassifier"]["histories"]
    assert histories[0]["n_epochs"] < 20


def test_killed_run_resumes_from_rank_0_checkpoint(tmp_path, two_ranks, launch):
    command = launch.torchrun("--standalone", "--nproc_per_node=2", WORKER, tmp_path)
    killed = launch.run(command + ["--kill-after", "2"], check=False)
    assert killed.returncode != 0
    assert not (tmp_path / "rank-0.json").exists()
    assert (tmp_path / "checkpoints" / "tablet" / "model.pt").is_file()
    launch.run(command)
    resumed = launch.read_ranks(tmp_path, 2)
    for rank in resumed:
        # Exactly the weights and epochs of the run that was never interrupted.
        assert rank["TabletClassifier"] == two_ranks[0]["TabletClassifier"]


def test_two_nodes_on_the_loopback_address(tmp_path, two_ranks, launch):
    launch.two_nodes([WORKER, tmp_path])
    nodes = launch.read_ranks(tmp_path, 2)
    for name in ESTIMATORS:
        assert nodes[0][name]["world_size"] == 2
        assert nodes[0][name]["weights"] == nodes[1][name]["weights"]
        assert abs(nodes[0][name]["score"] - two_ranks[0][name]["score"]) <= SCORE_TOLERANCE


def test_ranks_fitting_other_data_are_stopped(tmp_path, launch):
    command = launch.torchrun("--standalone", "--nproc_per_node=2", WORKER, tmp_path,
                              "--other-labels-on-rank", "1")
    process = launch.run(command, check=False)
    assert process.returncode != 0
    assert "Rank 1 fits TabletClassifier on other data or parameters than rank 0" in (
        process.stdout + process.stderr)
