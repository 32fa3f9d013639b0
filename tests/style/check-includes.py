#!/usr/bin/python3
# check-includes.py - the include rules of DESIGN.md for src/: each layer includes only the layers
# it may use, includes are rooted (never "../"), and no two files of one folder include each other.
"""Usage: check-includes.py SRC_DIR      checks the tree, naming every violation (exit 1)
       check-includes.py --self-test  runs the checker on temporary trees, good and bad

The rules:
  (a) a file under src/<layer>/ includes headers of the layers it may use only:
      model -> util; formats -> model, util; lwm2m -> model, formats, store, util;
      bus -> model, util; objects -> model, util; store -> model, util; util -> nothing;
      daemon and tools -> anything. Every layer may include its own headers.
  (b) an include of ours is rooted: "layer/file.h", never "../x.h" nor a bare "x.h" (the one
      bare name allowed is the generated "build-config.h", in the build directory's root).
  (c) no cycle between the modules of one folder: module A (A.c, A.h) depends on B when A.c or
      A.h includes B.h; a cycle of such dependencies, of any length, is a violation.
"""
import os
import re
import sys
import tempfile

ALLOWED = {
    "model": {"util"},
    "formats": {"model", "util"},
    "lwm2m": {"model", "formats", "store", "util"},
    "bus": {"model", "util"},
    "objects": {"model", "util"},
    "store": {"model", "util"},
    "util": set(),
    "daemon": None,  # anything
    "tools": None,
}
BARE_ALLOWED = {"build-config.h"}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.MULTILINE)


def includes_of(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return INCLUDE.findall(f.read())


def find_cycles(graph):
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index, low, on_stack, stack, out = {}, {}, set(), [], []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(out)


def check(src):
    problems = []
    layers = sorted(d for d in os.listdir(src) if os.path.isdir(os.path.join(src, d)))
    for layer in layers:
        folder = os.path.join(src, layer)
        graph = {}
        edges = {}  # (a, b) -> the file and include that made the edge, for the message
        for root, _, files in os.walk(folder):
            for name in sorted(files):
                if not name.endswith((".c", ".h")):
                    continue
                path = os.path.join(root, name)
                rel = os.path.relpath(path, src)
                module = os.path.splitext(os.path.relpath(path, folder))[0]
                graph.setdefault(module, set())
                for inc in includes_of(path):
                    if "../" in inc or inc.startswith("./"):
                        problems.append(f"{rel}: relative include \"{inc}\" (name it from src/)")
                        continue
                    if "/" not in inc:
                        if inc not in BARE_ALLOWED:
                            problems.append(f"{rel}: include \"{inc}\" is not rooted "
                                            f"(write \"{layer}/{inc}\" or the layer it is in)")
                        continue
                    target = inc.split("/", 1)[0]
                    if target not in ALLOWED:
                        continue  # not a layer of src/ (e.g. a test helper from the tree root)
                    allowed = ALLOWED.get(layer)
                    if target != layer and allowed is not None and target not in allowed:
                        may = ", ".join(sorted(allowed)) or "nothing of ours"
                        problems.append(f"{rel}: includes \"{inc}\": {layer}/ may use {may}, "
                                        f"not {target}/")
                    if target == layer and inc.endswith(".h"):
                        other = os.path.splitext(inc.split("/", 1)[1])[0]
                        if other != module:
                            graph[module].add(other)
                            edges.setdefault((module, other), f"{rel} includes \"{inc}\"")
        for comp in find_cycles(graph):
            members = set(comp)
            why = [edges[(a, b)] for a in comp for b in sorted(graph[a]) if b in members]
            problems.append(f"{layer}/: include cycle between {', '.join(comp)} ("
                            + "; ".join(why) + ")")
    return problems


def self_test():
    """Feeds the checker trees with one known fault each; it must name exactly that fault."""
    cases = [
        ("clean", {"util/a.h": "", "util/a.c": '#include "util/a.h"\n',
                   "model/m.h": '#include "util/a.h"\n', "model/m.c": '#include "model/m.h"\n',
                   "daemon/main.c": '#include "build-config.h"\n#include "bus/x.h"\n'
                                    '#include "lwm2m/y.h"\n',
                   "bus/x.h": "", "lwm2m/y.h": '#include "formats/f.h"\n',
                   "formats/f.h": '#include "model/m.h"\n'}, []),
        ("layer", {"model/m.c": '#include "formats/f.h"\n', "formats/f.h": ""},
         ["model/m.c: includes \"formats/f.h\""]),
        ("util-nothing", {"util/u.c": '#include "model/m.h"\n', "model/m.h": ""},
         ["util/u.c: includes \"model/m.h\""]),
        ("bus-lwm2m", {"bus/b.c": '#include "lwm2m/l.h"\n', "lwm2m/l.h": ""},
         ["bus/b.c: includes \"lwm2m/l.h\""]),
        ("relative", {"formats/f.c": '#include "../model/m.h"\n', "model/m.h": ""},
         ["formats/f.c: relative include"]),
        ("bare", {"formats/f.c": '#include "f.h"\n', "formats/f.h": ""},
         ["formats/f.c: include \"f.h\" is not rooted"]),
        ("cycle-2", {"lwm2m/a.c": '#include "lwm2m/b.h"\n', "lwm2m/a.h": "",
                     "lwm2m/b.h": "", "lwm2m/b.c": '#include "lwm2m/a.h"\n'},
         ["lwm2m/: include cycle between a, b"]),
        ("cycle-3", {"bus/a.h": '#include "bus/b.h"\n', "bus/b.c": '#include "bus/c.h"\n',
                     "bus/c.h": '#include "bus/a.h"\n'},
         ["bus/: include cycle between a, b, c"]),
        ("no-cycle", {"bus/a.c": '#include "bus/b.h"\n', "bus/b.c": '#include "bus/c.h"\n',
                      "bus/a.h": "", "bus/b.h": "", "bus/c.h": ""}, []),
    ]
    failed = 0
    for name, files, expected in cases:
        with tempfile.TemporaryDirectory() as tmp:
            for rel, text in files.items():
                os.makedirs(os.path.dirname(os.path.join(tmp, rel)), exist_ok=True)
                with open(os.path.join(tmp, rel), "w", encoding="utf-8") as f:
                    f.write(text)
            got = check(tmp)
        ok = len(got) == len(expected) and all(
            any(g.startswith(e) for g in got) for e in expected)
        if not ok:
            failed += 1
            print(f"self-test {name}: expected {expected}, got {got}")
    print(f"self-test: {len(cases) - failed} of {len(cases)} cases as expected")
    return 1 if failed else 0


def main(argv):
    if len(argv) == 2 and argv[1] == "--self-test":
        return self_test()
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    problems = check(argv[1])
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
