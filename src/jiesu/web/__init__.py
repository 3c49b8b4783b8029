"""Server-rendered pages in Chinese on the same app as the API. Templates autoescape every value."""
