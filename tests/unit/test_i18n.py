"""Translations: no untranslated literal in a layout, complete catalogs, CLDR formatting per locale."""
from __future__ import annotations

import ast
import re
import subprocess
import sys
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import flask
import pytest
from babel.messages.pofile import read_po
from flask_login import LoginManager, login_user

from components.formatting import format_day, format_money, format_when
from components.i18n import (
    SUPPORTED_LANGUAGES, _, current_language, label, ngettext, plotly_config, translate_error,
    translate_sentence, translations, use_language,
)
from pages._guard import UserRecord

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "translations"
SCANNED = sorted([*ROOT.glob("pages/*.py"), *ROOT.glob("components/*.py"), ROOT / "app.py"])

# --- 1. no user-visible literal outside _() ---------------------------------------
COMPONENT_MODULES = {"html", "dbc", "dcc", "dag"}
# Props a person reads. Ids, classNames, hrefs, colors, styles … are not text.
TEXT_PROPS = {"children", "placeholder", "label", "title", "header", "tooltip", "headerName", "alt",
              "aria-label", "aria_label", "name", "description", "message", "submit_n_clicks_text",
              "headerTooltip", "text", "hint", "heading", "body", "empty"}
# Text that is the same in every language.
LANGUAGE_NEUTRAL = {"CSV", "SKU", "RMA", "CC", "SLA", "ID", "Service Desk Ops", "UTC", "%"}


def _is_text(value: str) -> bool:
    """Contains a letter (so '·', '→', ' ', '#', '—' are fine) and is not a neutral word."""
    stripped = value.strip()
    return bool(re.search(r"[^\W\d_]", stripped)) and stripped not in LANGUAGE_NEUTRAL


def _literal_texts(node: ast.AST):
    """String literals (and f-string literal parts) that end up on screen as they are."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.JoinedStr):
        for part in node.values:
            if isinstance(part, ast.Constant) and isinstance(part.value, str):
                yield part.value
    elif isinstance(node, (ast.List, ast.Tuple)):
        for element in node.elts:
            yield from _literal_texts(element)
    elif isinstance(node, ast.IfExp):
        yield from _literal_texts(node.body)
        yield from _literal_texts(node.orelse)
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        yield from _literal_texts(node.left)
        yield from _literal_texts(node.right)


CODE_LIKE = re.compile(r"^[a-z0-9]+([_-][a-z0-9]+)*$")  # 'receive_return', 'open-agents': ids and codes


def _is_factory(node: ast.Call) -> bool:
    return isinstance(node.func, ast.Name) and node.func.id.startswith("make_")


def _component_call(node: ast.Call) -> bool:
    """html.Div(…), dbc.Button(…), dcc.Link(…), and the make_*(…) factories of components/."""
    func = node.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in COMPONENT_MODULES:
        return True
    name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
    return name.startswith("make_") and name not in FACTORIES_WITHOUT_TEXT


# Factories whose first argument is an id or data, not text.
FACTORIES_WITHOUT_TEXT = {"make_case_grid"}


def untranslated_literals(path: Path) -> list[str]:
    """'file:line: text' for each literal shown to people without going through _()."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []

    def report(node, text):
        found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {text!r}")

    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _component_call(node):
            for argument in node.args[:1]:  # children is the first positional argument
                for text in _literal_texts(argument):
                    # a factory's first argument may be a code ("receive_return") rather than text
                    if _is_text(text) and not (_is_factory(node) and CODE_LIKE.match(text)):
                        report(argument, text)
            for keyword in node.keywords:
                if keyword.arg in TEXT_PROPS:
                    for text in _literal_texts(keyword.value):
                        if _is_text(text):
                            report(keyword.value, text)
        # {"label": "...", "value": ...} options and {"headerName": "..."} column definitions
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):
                if isinstance(key, ast.Constant) and key.value in ("label", "headerName", "headerTooltip", "title"):
                    for text in _literal_texts(value):
                        if _is_text(text):
                            report(value, text)
    return found


def test_the_scanner_catches_a_bare_literal_and_allows_translated_ones(tmp_path):
    sample = ROOT / "pages" / "__scanner_sample__.py"
    sample.write_text('from dash import html\nimport dash_bootstrap_components as dbc\n'
                      'html.Div([html.H1("Orders"), html.P(_("Fine")), " · ", dbc.Input(id="x-y", className="a b")])\n'
                      'dbc.Input(placeholder="Search…")\n'
                      'html.Span(f"{count} units")\n'
                      'make_empty_state("Nothing here", id="x-empty", hint=_("Fine"))\n'
                      'options = [{"label": "Open", "value": "open"}]\n', encoding="utf-8")
    try:
        found = untranslated_literals(sample)
    finally:
        sample.unlink()
    assert sorted(line.split(": ", 1)[1] for line in found) == ["' units'", "'Nothing here'", "'Open'", "'Orders'", "'Search…'"]


@pytest.mark.parametrize("path", SCANNED, ids=lambda p: str(p.relative_to(ROOT)))
def test_given_a_page_or_component_module_then_every_visible_literal_goes_through_gettext(path):
    assert untranslated_literals(path) == []


# --- 2. catalogs ------------------------------------------------------------------
def _read(path: Path, locale: str | None = None):
    with path.open("rb") as f:
        return read_po(f, locale=locale)


def _key(message):
    return (message.context, message.id)


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"\{(\w*)\}", text or ""))


@pytest.fixture(scope="module")
def template():
    return _read(TRANSLATIONS / "messages.pot")


def test_the_template_is_up_to_date_with_the_code(tmp_path):
    """Extraction now finds no message that messages.pot lacks (run scripts/i18n extract)."""
    fresh = tmp_path / "fresh.pot"
    subprocess.run(
        [sys.executable, "-c", "import sys; from babel.messages.frontend import main; sys.argv[0]='pybabel'; main()",
         "-q", "extract", "-F", "translations/babel.cfg", "-o", str(fresh),
         "-k", "_", "-k", "N_", "-k", "gettext", "-k", "NC_:1c,2", "-k", "pgettext:1c,2", "-k", "ngettext:1,2", "."],
        cwd=ROOT, check=True, capture_output=True)
    known = {_key(m) for m in _read(TRANSLATIONS / "messages.pot") if m.id}
    missing = sorted(str(_key(m)) for m in _read(fresh) if m.id and _key(m) not in known)
    assert missing == [], "run ./scripts/i18n extract and translate: " + "; ".join(missing[:20])


@pytest.mark.parametrize("language", ["ja", "es"])
def test_given_the_template_then_the_catalog_translates_every_message(template, language):
    catalog = _read(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", locale=language)
    problems = []
    for message in template:
        if not message.id:
            continue
        entry = catalog.get(message.id, context=message.context)
        strings = ([entry.string] if isinstance(entry.string, str) else list(entry.string)) if entry else []
        if entry is None:
            problems.append(f"missing: {message.id!r}")
        elif entry.fuzzy or not strings or not all(s.strip() for s in strings):
            problems.append(f"untranslated: {message.id!r}")
        else:
            source = message.id if isinstance(message.id, str) else message.id[-1]
            if any(_placeholders(s) != _placeholders(source) for s in strings):
                problems.append(f"placeholders differ: {message.id!r}")
    assert problems == []


@pytest.mark.parametrize("language", ["ja", "es"])
def test_the_catalog_loads_and_translates(language):
    with use_language(language):
        assert _("Queue") != "Queue"
        assert _("No such message, kept in English") == "No such message, kept in English"
    assert translations(language) is translations(language)  # cached per language


# --- 3. which language ------------------------------------------------------------
def _user(language):
    return UserRecord(id=1, login="agent", display_name="Agent", role="agent", language=language, time_zone="UTC")


def _app(user):
    app = flask.Flask(__name__)
    app.secret_key = "test"
    LoginManager(app).user_loader(lambda _id: user)
    return app


def test_outside_a_request_the_language_is_english():
    assert current_language() == "en"


@pytest.mark.parametrize("header, expected", [("ja-JP,ja;q=0.9,en;q=0.8", "ja"), ("es-ES,es;q=0.9", "es"),
                                              ("fr-FR,fr;q=0.9", "en"), (None, "en")])
def test_given_nobody_signed_in_then_accept_language_decides(header, expected):
    headers = {"Accept-Language": header} if header else {}
    with _app(None).test_request_context("/", headers=headers):
        assert current_language() == expected


@pytest.mark.parametrize("setting, expected", [("ja", "ja"), ("es", "es"), ("", "es"), (None, "es")])
def test_given_a_signed_in_user_then_their_setting_wins_over_the_browser(setting, expected):
    user = _user(setting)
    with _app(user).test_request_context("/", headers={"Accept-Language": "es"}):
        login_user(user)
        assert current_language() == expected


# --- 4. sentences from model/, codes ----------------------------------------------
@pytest.mark.parametrize("language, expected", [
    ("en", "Only 1 of 3 units of A can be returned: 2 are already returned; you asked for 2."),
    ("ja", "A は 3 点中 1 点しか返品できません（2 点は返品済み）。指定された数量は 2 点です。"),
    ("es", "Solo se pueden devolver 1 de 3 unidades de A: 2 ya están devueltas; ha pedido 2."),
])
def test_given_a_quantity_refusal_then_it_reads_in_the_viewers_language(language, expected):
    from model.actions._common import count_phrase, quantity_refusal

    message = quantity_refusal("returned", "A", 1, 3, 2, [count_phrase(2, "already returned")])
    with use_language(language):
        assert translate_error(Exception(message)) == expected


def test_given_an_action_error_with_values_then_the_values_survive_translation():
    with use_language("ja"):
        assert _("Order SO-00000012 does not exist.") == "注文 SO-00000012 は存在しません。"
    with use_language("es"):
        assert _("Case CS-00000007 is already assigned to Lee Lead.") == "El caso CS-00000007 ya está asignado a Lee Lead."
        assert translate_sentence("Not a sentence the catalog knows {x}.") is None


def test_codes_get_translated_labels_and_stay_codes():
    with use_language("ja"):
        assert (label("wrong_size"), label("pending"), label("some_new_code")) == ("サイズ違い", "保留中", "Some new code")
    with use_language("es"):
        assert label("damaged") == "Dañado"
    assert label("wrong_size") == "Wrong size"


def test_ngettext_falls_back_to_english_forms():
    assert ngettext("{n} case", "{n} cases", 1) == "{n} case"
    assert ngettext("{n} case", "{n} cases", 2) == "{n} cases"


# --- 5. money, dates, charts per locale (Babel's CLDR data) ------------------------
@pytest.mark.parametrize("amount, currency, language, expected", [
    ("1234.56", "JPY", "ja", "￥1,235"),
    ("1234.56", "EUR", "es", "1.234,56\u00a0€"),   # a no-break space before the sign
    ("12345.67", "EUR", "es", "12.345,67\u00a0€"),
    ("1234.565", "USD", "en", "$1,234.57"),       # half-up, not Babel's half-even
    ("1234.565", "USD", "ja", "$1,234.57"),
    ("0.5", "JPY", "ja", "￥1"),
    ("2.5", "JPY", "es", "3\u00a0JPY"),
    ("1234.56", "USD", "es", "1.234,56\u00a0US$"),
])
def test_money_is_formatted_as_cldr_gives_it(amount, currency, language, expected):
    assert format_money(Decimal(amount), currency, language) == expected


def test_money_follows_the_viewers_language_when_none_is_given():
    with use_language("ja"):
        assert format_money(Decimal("1234.56"), "JPY") == "￥1,235"
    with use_language("es"):
        assert format_money(Decimal("99.5"), "EUR") == "99,50\u00a0€"


@pytest.mark.parametrize("language, zone, expected", [
    ("en", "America/New_York", "Nov 22, 2026, 7:15:00\u202fPM"),
    ("ja", "Asia/Tokyo", "2026/11/23 9:15:00"),
    ("es", "Europe/Madrid", "23 nov 2026, 1:15:00"),
])
def test_dates_are_in_the_viewers_zone_and_locale(language, zone, expected):
    moment = datetime(2026, 11, 23, 0, 15, tzinfo=timezone.utc)
    assert format_when(moment, zone, language) == expected


def test_days_per_locale():
    day = datetime(2026, 11, 23)
    assert [format_day(day, language) for language in ("en", "ja", "es")] == [
        "Nov 23, 2026", "2026/11/23", "23 nov 2026"]


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_charts_get_the_plotly_locale_and_its_script_is_served(language):
    with use_language(language):
        assert plotly_config()["locale"] == language
    if language != "en":
        script = (ROOT / "assets" / f"plotly-locale-{language}.js").read_text(encoding="utf-8")
        assert f'name:"{language}"' in script and "PlotlyLocales" in script
