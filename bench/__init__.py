"""Benchmarks: they print figures (medians, ratios against a baseline measured in the same run,
API calls per event, peak memory) and never pass or fail on time."""
