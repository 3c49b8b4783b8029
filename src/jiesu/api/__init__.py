"""HTTP: the REST API under /api/v1, Open311 GeoReport v2 under /open311/v2, and the app factory."""
