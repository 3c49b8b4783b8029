"""The demo city (云河市): its units, duty lists and a generator of realistic Chinese requests."""
