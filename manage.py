#!/usr/bin/env python
"""Django's command-line utility, which reports bad configuration in one line."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from config.startup import run_command

    run_command(sys.argv)


if __name__ == "__main__":
    main()
