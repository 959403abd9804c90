"""python -m model.check: the command line (model.check.cli)."""
from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
