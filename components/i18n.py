"""Translations: `_()` is gettext in the signed-in person's language.

The language of a request is the user's setting (`User.language`), else the
browser's Accept-Language, else English. Catalogs are Babel/gettext
catalogs under `translations/<lang>/LC_MESSAGES/messages.{po,mo}`, loaded
once per language (from the compiled .mo, or straight from the .po when it
was not compiled yet or is newer). A message missing from a catalog shows
its English source text.

Translate inside layout functions and callbacks, never at import time (that
would freeze one language for everybody); mark module-level constants with
`N_()` (or `NC_()` with a context) so the extractor finds them, and pass
them through `_()` when rendering.

Sentences from `model/` (ActionError messages, the Actions panel's reasons)
are English f-strings: model/ must not import Flask. `translations/extract.py`
puts them in the catalog as templates ("Order {number} does not exist."), and
`_()` recognises a filled-in English sentence by its template and renders
the translated template with the same values (`translate_sentence`).
"""
from __future__ import annotations

# The layer lives in two modules; every name stays importable from components.i18n.
from .i18n_catalog import (  # noqa: F401
    DEFAULT_LANGUAGE, DOMAIN, LANGUAGE_NAMES, NC_, N_, SUPPORTED_LANGUAGES, TRANSLATIONS_DIR, _forced_language,
    _user_language, current_language, ngettext, normalize_language, pgettext, translations, use_language,
)
from .i18n_sentences import (  # noqa: F401
    _NESTED, CODE_LABELS, REASON_TEMPLATES, SENTENCE_TEMPLATES, VERBS, _, _catalog_templates, _template_regex,
    _translate_list, gettext, label, translate_error, translate_sentence,
)


def page_title(name: str):
    """`register_page(title=page_title(N_("Orders")))`: the browser tab's title in the viewer's language.

    Dash calls the function on every page load (with the path's variables, which the title ignores),
    so each person reads it in their own language: "注文 · Service Desk Ops".
    """
    def title(**_path_variables) -> str:
        from .layout import APP_NAME  # layout imports this module: look the name up when called

        return f"{_(name)} · {APP_NAME}"

    return title


def language_options() -> list[dict]:
    """Options for a language picker: each language named in itself."""
    return [{"label": LANGUAGE_NAMES[code], "value": code} for code in ("en", "ja", "es")]


# --- charts ----------------------------------------------------------------------
PLOTLY_LOCALES = {"en": "en", "ja": "ja", "es": "es"}  # assets/plotly-locale-{ja,es}.js register them


def plotly_config(**extra) -> dict:
    """`dcc.Graph(config=plotly_config())`: axis numbers, dates and the modebar in the viewer's language."""
    return {"locale": PLOTLY_LOCALES.get(current_language(), "en"), "displaylogo": False, **extra}
