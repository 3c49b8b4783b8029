"""The verbs of the application. Each opens one unit of work and commits once."""
