"""After ``sam build``: every module of the built layer has its compiled bytecode, for the Lambda
runtime's Python (3.13) and unchecked (layers/core/Makefile says why). Exit 1 with what is missing."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

LAYER = Path(".aws-sam/build/CoreLayer/python")
UNCHECKED_HASH = 0b01  # PEP 552 flags: hash-based, source not checked


def main() -> int:
    sources = sorted(LAYER.rglob("*.py"))
    problems = []
    for source in sources:
        compiled = Path(importlib.util.cache_from_source(str(source)))
        if not compiled.exists():
            problems.append(f"no bytecode: {source}")
            continue
        header = compiled.read_bytes()[:8]
        if (
            header[:4] != importlib.util.MAGIC_NUMBER
            or int.from_bytes(header[4:8], "little") != UNCHECKED_HASH
        ):
            problems.append(f"not unchecked-hash bytecode for this Python: {compiled}")
    if not sources:
        problems.append(f"no module in {LAYER} (run sam build first)")
    print(f"layer bytecode: {len(sources)} modules, {len(problems)} problems")
    for problem in problems[:20]:
        print(f"  {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
