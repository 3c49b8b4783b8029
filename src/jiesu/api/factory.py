"""`app` for ASGI servers started by module path (several worker processes): built from the environment."""

from jiesu.api.app import create_app
from jiesu.bootstrap import App

app = create_app(App())
