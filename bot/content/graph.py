"""Structural checks of a flow: every button leads somewhere, no loops, no dead nodes."""

from __future__ import annotations

from bot.content.load_errors import ContentError
from bot.content.schema import Flow


def check_flow(flow: Flow, file: str) -> None:
    """Raise ContentError for the first structural problem in `flow`."""
    where = f"flows.{flow.id}"
    if flow.start not in flow.nodes:
        raise ContentError(file, f"{where}: start", f"start node {flow.start!r} is not a node")
    for name, node in flow.nodes.items():
        entry = f"{where}.nodes.{name}"
        if node.options:
            if node.text is None:
                raise ContentError(file, entry, "a node with options needs a text (the question)")
            if node.answer is not None or node.action is not None:
                raise ContentError(
                    file, entry, "a node with options cannot have an answer or an action"
                )
        elif node.answer is None and node.action is None:
            raise ContentError(file, entry, "a leaf needs an answer or an action")
        for option in node.options:
            if option.next not in flow.nodes:
                raise ContentError(file, entry, f"next {option.next!r} is not a node")
    reached = _walk(flow, file)
    for name in flow.nodes:
        if name not in reached:
            raise ContentError(
                file, f"{where}.nodes.{name}", f"unreachable from start node {flow.start!r}"
            )


def _walk(flow: Flow, file: str) -> set[str]:
    """Depth-first walk from the start node; a node met again on the current path is a cycle."""
    done: set[str] = set()
    path: list[str] = [flow.start]
    # Explicit stack of (node, index of the next option to follow) avoids deep recursion.
    stack: list[tuple[str, int]] = [(flow.start, 0)]
    while stack:
        name, index = stack.pop()
        options = flow.nodes[name].options
        if index == len(options):
            done.add(name)
            path.pop()
            continue
        stack.append((name, index + 1))
        target = options[index].next
        if target in path:
            loop = " -> ".join([*path[path.index(target) :], target])
            raise ContentError(file, f"flows.{flow.id}.nodes.{name}", f"cycle: {loop}")
        if target not in done:
            path.append(target)
            stack.append((target, 0))
    return done
