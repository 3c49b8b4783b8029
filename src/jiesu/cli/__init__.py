"""The `jiesu` command line."""
