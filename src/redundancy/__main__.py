"""Allow ``python -m redundancy``."""

from redundancy.cli import main

main()
