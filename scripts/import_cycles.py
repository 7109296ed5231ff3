"""List the import cycles between the bot's modules (type-checking imports excluded)."""

from __future__ import annotations

import sys

import grimp

PACKAGES = ("bot", "handlers", "models", "tgemulator")


def cycles() -> list[tuple[str, ...]]:
    """Every module that imports itself through others, with the shortest such chain."""
    graph = grimp.build_graph(*PACKAGES, exclude_type_checking_imports=True)
    found: dict[frozenset[str], tuple[str, ...]] = {}
    for module in sorted(graph.modules):
        for upstream in graph.find_modules_directly_imported_by(module):
            back = graph.find_shortest_chain(importer=upstream, imported=module)
            if back:
                chain = (module, *back)
                found.setdefault(frozenset(chain), chain)
    return sorted(found.values(), key=len)


if __name__ == "__main__":
    found = cycles()
    for chain in found:
        print(" -> ".join(chain))
    sys.exit(1 if found else 0)
