"""Run ``neurost tokenize ARGS`` and SIGKILL it once two blocks of frames are stored.

Usage: ``python tokenize_killed.py ARGS``. The process dies as a killed
job would (no clean-up), right after the store has written and flushed
the second block of the first run.
"""

import os
import signal
import sys

from neurost.cli.main import main
from neurost.tokenize import SliceTokenizer

blocks = SliceTokenizer.transform_blocks


def die_before_the_third_block(self, run, start=0):
    for index, block in enumerate(blocks(self, run, start=start)):
        if index == 2:  # the store has written the first two
            os.kill(os.getpid(), signal.SIGKILL)
        yield block


if __name__ == "__main__":
    SliceTokenizer.transform_blocks = die_before_the_third_block
    sys.exit(main(sys.argv[1:]))
