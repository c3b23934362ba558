"""``python -m linkready``: the same as the ``linkready`` command."""

from linkready.cli.app import main

if __name__ == "__main__":
    main()
