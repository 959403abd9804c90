"""Which language a request reads, and its gettext catalog (see components/i18n.py).

The user's setting (`User.language`), else the browser's Accept-Language, else English; each
language's catalog is loaded once per process. `ngettext`, `pgettext`, `N_` and `NC_` are the
plain catalog lookups and markers; `_` (which also translates model/ sentences) is in
components/i18n_sentences.py.
"""
from __future__ import annotations

import contextvars
import io
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from flask import has_request_context

SUPPORTED_LANGUAGES = ("en", "es", "ja")
DEFAULT_LANGUAGE = "en"
# Each language in its own name, as the switcher shows them.
LANGUAGE_NAMES = {"en": "English", "ja": "日本語", "es": "español"}
TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"
DOMAIN = "messages"

_forced_language: contextvars.ContextVar[str | None] = contextvars.ContextVar("forced_language", default=None)


# --- which language --------------------------------------------------------------
def normalize_language(value: str | None) -> str | None:
    """'ja', 'ja-JP', 'es_ES' → a supported language code, else None."""
    if not value:
        return None
    code = str(value).replace("_", "-").split("-")[0].strip().lower()
    return code if code in SUPPORTED_LANGUAGES else None


def current_language() -> str:
    """Language of the current request: user setting → Accept-Language → English."""
    forced = _forced_language.get()
    if forced:
        return forced
    if not has_request_context():
        return DEFAULT_LANGUAGE
    from flask import g, request

    # Asked once per translated string (a page has hundreds): decide once per request.
    language = g.get("_language")
    if language is None:
        language = (normalize_language(_user_language())
                    or request.accept_languages.best_match(SUPPORTED_LANGUAGES) or DEFAULT_LANGUAGE)
        g._language = language
    return language


def _user_language() -> str | None:
    try:
        from flask_login import current_user

        if current_user.is_authenticated:
            return getattr(current_user, "language", None)
    except Exception:  # noqa: BLE001 - no login manager on this app (tests, tools): no user setting
        return None
    return None


@contextmanager
def use_language(language: str):
    """Render in `language` inside the block, whoever is signed in (tests, e-mails, exports)."""
    token = _forced_language.set(normalize_language(language) or DEFAULT_LANGUAGE)
    try:
        yield
    finally:
        _forced_language.reset(token)


# --- catalogs --------------------------------------------------------------------
@lru_cache(maxsize=None)
def translations(language: str) -> NullTranslations:
    """The compiled catalog of `language`, read once per process."""
    if language == DEFAULT_LANGUAGE or language not in SUPPORTED_LANGUAGES:
        return NullTranslations()
    folder = TRANSLATIONS_DIR / language / "LC_MESSAGES"
    mo_path, po_path = folder / f"{DOMAIN}.mo", folder / f"{DOMAIN}.po"
    if mo_path.exists() and (not po_path.exists() or mo_path.stat().st_mtime >= po_path.stat().st_mtime):
        with mo_path.open("rb") as f:
            return Translations(f, domain=DOMAIN)
    if po_path.exists():  # a fresh clone that was not compiled yet: compile in memory
        with po_path.open("rb") as f:
            catalog = read_po(f, locale=language)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        return Translations(buffer, domain=DOMAIN)
    return NullTranslations()


def ngettext(singular: str, plural: str, count: int) -> str:
    """Singular or plural form of a message for `count`, in the current language."""
    language = current_language()
    if language == DEFAULT_LANGUAGE:
        return singular if count == 1 else plural
    return translations(language).ngettext(singular, plural, count)


def pgettext(context: str, message: str) -> str:
    """A message whose translation depends on `context` (e.g. a verb form)."""
    language = current_language()
    if language == DEFAULT_LANGUAGE or not message:
        return message
    return translations(language).pgettext(context, message)


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext_noop name
    """Mark a message for translation without translating it (for constants)."""
    return message


def NC_(context: str, message: str) -> str:  # noqa: N802
    """Mark a message with a context for translation without translating it."""
    return message
