"""The code-health figures of a checkout: function length per package, large modules,
annotation coverage and what mypy checks strictly.

A report, not a test: run it on two checkouts to compare them.

    python tests/perf/report_code_health.py [ROOT ...]
"""

from __future__ import annotations

import ast
import statistics
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

LARGE_MODULE = 400  # lines


@dataclass
class Package:
    lengths: list[int] = field(default_factory=list)  # lines of each function or method
    modules: int = 0
    large: int = 0
    lines: int = 0
    defs: int = 0
    annotated: int = 0  # every parameter (but self/cls) and the return annotated


def _fully_annotated(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    params = [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]
    if params and params[0].arg in ("self", "cls"):
        params = params[1:]
    extra = [a for a in (node.args.vararg, node.args.kwarg) if a is not None]
    return node.returns is not None and all(p.annotation is not None for p in params + extra)


def measure(root: Path) -> dict[str, Package]:
    packages: dict[str, Package] = {}
    for path in sorted((root / "commander_app").rglob("*.py")):
        relative = path.relative_to(root / "commander_app")
        name = relative.parts[0] if len(relative.parts) > 1 else "(top)"
        package = packages.setdefault(name, Package())
        text = path.read_text("utf-8")
        count = len(text.splitlines())
        package.modules += 1
        package.lines += count
        package.large += count > LARGE_MODULE
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                package.lengths.append((node.end_lineno or node.lineno) - node.lineno + 1)
                package.defs += 1
                package.annotated += _fully_annotated(node)
    return packages


def strict_files(root: Path) -> list[str]:
    config = tomllib.loads((root / "pyproject.toml").read_text("utf-8"))
    mypy = config.get("tool", {}).get("mypy", {})
    return list(mypy.get("files", [])) if mypy.get("strict") else []


def p90(values: list[int]) -> float:
    return statistics.quantiles(values, n=10)[-1] if len(values) > 1 else float(values[0])


def report(root: Path) -> None:
    packages = measure(root)
    print(f"## {root}")
    print("| package | modules | lines | function lines median | p90 | over 400 lines "
          "| fully annotated |")  # fmt: skip
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    every = Package()
    for name, package in sorted(packages.items()):
        if not package.lengths:
            continue
        every.lengths += package.lengths
        every.modules += package.modules
        every.large += package.large
        every.lines += package.lines
        every.defs += package.defs
        every.annotated += package.annotated
        print(f"| {name} | {package.modules} | {package.lines:,} | "
              f"{statistics.median(package.lengths):.0f} | {p90(package.lengths):.0f} | "
              f"{package.large} | {package.annotated / package.defs:.0%} |")  # fmt: skip
    print(f"| all | {every.modules} | {every.lines:,} | {statistics.median(every.lengths):.0f} "
          f"| {p90(every.lengths):.0f} | {every.large} ({every.large / every.modules:.0%}) "
          f"| {every.annotated / every.defs:.0%} |")  # fmt: skip
    print(f"mypy --strict checks: {', '.join(strict_files(root)) or 'nothing'}")


if __name__ == "__main__":
    for argument in sys.argv[1:] or ["."]:
        report(Path(argument))
