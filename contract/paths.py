"""Paths of parameters: proto field names joined by dots, list items by index.

`site_blocks[1].phone_number_id` names one value; without its indices,
`site_blocks.phone_number_id`, it is the field the error's `data.field` names.
"""

from __future__ import annotations


def join(base: str, name: str) -> str:
    """The path of field `name` in the message at `base` ("" for the params themselves)."""
    return f"{base}.{name}" if base else name


def item(base: str, index: int) -> str:
    """The path of the list item `index` of the field at `base`."""
    return f"{base}[{index}]"


def strip_indices(path: str) -> str:
    """site_blocks[1].phone_number_id -> site_blocks.phone_number_id"""
    out: list[str] = []
    depth = 0
    for char in path:
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
        elif depth == 0:
            out.append(char)
    return "".join(out)
