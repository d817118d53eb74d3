"""`python -m bot ...`: the operator's command line.

Each subsystem contributes its sub-commands through a `register(subparsers)`
function in the module listed in COMMAND_MODULES. A ConfigError anywhere ends
the command with one clear line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from typing import List, Optional

from bot.config import ConfigError

COMMAND_MODULES = [
    "bot.preflight",
    "bot.migrations.commands",
    "bot.catalog.commands",
    "bot.web.commands",
    "bot.privacy_rescan",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot", description="Trợ lý hướng nghiệp: công cụ quản trị"
    )
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
