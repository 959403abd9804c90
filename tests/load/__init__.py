"""Load tests: locust against gunicorn (tests/load/run.py)."""
