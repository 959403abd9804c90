"""Dash pages, one module per page; modules starting with "_" are shared helpers.

A page registers itself with `dash.register_page(__name__, path=..., name=N_("..."))`.
Extra keywords read by the navbar (app.py):

- `nav=True` to get a link in the navbar, `order=N` for its place;
- `roles=("manager",)` to show that link only to those roles (admins see all).

The navbar hides links only: a page's layout and callbacks still check the
user themselves (`pages._guard.require`, `current_user_record`).
"""
