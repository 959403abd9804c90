"""Moved: `set_case_fields` and `bulk_apply` are case services in model/actions/cases.py.

Kept as a re-export for the modules that still import it from here (the
security tests); new code imports from model.actions.
"""
from .actions.cases import BULK_ACTIONS, BULK_LIMIT, BulkResult, bulk_apply, set_case_fields  # noqa: F401
