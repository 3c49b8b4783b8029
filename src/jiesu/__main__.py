from jiesu.cli.main import app

app()
