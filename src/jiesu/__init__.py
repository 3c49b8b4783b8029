"""jiesu (接诉即办): the software a citizen-request hotline centre runs on."""

__version__ = "0.1.0"
