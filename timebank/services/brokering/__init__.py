"""Brokering: the coordinator's inbox of open requests (`requests`), suggested helpers for each
(`suggestions`), and the matches (introductions) they make (`matches`)."""
