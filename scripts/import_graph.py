"""The import graph between the layers (issue 12): how many modules of one layer import a module of another.

    .venv/bin/python scripts/import_graph.py [checkout]     # default: this checkout

Every import counts, function-level ones included (grimp, the library import-linter is built on); migrations and
management commands are left out. An arrow that points up (towards the top of the list) is a back-arrow that
``lint-imports`` refuses; ``.importlinter`` has the contracts.
"""

import collections
import sys
from pathlib import Path

import grimp

APPS = ["kamcrm", "accounts", "distributors", "receivables", "reports"]
WIRING = ("kamcrm.urls", "kamcrm.views", "kamcrm.navigation", "kamcrm.demo")  # the project wiring and demo data
LAYERS = ["core", "accounts", "distributors", "receivables", "reports", "wiring"]  # bottom to top


def layer(module: str) -> str:
    top = module.split(".")[0]
    if top != "kamcrm":
        return top
    return "wiring" if any(module == w or module.startswith(w + ".") for w in WIRING) else "core"


def main() -> None:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent)
    sys.path.insert(0, str(root))
    graph = grimp.build_graph(*APPS, include_external_packages=False, cache_dir=None)
    pairs: collections.Counter = collections.Counter()
    for module in graph.modules:
        if ".migrations" in module or ".management" in module:
            continue
        for imported in graph.find_modules_directly_imported_by(module):
            if ".migrations" not in imported and layer(module) != layer(imported):
                pairs[(layer(module), layer(imported))] += 1
    order = {name: i for i, name in enumerate(LAYERS)}
    for (a, b), count in sorted(pairs.items(), key=lambda item: (order[item[0][0]], order[item[0][1]])):
        print(f"{a:>12} -> {b:<12} {count:4d}  {'UP' if order[b] > order[a] else 'down'}")


if __name__ == "__main__":
    main()
