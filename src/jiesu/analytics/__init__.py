"""Governance analytics: a columnar copy of the operational data in DuckDB, refreshed incrementally, and named
metrics over it shared by the report, the command line and (later) the dashboards."""
