"""After ``sam build``: every module of what the Makefiles build (the layer, the report function) has
its compiled bytecode, for the Lambda runtime's Python (3.13) and unchecked (lambda-python.mk says
why). Exit 1 with what is missing."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

#: the artifacts built by a Makefile (template.yaml: Metadata BuildMethod: makefile)
BUILT = (Path(".aws-sam/build/CoreLayer/python"), Path(".aws-sam/build/ReportFunction"))
UNCHECKED_HASH = 0b01  # PEP 552 flags: hash-based, source not checked


def check(folder: Path) -> int:
    sources = sorted(folder.rglob("*.py"))
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
        problems.append(f"no module in {folder} (run sam build first)")
    print(f"{folder}: {len(sources)} modules, {len(problems)} without their bytecode")
    for problem in problems[:20]:
        print(f"  {problem}")
    return len(problems)


def main() -> int:
    return 1 if sum(check(folder) for folder in BUILT) else 0


if __name__ == "__main__":
    sys.exit(main())
