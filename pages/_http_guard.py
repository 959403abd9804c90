"""What every HTTP request and response passes, before any page or callback: the request's
origin (CSRF), the shape of Dash's callback requests, and the security headers.

app.py registers these (`before_request` / `after_request`); no page logic lives here.

- State-changing requests (anything but GET/HEAD/OPTIONS, plus the GETs in
  SAME_ORIGIN_GETS) must come from this app's own origin: Sec-Fetch-Site, else
  Origin, else Referer against Host (and ALLOWED_ORIGINS). Browsers send at
  least one of them with every such request; a request with none is not from
  a browser, so no third-party page could have slipped the cookie into it.
  Everything posted but the login and logout forms must be JSON: what a
  cross-site <form> can send without a CORS preflight is refused.
- A callback request must have the shape of the server-side callback it names
  (inputs, states and outputs as declared), text a database stores (no NUL,
  no lone surrogate), and for the page router a real page address. Otherwise
  400 with a reason: Dash itself would answer 500.
- Responses carry a CSP that allows this server's scripts plus the hashes of
  Dash's own inline scripts, frame-ancestors 'none', nosniff, a same-origin
  referrer policy, and HSTS over HTTPS.
"""
from __future__ import annotations

import json
from urllib.parse import urlsplit

import dash
import flask
from dash._utils import stringify_id
from flask.sessions import SecureCookieSessionInterface

from pages._analytics_export import EXPORT_PATH

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Forms posted as forms (not JSON): the login form (token-checked) and logout.
FORM_PATHS = frozenset({"/login", "/logout"})
# GETs that act (sign out) or hand out data as a file: only from the app's own pages.
SAME_ORIGIN_GETS = frozenset({"/logout", EXPORT_PATH})
ROUTER_OUTPUT = ".._pages_content.children..._pages_store.data.."
# Dash's components are React: scripts from this server plus the hashes of Dash's own
# inline scripts (added per app); plotly, AG Grid and Bootstrap set inline styles.
CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data: blob:",
    "font-src": "'self' data:",
    "connect-src": "'self'",
    "worker-src": "'self' blob:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def content_security_policy(app: dash.Dash) -> str:
    """CSP for `app`: CSP plus the hashes of the inline scripts Dash writes into its index page
    (the renderer's start and inline clientside callbacks), known once its callbacks are bound."""
    directives = dict(CSP)
    directives["script-src"] = " ".join([CSP["script-src"], *app.csp_hashes()])
    return "; ".join(f"{name} {value}" for name, value in directives.items())


class HttpsAwareSessionInterface(SecureCookieSessionInterface):
    """The session cookie is `Secure` whenever the request came over HTTPS (or the config says so)."""

    def get_cookie_secure(self, app: flask.Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or (flask.has_request_context() and flask.request.is_secure))


def same_origin(request: flask.Request) -> bool:
    """True unless the browser says the request comes from another site.

    Browsers send Origin with every POST and Sec-Fetch-Site with every request;
    the Referer is the fallback. A request with none of them is not from a
    browser, so it carries no cookie a third-party page could have slipped in.
    """
    host = request.host.lower()
    allowed = flask.current_app.config.get("ALLOWED_ORIGINS", frozenset())
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None and fetch_site not in ("same-origin", "none"):
        return False
    origin = request.headers.get("Origin")
    if origin is not None:
        return origin.lower().rstrip("/") in allowed or (origin != "null" and urlsplit(origin).netloc.lower() == host)
    referer = request.headers.get("Referer")
    if referer:
        parts = urlsplit(referer)
        return parts.netloc.lower() == host or f"{parts.scheme}://{parts.netloc}".lower() in allowed
    return True


def refuse_cross_site():
    request = flask.request
    acts = request.method not in SAFE_METHODS or request.path in SAME_ORIGIN_GETS
    if acts and not same_origin(request):
        return flask.jsonify(error="Refused: this request did not come from this application's pages."), 403
    if request.method not in SAFE_METHODS and request.path not in FORM_PATHS and not request.is_json:
        return flask.jsonify(error="Send this request as JSON from the application's pages."), 415
    return None


def refuse_bad_dash_request():
    """Dash's callback requests: a JSON object whose text a database can store (no NUL, no lone surrogate)."""
    request = flask.request
    if request.path != "/_dash-update-component" or request.method != "POST":
        return None
    try:
        body = json.loads(request.get_data(cache=True) or b"null")
    except (ValueError, RecursionError):
        body = None
    app = flask.current_app.extensions.get("dash_app")
    spec = app.callback_map.get(body.get("output")) if isinstance(body, dict) and app is not None else None
    if not isinstance(body, dict) or not isinstance(spec, dict) or not _well_formed(body, spec):
        return flask.jsonify(error="This is not a callback request the application understands."), 400
    if not _storable(body):
        return flask.jsonify(error="The request contains characters that cannot be stored "
                                   "(NUL or invalid Unicode); nothing was changed."), 400
    if body["output"] == ROUTER_OUTPUT and not _page_address(body["inputs"]):
        return flask.jsonify(error="This is not the address of a page."), 400  # Dash's router would raise
    return None


def _well_formed(body: dict, spec: dict) -> bool:
    """The envelope has the shape of the callback it names (a server-side one): as many inputs and
    states as declared, each the declared id and property (a list of matching ids for ALL), and
    changedPropIds among the inputs sent. The values inside are the callbacks' business."""
    if "callback" not in spec:
        return False  # a clientside callback: nothing to run here
    inputs, states = body.get("inputs"), body.get("state", [])
    changed = body.get("changedPropIds", [])
    if not isinstance(inputs, list) or not isinstance(states, list) or not isinstance(changed, list):
        return False
    if not _outputs_fit(body.get("output"), body.get("outputs")):
        return False
    declared_inputs, declared_states = spec.get("inputs", []), spec.get("state", [])
    if len(inputs) != len(declared_inputs) or len(states) != len(declared_states):
        return False
    sent = set()
    for given, declared in zip(inputs + states, declared_inputs + declared_states):
        items = _matching_items(given, declared)
        if items is None:
            return False
        sent.update(f"{stringify_id(item['id'])}.{item['property']}" for item in items)
    return all(isinstance(prop_id, str) and prop_id in sent for prop_id in changed)


def _outputs_fit(key: str, outputs) -> bool:
    """`outputs` lists the outputs declared in the callback's key ("..a.children...b.data@hash..")."""
    parts = key[2:-2].split("...") if key.startswith("..") else [key]
    declared = []
    for part in parts:
        ident, _dot, prop = part.rpartition(".")
        declared.append({"id": ident, "property": prop.split("@")[0]})
    given = outputs if key.startswith("..") else [outputs]
    if not isinstance(given, list) or len(given) != len(declared):
        return False
    for item, spec in zip(given, declared):
        items = item if isinstance(item, list) else [item]
        if not all(isinstance(i, dict) and isinstance(i.get("property"), str) for i in items):
            return False
        cleaned = [{**i, "property": i["property"].split("@")[0]} for i in items]
        if _matching_items(cleaned if isinstance(item, list) else cleaned[0], spec) is None:
            return False
    return True


def _matching_items(given, declared: dict) -> list | None:
    """The items of one input/state if they fit `declared`, else None."""
    declared_id, prop = declared.get("id"), declared.get("property")
    pattern = _pattern(declared_id)
    if pattern is None:
        fits = isinstance(given, dict) and given.get("id") == declared_id and given.get("property") == prop
        return [given] if fits else None
    many = any(value in (["ALL"], ["ALLSMALLER"]) for value in pattern.values())
    items = given if many else [given]
    if not isinstance(items, list):
        return None
    for item in items:
        ident = item.get("id") if isinstance(item, dict) else None
        if not isinstance(ident, dict) or set(ident) != set(pattern) or item.get("property") != prop:
            return None
        for key, value in pattern.items():
            wildcard = isinstance(value, list)
            if wildcard and not isinstance(ident[key], (str, int, float)) or not wildcard and ident[key] != value:
                return None
    return items


def _pattern(declared_id) -> dict | None:
    if isinstance(declared_id, str) and declared_id.startswith("{"):
        try:
            value = json.loads(declared_id)
        except ValueError:
            return None
        return value if isinstance(value, dict) else None
    return None


def _page_address(inputs: list) -> bool:
    """The router's inputs as a browser's location gives them: a path from "/" and a query string."""
    values = {item.get("property"): item.get("value") for item in inputs}
    path, search = values.get("pathname"), values.get("search")
    return isinstance(path, str) and path.startswith("/") and isinstance(search, (str, type(None)))


def _storable(value, depth: int = 0) -> bool:
    if depth > 64:
        return False
    if isinstance(value, str):
        return "\x00" not in value and _encodes(value)
    if isinstance(value, dict):
        return all(_storable(k, depth + 1) and _storable(v, depth + 1) for k, v in value.items())
    if isinstance(value, list):
        return all(_storable(v, depth + 1) for v in value)
    return True


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def security_headers(response: flask.Response) -> flask.Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy",
                       flask.current_app.config.get("CONTENT_SECURITY_POLICY") or
                       "; ".join(f"{name} {value}" for name, value in CSP.items()))
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
    if flask.request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response
