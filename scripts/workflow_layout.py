"""Where each node of an example workflow goes, and the checks that a layout reads well.

A workflow reads left to right in columns (loaders, then the model nodes, then outputs); each column
stacks its nodes top to bottom with room to grow, and a group frames the nodes that share its title.
Pure Python: the editor measures the nodes (scripts/frontend_driver.py), this places them.
A box is (left, top, right, bottom) in canvas units, the node's title bar included.
"""
from __future__ import annotations

from dataclasses import dataclass

NODE_TITLE_HEIGHT = 30  # LiteGraph draws a node's title bar above node.pos
GROUP_TITLE_BAR = 34  # as drawn by 1.32.9 (1.58: 30)
GROUP_TITLE_HEIGHT = GROUP_TITLE_BAR + 22  # and the badges drawn above a pack node's title
GROUP_PADDING = 16
COLUMN_GAP = 90  # room for the links between columns
# Room below every node: the source badge the editor draws above a pack node's title, and a node that
# grows a line after the file was made (an extension's widget) still clears its neighbour.
ROW_GAP = 60
GROUP_ROW_GAP = 30  # between the nodes of a group: loaders, which carry no cost badge and do not grow
# Sized for what a run shows (Load Video: the preview of its file, drawn once the file loads).
OUTPUT_NODES = ("SaveImage", "PreviewImage", "PreviewAny", "SegmindCredits", "SaveVideo", "LoadVideo")


@dataclass
class Placement:
    pos: dict[str, list[float]]    # key -> node.pos
    size: dict[str, list[float]]   # key -> node.size (every node of a column gets the column's width)
    groups: list[dict]             # {"title", "bounding": [x, y, w, h]}


NO_EXTRA = (0.0, 0.0, 0.0)


def place(nodes: list[dict], sizes: dict[str, list[float]], extras: dict[str, tuple] | None = None) -> Placement:
    """nodes: the catalog's descriptions (key, col, optional group and align: the key of a node in an
    earlier column to line up with); sizes: key -> the measured [width, height]; extras: key -> (above,
    below, right), the room a node takes beyond its classic box where another editor draws it larger
    (Nodes 2.0: a footer such as "Issues" for a missing model file, wider minimums)."""
    extras = extras or {}
    columns: dict[int, list[dict]] = {}
    for node in nodes:
        columns.setdefault(node["col"], []).append(node)
    placement = Placement({}, {}, [])
    x = 0.0
    for col in sorted(columns):
        members = columns[col]
        width = max(sizes[node["key"]][0] for node in members)
        _stack_column(members, x, width, sizes, extras, placement)
        # "spill": what a node draws right of its box (Load Video's preview, measured: 104 px), from the catalog.
        x += width + max(max(extras.get(node["key"], NO_EXTRA)[2], node.get("spill", 0)) for node in members) + \
            COLUMN_GAP
    return placement


def _stack_column(members: list[dict], x: float, width: float, sizes: dict, extras: dict,
                  placement: Placement) -> None:
    top = 0.0  # the top of the next box
    group, group_top = None, 0.0
    for index, node in enumerate(members):
        if node.get("group") != group:
            group = node.get("group")
            if group:
                group_top, top = top, top + GROUP_TITLE_HEIGHT
        above, below, _ = extras.get(node["key"], NO_EXTRA)
        top += above
        if node.get("align"):
            top = max(top, placement.pos[node["align"]][1] - NODE_TITLE_HEIGHT)
        height = sizes[node["key"]][1]
        placement.pos[node["key"]] = [x, top + NODE_TITLE_HEIGHT]
        placement.size[node["key"]] = [width, height]
        top += NODE_TITLE_HEIGHT + height + below
        if group and index + 1 < len(members) and members[index + 1].get("group") == group:
            top += GROUP_ROW_GAP
            continue
        if group:
            bounding = [x - GROUP_PADDING, group_top, width + 2 * GROUP_PADDING, top + GROUP_PADDING - group_top]
            placement.groups.append({"title": group, "bounding": bounding})
            top += GROUP_PADDING
        top += ROW_GAP


def overlapping_pairs(boxes: dict[str, tuple]) -> list[tuple[str, str]]:
    names = sorted(boxes)
    return [(a, b) for i, a in enumerate(names) for b in names[i + 1:] if _intersect(boxes[a], boxes[b])]


def straddling(groups: list[dict], boxes: dict[str, tuple]) -> list[tuple[str, str]]:
    """(group, node) where the node is neither clear of the group nor wholly inside its body (under
    its title bar): the editor would move it with the group, or not, by surprise."""
    found = []
    for group in groups:
        x, y, w, h = group["bounding"]
        outer, body = (x, y, x + w, y + h), (x, y + GROUP_TITLE_BAR, x + w, y + h)
        for name, box in boxes.items():
            if _intersect(outer, box) and not _inside(box, body):
                found.append((group["title"], name))
    return found


def layout_problems(facts: dict, spare_height: float = 10, spare_text_height: float = 60) -> list[str]:
    """What reads badly in a workflow as the editor drew it after "fit view" (frontend_driver.layout):
    overlapping nodes, nodes not wholly visible, text that does not fit its box or leaves it mostly empty,
    nodes cut by a group's edge, a graph too large to draw with text, and nodes taller than their widgets
    need (those with a text box or showing a result excepted)."""
    named = {f"{n['title']} (#{n['id']})": n for n in facts["nodes"]}
    boxes = {name: tuple(n["box"]) for name, n in named.items()}
    problems = [f"{a} overlaps {b}" for a, b in overlapping_pairs(boxes)]
    problems += [f"{name} is not wholly on screen" for name, n in named.items() if not n["on_screen"]]
    problems += [f"{name} straddles the group {group!r}" for group, name in straddling(facts["groups"], boxes)]
    if facts.get("nodes_2"):
        # Nodes 2.0 sizes each node to its content and gives text boxes heights of its own (text scrolls).
        return problems
    problems += [f"{name}: its text needs {n['text_overflow']} px more" for name, n in named.items()
                 if n["text_overflow"] > 0]
    problems += [f"{name}: its text box has {n['text_spare']:.0f} px of empty room" for name, n in named.items()
                 if n["text_spare"] > spare_text_height]
    if facts["without_text"]:
        problems.append(f"so large that the editor draws it without text (zoom {facts['scale']:.2f})")
    problems += [f"{name} is {n['size'][1] - n['content'][1]:.0f} px taller than its widgets need"
                 for name, n in named.items() if not n["text_boxes"] and n["type"] not in OUTPUT_NODES
                 and n["size"][1] > n["content"][1] + spare_height]
    return problems


def _intersect(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _inside(inner, outer) -> bool:
    return outer[0] <= inner[0] and outer[1] <= inner[1] and inner[2] <= outer[2] and inner[3] <= outer[3]
