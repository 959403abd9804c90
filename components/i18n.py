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

import contextvars
import io
import re
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from string import Formatter

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


def _(message: str) -> str:
    """The message in the current language; English when the catalog lacks it.

    A filled-in sentence from model/ (an ActionError) is recognised by its
    template and translated with its values (see `translate_sentence`).
    """
    if not isinstance(message, str) or not message:
        return message
    language = current_language()
    if language == DEFAULT_LANGUAGE:
        return message
    translated = translations(language).gettext(message)
    if translated != message:
        return translated
    return translate_sentence(message, language) or message


def gettext(message: str) -> str:
    return _(message)


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


# --- codes (statuses, reasons, types, …): translated labels, codes unchanged -------
CODE_LABELS = {
    # case status / fulfillment, return and approval statuses
    "new": N_("New"), "open": N_("Open"), "pending": N_("Pending"), "resolved": N_("Resolved"),
    "closed": N_("Closed"), "created": N_("Created"), "allocated": N_("Allocated"),
    "partially_fulfilled": N_("Partially fulfilled"), "fulfilled": N_("Fulfilled"), "delivered": N_("Delivered"),
    "lost": N_("Lost"), "canceled": N_("Canceled"), "returned": N_("Returned"), "submitted": N_("Submitted"),
    "received": N_("Received"), "approved": N_("Approved"), "rejected": N_("Rejected"),
    # case types, priorities and channels
    "payment": N_("Payment"), "claim": N_("Claim"), "shipment": N_("Shipment"), "return": N_("Return"),
    "cancellation": N_("Cancellation"), "other": N_("Other"),
    "low": N_("Low"), "normal": N_("Normal"), "high": N_("High"), "urgent": N_("Urgent"),
    "email": N_("Email"), "phone": N_("Phone"), "chat": N_("Chat"), "web": N_("Web"), "internal": N_("Internal"),
    "store": N_("Store"), "marketplace": N_("Marketplace"),
    # roles
    "agent": N_("Agent"), "lead": N_("Lead"), "manager": N_("Manager"), "admin": N_("Admin"),
    # reason codes (policy defaults)
    "customer_request": N_("Customer request"), "duplicate_order": N_("Duplicate order"),
    "out_of_stock": N_("Out of stock"), "fraud_suspected": N_("Fraud suspected"),
    "price_match": N_("Price match"), "goodwill": N_("Goodwill"), "damaged": N_("Damaged"),
    "late_delivery": N_("Late delivery"), "lost_in_transit": N_("Lost in transit"),
    "damaged_in_transit": N_("Damaged in transit"), "defective": N_("Defective"), "wrong_item": N_("Wrong item"),
    "wrong_size": N_("Wrong size"), "not_as_described": N_("Not as described"), "changed_mind": N_("Changed mind"),
    # return conditions and change kinds
    "resellable": N_("Resellable"), "missing_parts": N_("Missing parts"),
    "cancel": N_("Cancel"), "discount": N_("Discount"), "rma": N_("Return via RMA"),
    "shipping_credit": N_("Shipping credit"), "reship": N_("Reship"),
}


def label(code: str | None) -> str:
    """The translated label of a code ('wrong_size' → 'Wrong size' / 'サイズ違い'); the code stays the value."""
    if not code:
        return ""
    return _(CODE_LABELS.get(code) or code.replace("_", " ").capitalize())


# --- sentences from model/ -------------------------------------------------------
# Pieces that model/actions/_common.py glues together; their translations are
# looked up in the catalog like any message. Order matters: first match wins.
SENTENCE_TEMPLATES = [
    N_("Only {can} of {of} units of {sku} can be {verb}: {reasons}; you asked for {asked}."),
    N_("Only {can} of {of} units of {sku} can be {verb}; you asked for {asked}."),
    N_("No unit of {sku} can be {verb}: {reasons}."),
    N_("No unit of {sku} can be {verb}."),
    N_("Nothing on order {number} can be {verb}."),
]
# Reasons listed after the colon of the sentences above ("2 are already returned").
REASON_TEMPLATES = [
    N_("1 is already canceled"), N_("{count} are already canceled"),
    N_("1 is allocated to a warehouse"), N_("{count} are allocated to a warehouse"),
    N_("1 is already shipped"), N_("{count} are already shipped"),
    N_("1 is not yet shipped"), N_("{count} are not yet shipped"),
    N_("1 is already returned"), N_("{count} are already returned"),
    N_("1 is on an open return order"), N_("{count} are on an open return order"),
    N_("{count} shipped more than {days} days ago"),
    N_("only units of a lost shipment not yet sent again can be"),
]
# "can be {verb}": the verb's form differs by language, hence a context.
VERBS = [NC_("can be", "returned"), NC_("can be", "canceled"), NC_("can be", "reshipped"),
         NC_("can be", "allocated"), NC_("can be", "shipped"), NC_("can be", "discounted")]
# Placeholders whose values are themselves translated (others are numbers, SKUs, names).
_NESTED = {"verb": lambda value: pgettext("can be", value),
           "what": lambda value: pgettext("can be", value),
           "reasons": lambda value: _translate_list(value),
           "status": lambda value: label(value)}


def _translate_list(value: str) -> str:
    parts = [translate_sentence(part, current_language(), templates=REASON_TEMPLATES) or _(part)
             for part in value.split(", ")]
    return ("、" if current_language() == "ja" else ", ").join(parts)


@lru_cache(maxsize=4096)
def _template_regex(template: str) -> re.Pattern | None:
    """'Order {number} does not exist.' → ^Order (?P<number>.+?) does not exist\\.$"""
    pattern, names = ["^"], set()
    for literal, name, _spec, _conversion in Formatter().parse(template):
        pattern.append(re.escape(literal))
        if name is None:
            continue
        if not name.isidentifier() or name in names:
            return None
        names.add(name)
        pattern.append(f"(?P<{name}>.+?)")
    if not names:
        return None
    pattern.append("$")
    return re.compile("".join(pattern), re.DOTALL)


@lru_cache(maxsize=None)
def _catalog_templates(language: str) -> tuple[str, ...]:
    """Msgids of `language`'s catalog that have placeholders and a translation, explicit ones first."""
    catalog = getattr(translations(language), "_catalog", {})
    found = [key for key in catalog if isinstance(key, str) and "{" in key and _template_regex(key)]
    # Longest first: a more specific template wins over a shorter, looser one.
    found.sort(key=lambda key: (-len(re.sub(r"\{[^}]*\}", "", key)), key))
    explicit = [t for t in SENTENCE_TEMPLATES if t in catalog]
    return tuple(explicit + [t for t in found if t not in explicit])


def translate_sentence(message: str, language: str | None = None, *, templates=None) -> str | None:
    """The translation of a filled-in English sentence, found by its template; None if unknown.

    'Order SO-00000012 does not exist.' matches the catalog's
    'Order {number} does not exist.' and comes back as '注文 SO-00000012 は存在しません。'.
    """
    language = language or current_language()
    if language == DEFAULT_LANGUAGE or not message:
        return None
    catalog = translations(language)
    for template in (templates if templates is not None else _catalog_templates(language)):
        regex = _template_regex(template)
        if regex is None:
            translated = catalog.gettext(template)
            if template == message and translated != template:
                return translated
            continue
        match = regex.match(message)
        if match is None:
            continue
        translated = catalog.gettext(template)
        if translated == template:
            continue
        values = {name: _NESTED[name](value) if name in _NESTED else value
                  for name, value in match.groupdict().items()}
        try:
            return translated.format(**values)
        except (KeyError, IndexError, ValueError):
            return None
    return None


def translate_error(error) -> str:
    """An exception's message (ActionError) for the person reading it, in their language."""
    return _(str(error))


# --- charts ----------------------------------------------------------------------
PLOTLY_LOCALES = {"en": "en", "ja": "ja", "es": "es"}  # assets/plotly-locale-{ja,es}.js register them


def plotly_config(**extra) -> dict:
    """`dcc.Graph(config=plotly_config())`: axis numbers, dates and the modebar in the viewer's language."""
    return {"locale": PLOTLY_LOCALES.get(current_language(), "en"), "displaylogo": False, **extra}
