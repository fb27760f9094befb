"""Repositories: the only place that holds SQL. Each takes the shared :class:`Database`."""
