"""Translations: `_()` is gettext in the signed-in person's language.

For now every message is its English source text; the catalogs for Spanish
and Japanese plug in behind these same names later. Translate inside layout
functions and callbacks, never at import time (that would freeze one
language for everybody); mark module-level constants with `N_()` so the
extractor finds them, and pass them through `_()` when rendering.
"""
from __future__ import annotations

from flask import has_request_context

SUPPORTED_LANGUAGES = ("en", "es", "ja")
DEFAULT_LANGUAGE = "en"


def current_language() -> str:
    """Language of the person behind the current request, else English."""
    if not has_request_context():
        return DEFAULT_LANGUAGE
    from flask_login import current_user

    language = getattr(current_user, "language", None)
    return language if language in SUPPORTED_LANGUAGES else DEFAULT_LANGUAGE


def _(message: str) -> str:
    """The message in the current language (English until catalogs exist)."""
    return message


def ngettext(singular: str, plural: str, count: int) -> str:
    """Singular or plural form of a message for `count`."""
    return singular if count == 1 else plural


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext_noop name
    """Mark a message for translation without translating it (for constants)."""
    return message
