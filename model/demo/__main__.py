"""python -m model.demo: the command line (model.demo.cli)."""
from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
