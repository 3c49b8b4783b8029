"""From one case to a class of cases: clustering requests into issues and ranking the hot ones."""
