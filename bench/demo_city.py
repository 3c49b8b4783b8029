"""The demo city a benchmark reads: `--db FILE` (its SQLite file) or `--url` (its PostgreSQL database), as built by
`jiesu demo --no-serve` (with `JIESU_DATABASE_URL` for PostgreSQL)."""

from __future__ import annotations

import argparse


def arguments(doc: str | None) -> argparse.ArgumentParser:
    """A parser with the script's docstring and the required choice of database."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--db", help="a demo city's SQLite file")
    where.add_argument("--url", help="or its database URL (postgresql://…)")
    return parser


def open_city(args: argparse.Namespace, **settings):
    """The application on that database (demo mode: the demo's built-in secret opens its personal data)."""
    from jiesu.bootstrap import App
    from jiesu.settings import Settings

    return App(Settings(database_url=args.url or f"sqlite:///{args.db}", demo_mode=True, **settings))
