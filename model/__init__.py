"""Domain model, services and queries of Service Desk Ops. Never imports dash."""
