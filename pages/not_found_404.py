"""Any address that no page claims."""
import dash

from components.feedback import make_not_found

dash.register_page(__name__, path="/404", title="Page not found · Service Desk Ops")


def layout(**_query):
    return make_not_found(id="not-found")
