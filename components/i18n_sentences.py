"""`_()`: a message in the current language, including sentences from model/ and code labels.

A filled-in English sentence from model/ (an ActionError) is recognised by its catalog template
and rendered as the translated template with the same values (see components/i18n.py).
"""
from __future__ import annotations

import re
from functools import lru_cache
from string import Formatter

from .i18n_catalog import DEFAULT_LANGUAGE, NC_, N_, current_language, pgettext, translations


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
# Pieces that model/actions/_common/ glues together; their translations are
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
