"""Entry point of the ``neurost`` command."""

import argparse
import sys

from .. import __version__
from . import tokenize


def build_parser():
    """Return the argument parser of the ``neurost`` command."""
    parser = argparse.ArgumentParser(
        prog="neurost",
        description="Encoding and decoding analyses of fMRI.",
    )
    parser.add_argument(
        "--version", action="version", version=f"neurost {__version__}"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = commands.add_parser(
        "demo",
        help="run the offline demonstration and write its figures and index.html",
        description=(
            "Run neurost's pipelines on data shipped with installed packages "
            "(no network) and write the figures and an index.html that shows "
            "them into OUT."
        ),
    )
    demo.add_argument(
        "--out",
        required=True,
        metavar="DIR",
        help="output folder (created if missing; existing figures are replaced)",
    )
    demo.add_argument(
        "--quiet", action="store_true", help="print nothing but errors"
    )
    tokenize.add_parser(commands)
    return parser


def main(argv=None):
    """Run the ``neurost`` command; return its exit status."""
    parser = build_parser()
    arguments = parser.parse_args(argv)
    if arguments.command is None:
        parser.print_help()
        return 0
    if arguments.command == "demo":
        from .demo import run_demo

        index = run_demo(arguments.out, verbose=not arguments.quiet)
        if not arguments.quiet:
            print(f"Wrote {index}")
    if arguments.command == "tokenize":
        command = arguments.command_parser
        try:
            return tokenize.run(arguments, command)
        except (ValueError, TypeError, KeyError, OSError) as error:
            command.exit(1, f"{command.prog}: error: {error}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
