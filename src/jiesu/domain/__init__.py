"""The domain: plain Python, no framework imports. Time is always passed in."""
