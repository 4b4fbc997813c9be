#!/usr/bin/env python3
"""Writes the module graph of Package.swift into docs/ARCHITECTURE.md, between the
`module-graph` markers, as a Mermaid flowchart: every library and executable target, the
external packages it uses, and each dependency edge not implied by another path (a
transitive reduction, so the picture stays readable). Test targets are left out.

Usage: scripts/generate-module-graph.py [--check]   (--check: fail if the page is stale)
"""
import json
import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAGE = os.path.join(REPO, "docs", "ARCHITECTURE.md")
BEGIN, END = "<!-- module-graph:begin -->", "<!-- module-graph:end -->"


def package_graph():
    manifest = json.loads(subprocess.check_output(["swift", "package", "dump-package"], cwd=REPO))
    targets = [t for t in manifest["targets"] if t["type"] != "test"]
    names = {t["name"] for t in targets}
    edges, kinds = {}, {}
    for t in targets:
        kinds[t["name"]] = t["type"]
        deps = set()
        for d in t["dependencies"]:
            (how, value), = d.items()
            if how in ("byName", "target") and value[0] in names:
                deps.add(value[0])
            elif how == "product":
                deps.add(value[1])  # the package, e.g. swift-nio
                kinds.setdefault(value[1], "package")
        edges[t["name"]] = deps
    for name, kind in kinds.items():
        edges.setdefault(name, set())
    return edges, kinds


def reduce(edges):
    """Drops A -> C when A reaches C through another dependency."""
    def reach(start, skip):
        seen, stack = set(), [d for d in edges[start] if d != skip]
        while stack:
            n = stack.pop()
            if n not in seen:
                seen.add(n)
                stack.extend(edges[n])
        return seen
    return {a: {c for c in deps if c not in reach(a, c)} for a, deps in edges.items()}


def mermaid(edges, kinds):
    node_id = lambda n: n.replace("-", "_")
    shape = {"executable": '{0}[["{1}"]]', "system": '{0}[("{1}")]', "package": '{0}(["{1}"])'}
    out = ["```mermaid", "flowchart TD"]
    for name in sorted(edges):
        out.append("    " + shape.get(kinds[name], '{0}["{1}"]').format(node_id(name), name))
    for a in sorted(edges):
        for c in sorted(edges[a]):
            out.append("    %s --> %s" % (node_id(a), node_id(c)))
    out.append("```")
    return "\n".join(out)


def main():
    edges, kinds = package_graph()
    block = "%s\n%s\n%s" % (BEGIN, mermaid(reduce(edges), kinds), END)
    page = open(PAGE).read()
    start, end = page.index(BEGIN), page.index(END) + len(END)
    updated = page[:start] + block + page[end:]
    if "--check" in sys.argv:
        if updated != page:
            sys.exit("drift: docs/ARCHITECTURE.md's module graph differs from Package.swift (run scripts/generate-module-graph.py)")
        print("module graph matches Package.swift")
    elif updated != page:
        open(PAGE, "w").write(updated)


if __name__ == "__main__":
    main()
