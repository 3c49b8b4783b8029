"""Understanding the Chinese text of a request. `rules` works with no trained model."""
