"""Benchmarks: they print figures (medians, ratios against a baseline measured in the same run,
API calls per event, peak memory) and never pass or fail on time."""

from __future__ import annotations

from pathlib import Path

#: the repository (template.yaml, samconfig.toml, events/)
ROOT = Path(__file__).resolve().parent.parent
