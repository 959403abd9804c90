"""Any address that no page claims."""
import dash

from components.feedback import make_not_found
from components.i18n import N_, page_title

dash.register_page(__name__, path="/404", title=page_title(N_("Page not found")))


def layout(**_query):
    return make_not_found(id="not-found")
