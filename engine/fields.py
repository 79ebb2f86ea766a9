"""Field references into the JSON state: how lessons, golden tests and autograders
name one figure, e.g. "memcg /A usage", "objcg /A nr_charged_bytes", "cpu 1 nr_bytes",
"task tA memcg", "object X0 accounted", "config cpus", "slab pages",
"cache size-200(/A) slabs".

A reference is KIND NAME FIELD (KIND FIELD for config). Errors are ValueError with a
message that says what exists instead.
"""
from __future__ import annotations

from typing import Any

# kind -> (the state list it lives in, the key that names an entry)
KINDS = {
    "memcg": ("memcgs", "name"),
    "objcg": ("objcgs", "name"),
    "cpu": ("cpus", "cpu"),
    "task": ("tasks", "name"),
    "object": ("objects", "name"),
    "cache": ("caches", "name"),  # in the `slab` section
}
WHOLE = ("config", "slab", "oops")  # KIND FIELD: sections with no NAME ("oops kind": after
# a kernel oops in a `together` block, what it printed)


def parse_ref(ref: str) -> tuple[str, str | None, str]:
    """'memcg /A usage' -> ('memcg', '/A', 'usage'); 'config cpus' -> ('config', None, 'cpus')."""
    words = ref.split()
    if len(words) == 2 and words[0] in WHOLE:
        return words[0], None, words[1]
    if len(words) != 3 or words[0] not in KINDS:
        kinds = ", ".join([*KINDS, *WHOLE])
        raise ValueError(f"'{ref}' is not a field reference: write KIND NAME FIELD "
                         f"(KIND one of {kinds}), e.g. 'memcg /A usage'")
    kind, name, field = words
    if kind in ("memcg", "objcg") and not name.startswith("/"):
        name = "/" + name
    return kind, name, field


def resolve(state: dict[str, Any], ref: str) -> Any:
    """The value a reference names in a JSON state document."""
    kind, name, field = parse_ref(ref)
    if kind in WHOLE:
        if kind not in state:
            raise ValueError("the kernel has not oopsed here: no 'oops' to read")
        entry = state[kind]
    else:
        table, key = KINDS[kind]
        rows = state["slab"][table] if kind == "cache" else state[table]
        matches = [e for e in rows if str(e[key]) == name]
        if not matches:
            have = ", ".join(str(e[key]) for e in rows) or "none"
            raise ValueError(f"no {kind} '{name}' in this state (there are: {have})")
        entry = matches[0]
    if field not in entry:
        raise ValueError(f"{kind} has no field '{field}' (fields: {', '.join(entry)})")
    return entry[field]
