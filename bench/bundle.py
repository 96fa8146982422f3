#!/usr/bin/env python3
"""The web app's bundle: gzip sizes of the JavaScript a first visit loads
(the entry script and the chunks index.html preloads) and of every lazily
loaded route chunk, from apps/web/dist (run `npm run build` there first).

    python3 bench/bundle.py [--dist apps/web/dist]
"""

import argparse
import gzip
import json
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent


def gz(path):
    return len(gzip.compress(path.read_bytes(), compresslevel=9))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dist", default=str(ROOT / "apps/web/dist"))
    dist = pathlib.Path(parser.parse_args().dist)
    index = (dist / "index.html").read_text()
    initial = re.findall(r'(?:src|href)="/(assets/[^"]+\.js)"', index)
    css = re.findall(r'href="/(assets/[^"]+\.css)"', index)
    all_js = sorted(p.relative_to(dist).as_posix() for p in (dist / "assets").glob("*.js"))
    lazy = [p for p in all_js if p not in initial]
    report = {
        "initial_js_gzip_kb": round(sum(gz(dist / p) for p in initial) / 1024, 1),
        "initial_files": {p: round(gz(dist / p) / 1024, 1) for p in initial},
        "css_gzip_kb": round(sum(gz(dist / p) for p in css) / 1024, 1),
        "route_chunks_gzip_kb": {p: round(gz(dist / p) / 1024, 1) for p in lazy},
        "all_js_gzip_kb": round(sum(gz(dist / p) for p in all_js) / 1024, 1),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
