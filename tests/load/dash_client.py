"""Speak Dash's callback protocol the way dash-renderer does, for load tests and benchmarks.

A browser posts `/_dash-update-component` with the callback's output string, its
inputs and states (values included) and which input changed. `Callbacks` finds
a callback in `/_dash-dependencies` by one of its outputs or inputs and builds
that body, so the requests are the app's real ones whatever hashes Dash gives
to `allow_duplicate` outputs. Layout helpers find components in the JSON that
page layouts and callbacks return.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterator

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
ROUTER_OUTPUT = "_pages_content.children"


def stringify_id(component_id) -> str:
    """Dash's text form of an id: dict ids as JSON with sorted keys and no spaces."""
    if isinstance(component_id, dict):
        return json.dumps(component_id, sort_keys=True, separators=(",", ":"))
    return str(component_id)


def _clean(prop: str) -> str:
    return prop.split("@", 1)[0]  # "children@<hash>" of an allow_duplicate output


def _parse_output(output: str) -> tuple[list[dict], bool]:
    multi = output.startswith("..")
    parts = output[2:-2].split("...") if multi else [output]
    outputs = []
    for part in parts:
        ident, prop = part.rsplit(".", 1)
        outputs.append({"id": json.loads(ident) if ident.startswith("{") else ident, "property": prop})
    return outputs, multi


class Callbacks:
    """The app's callbacks as listed by /_dash-dependencies."""

    def __init__(self, dependencies: list[dict]):
        self.dependencies = [d for d in dependencies if not d.get("clientside_function")]

    def find(self, *, output: str | None = None, trigger: str | None = None) -> dict:
        """The server callback that has `output` ("id.prop") and/or input `trigger` ("id.prop")."""
        for dep in self.dependencies:
            outputs, _multi = _parse_output(dep["output"])
            names = {f"{stringify_id(o['id'])}.{_clean(o['property'])}" for o in outputs}
            inputs = {f"{i['id']}.{i['property']}" for i in dep["inputs"]}
            if (output is None or output in names) and (trigger is None or trigger in inputs):
                return dep
        raise LookupError(f"no callback with output {output!r} and input {trigger!r}")

    def body(self, dep: dict, values: dict | None = None, *, changed: list[str] | tuple = (),
             match: dict | None = None) -> dict:
        """The request body: `values` maps "id.prop" to a value; for a pattern (ALL) input or
        state, its key is the pattern as listed ('{"line":["ALL"],"type":"order-qty"}.value')
        and its value a list of (concrete id dict, value) pairs. For a MATCH callback, `match`
        gives the wildcard's value ({"chart": "refunds"}): its outputs, inputs and states are
        that one component (a MATCH state of its "id" holds the id itself)."""
        values = values or {}
        outputs, multi = _parse_output(dep["output"])
        outputs = [{**o, "id": _matched(o["id"], match)} for o in outputs]

        def entries(specs):
            out = []
            for spec in specs:
                key = f"{spec['id']}.{spec['property']}"
                pattern = json.loads(spec["id"]) if spec["id"].startswith("{") else None
                if pattern is not None and ["MATCH"] in pattern.values():
                    ident = _matched(pattern, match)
                    default = ident if spec["property"] == "id" else None
                    out.append({"id": ident, "property": spec["property"], "value": values.get(key, default)})
                elif pattern is not None:
                    out.append([{"id": ident, "property": spec["property"], "value": value}
                                for ident, value in values.get(key, [])])
                else:
                    entry = {"id": spec["id"], "property": spec["property"]}
                    if key in values:
                        entry["value"] = values[key]
                    out.append(entry)
            return out

        return {"output": dep["output"], "outputs": outputs if multi else outputs[0],
                "inputs": entries(dep["inputs"]), "state": entries(dep["state"]),
                "changedPropIds": list(changed)}


def _matched(ident, match: dict | None):
    """A pattern id with its MATCH wildcards filled in from `match` (other ids unchanged)."""
    if not isinstance(ident, dict) or ["MATCH"] not in ident.values():
        return ident
    if not match:
        raise ValueError(f"a MATCH callback needs `match` for {ident}")
    return {k: (match[k] if v == ["MATCH"] else v) for k, v in ident.items()}


def route_body(callbacks: Callbacks, path: str, search: str = "") -> dict:
    """What the browser posts when it moves to `path` inside the app (Dash pages' router)."""
    dep = callbacks.find(output=ROUTER_OUTPUT)
    return callbacks.body(dep, {"_pages_location.pathname": path, "_pages_location.search": search},
                          changed=["_pages_location.pathname"])


def response_prop(payload: dict, component_id, prop: str):
    """A property's new value from a callback response (KeyError when it is not there)."""
    return payload["response"][stringify_id(component_id)][prop]


def walk(node) -> Iterator[dict]:
    """Every component (dict with "type" and "props") in a layout tree."""
    if isinstance(node, list):
        for item in node:
            yield from walk(item)
    elif isinstance(node, dict):
        if "props" in node and "type" in node:
            yield node
            for value in node["props"].values():
                if isinstance(value, (dict, list)):
                    yield from walk(value)
        else:
            for value in node.values():
                if isinstance(value, (dict, list)):
                    yield from walk(value)


def find_component(tree, component_id) -> dict | None:
    """The props of the component with this id, else None."""
    for node in walk(tree):
        if node["props"].get("id") == component_id:
            return node["props"]
    return None


def find_components(tree, **id_fields) -> list[dict]:
    """Props of components whose dict id has these fields (e.g. type="order-qty")."""
    found = []
    for node in walk(tree):
        ident = node["props"].get("id")
        if isinstance(ident, dict) and all(ident.get(k) == v for k, v in id_fields.items()):
            found.append(node["props"])
    return found


def layout_values(layout, dep: dict) -> dict:
    """Each plain input and state of callback `dep` ("id.prop" -> value) as `layout` holds it,
    which is what dash-renderer sends until the person changes something."""
    values = {}
    for spec in (*dep["inputs"], *dep["state"]):
        if spec["id"].startswith("{"):
            continue
        props = find_component(layout, spec["id"]) or {}
        if spec["property"] in props:
            values[f"{spec['id']}.{spec['property']}"] = props[spec["property"]]
    return values


# --- the order page's Actions panel ------------------------------------------------------------
ACTION_BUTTONS = '{"action":["ALL"],"target":["ALL"],"type":"order-action"}.n_clicks'
QUANTITIES = '{"line":["ALL"],"type":"order-qty"}.value'
AMOUNTS = '{"line":["ALL"],"type":"order-amount"}.value'
FIELDS = '{"name":["ALL"],"type":"order-field"}.value'


def open_action_overrides(layout, action: str) -> tuple[dict, list[str]] | None:
    """Values and changed ids for clicking the Actions panel's `action` button; None when the
    order page does not offer it (no button, or disabled)."""
    buttons = find_components(layout, type="order-action")
    button = next((b for b in buttons if b["id"].get("action") == action), None)
    view = find_component(layout, "order-view")
    if button is None or button.get("disabled") or view is None:
        return None
    clicks = [(b["id"], 1 if b is button else 0) for b in buttons]
    return ({ACTION_BUTTONS: clicks, "order-action-dismiss.n_clicks": 0, "order-view.data": view["data"]},
            [f"{stringify_id(button['id'])}.n_clicks"])


def action_form_values(layout, opened: dict, *, choose_line, choose_reason) -> tuple[dict, list[str]] | None:
    """The form's values after a person enters 1 unit on one line and picks a reason.

    `opened` is the response of the open-form callback; `choose_line(indexes)` and
    `choose_reason(codes)` pick among the open lines and the offered reasons. Returns the
    values for the preview and confirm callbacks and the id that changed, or None when the
    form has no line open to the action.
    """
    form = opened["order-action-body"]["children"]
    inputs = find_components(form, type="order-qty")
    reason = find_components(form, type="order-field", name="reason")
    open_lines = [i for i, q in enumerate(inputs) if (q.get("max") or 0) > 0]
    if not open_lines or not reason:
        return None
    chosen = choose_line(open_lines)
    quantities = [(q["id"], 1 if i == chosen else 0) for i, q in enumerate(inputs)]
    fields = [({"type": "order-field", "name": "reason"}, choose_reason([o["value"] for o in reason[0]["options"]])),
              ({"type": "order-field", "name": "note"}, None)]
    view = find_component(layout, "order-view")
    return ({QUANTITIES: quantities, AMOUNTS: [], FIELDS: fields,
             "order-action-request.data": opened["order-action-request"]["data"], "order-view.data": view["data"]},
            [f"{stringify_id(inputs[chosen]['id'])}.value"])


def toast_kind(toast) -> str | None:
    """The colour of a dbc.Toast in a response ("success", "warning", "danger")."""
    props = toast.get("props", {}) if isinstance(toast, dict) else {}
    return props.get("icon")


# --- the analytics page ---------------------------------------------------------------------------
CHART_FIGURE = '{"chart":["MATCH"],"type":"analytics-graph"}.figure'


def chart_names(layout) -> list[str]:
    """The analytics page's charts (each answered by its own request)."""
    return [props["id"]["chart"] for props in find_components(layout, type="analytics-graph")]


def chart_body(callbacks: Callbacks, name: str, filters: dict) -> dict:
    """The request for one chart, once the page's summary callback has set `filters`."""
    dep = callbacks.find(output=CHART_FIGURE)
    return callbacks.body(dep, {"analytics-filters.data": filters}, changed=["analytics-filters.data"],
                          match={"chart": name})


def try_again_message(answer) -> str | None:
    """The sentence the app answered with instead of doing the work: a 503's JSON error
    (pages/_unavailable.py: the database away or busy before any callback ran, e.g. while loading
    the signed-in user) or the error toast of a callback that raised (app.callback_failed: "try
    again" when the database failed it); else None."""
    try:
        payload = answer.get_json()
    except ValueError:
        return None
    if not isinstance(payload, dict):
        return None
    if answer.status_code == 503:
        return payload.get("error")
    toast = ((payload.get("sideUpdate") or {}).get("app-error") or {}).get("children")
    return toast.get("props", {}).get("children") if isinstance(toast, dict) else None


def csrf_token(login_page_html: str) -> str:
    match = CSRF_FIELD.search(login_page_html)
    if not match:
        raise ValueError("the login page has no CSRF token")
    return match.group(1)


class AppClient:
    """A signed-in person on a Flask test client (benchmarks, fault tests): pages and callbacks."""

    def __init__(self, test_client, login: str, password: str):
        self.client = test_client
        # The origin the server sees: a real server's own address, else the test client's host.
        self.origin = getattr(test_client, "base_url", "http://localhost")
        token = csrf_token(test_client.get("/login").get_data(as_text=True))
        answer = test_client.post("/login", data={"login": login, "password": password, "csrf_token": token,
                                                  "next": "/"}, headers=self.headers(referer="/login"))
        if answer.status_code not in (302, 303):
            raise RuntimeError(f"could not sign in as {login}: {answer.status_code}")
        self.callbacks = Callbacks(test_client.get("/_dash-dependencies").get_json())
        self.layout = None

    def headers(self, referer: str = "/") -> dict:
        return {"Origin": self.origin, "Referer": self.origin + referer}

    def post(self, body: dict):
        """The raw response of one callback request."""
        return self.client.post("/_dash-update-component", json=body, headers=self.headers())

    def go(self, path: str) -> dict:
        answer = self.post(route_body(self.callbacks, path))
        if answer.status_code != 200:
            raise RuntimeError(f"{path}: {answer.status_code}")
        self.layout = answer.get_json()["response"]["_pages_content"]["children"]
        return self.layout

    def body(self, *, output=None, trigger=None, overrides=None, changed=(), match=None) -> dict:
        """A callback's request with its inputs and states as the current layout holds them."""
        dep = self.callbacks.find(output=output, trigger=trigger)
        values = {**layout_values(self.layout, dep), **(overrides or {})}
        return self.callbacks.body(dep, values, changed=changed or ([trigger] if trigger else []), match=match)

    def call(self, body: dict) -> dict:
        """POST a callback that must succeed; its `response` dict."""
        answer = self.post(body)
        if answer.status_code != 200 or try_again_message(answer):
            raise RuntimeError(f"callback {body['output'][:60]} answered {answer.status_code}: "
                               f"{answer.get_data(as_text=True)[:200]}")
        return answer.get_json()["response"]

    def prepare_return(self, order_number: str, *, reason: str = "damaged") -> dict | None:
        """Open the order, open its Return form, enter 1 unit of the first open line: the
        confirm request as the browser would post it (its idempotency key included), or
        None when the order offers no return."""
        layout = self.go(f"/orders/{order_number}")
        clicked = open_action_overrides(layout, "return")
        if clicked is None:
            return None
        opened = self.call(self.body(output="order-action-request.data", overrides=clicked[0], changed=clicked[1]))
        form = action_form_values(layout, opened, choose_line=lambda lines: lines[0],
                                  choose_reason=lambda codes: reason if reason in codes else codes[0])
        if form is None:
            return None
        values, _changed = form
        return self.body(trigger="order-action-confirm.n_clicks",
                         overrides={**values, "order-action-confirm.n_clicks": 1})


class HttpTransport:
    """A `requests` session against a running server, with the Flask test client's methods
    that AppClient uses (get, post; answers with status_code, headers, get_json, get_data)."""

    def __init__(self, base_url: str, *, timeout: float = 60):
        import requests

        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        self.timeout = timeout

    def get(self, path: str, headers: dict | None = None):
        return _HttpAnswer(self.session.get(self.base_url + path, headers=headers, timeout=self.timeout,
                                            allow_redirects=False))

    def post(self, path: str, *, json=None, data=None, headers: dict | None = None):
        return _HttpAnswer(self.session.post(self.base_url + path, json=json, data=data, headers=headers,
                                             timeout=self.timeout, allow_redirects=False))


class _HttpAnswer:
    def __init__(self, response):
        self.status_code, self.headers, self._response = response.status_code, response.headers, response

    def get_json(self):
        return self._response.json()

    def get_data(self, as_text: bool = False):
        return self._response.text if as_text else self._response.content
