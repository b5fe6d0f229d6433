#!/usr/bin/env python
"""Django's command-line utility, with one-line errors for misconfigured services."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    from config.startup import run_from_command_line

    run_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
