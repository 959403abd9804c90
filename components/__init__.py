"""Pure factories (make_*) that return Dash components: no database, no callbacks."""
