"""``neurost demo``: run neurost's pipelines offline and report them in HTML.

Each section of the demo is a function ``section(report, out_dir, log)``
that adds its text, figures and tables to the report; :data:`SECTIONS`
lists them in the order they appear in ``index.html``.
"""

import platform
from pathlib import Path

from .. import __version__
from ..reporting import Report
from .demo_atlases import atlas_and_roi_signals
from .demo_encoding import encoding_routing
from .demo_tablet import tablet_tokens
from .demo_video import video_flow

SECTIONS = [atlas_and_roi_signals, tablet_tokens, encoding_routing, video_flow]


def run_demo(out_dir, verbose=True):
    """Run every demo section and write ``index.html`` into ``out_dir``.

    Parameters
    ----------
    out_dir : str or os.PathLike
        Output folder; created if missing. Figures of an earlier demo in
        the same folder are replaced.
    verbose : bool, default=True
        Print a line as each step starts.

    Returns
    -------
    pathlib.Path
        The written ``index.html``.
    """
    import matplotlib

    matplotlib.use("Agg")
    out_dir = Path(out_dir).expanduser()
    out_dir.mkdir(parents=True, exist_ok=True)

    def log(message):
        if verbose:
            print(f"[neurost demo] {message}", flush=True)

    report = Report(
        "neurost demo",
        subtitle=(
            f"neurost {__version__}, Python {platform.python_version()}; "
            "all data ship with installed packages (no network)."
        ),
    )
    for section in SECTIONS:
        section(report, out_dir, log)
    return report.write(out_dir / "index.html")
