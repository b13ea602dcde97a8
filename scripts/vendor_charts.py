"""Re-vendor the chart library of the HTML pages from the npm registry.

    python scripts/vendor_charts.py            # the pinned versions below
    python scripts/vendor_charts.py --check    # verify the vendored files, change nothing

Each package is fetched with `npm pack NAME@VERSION` (npm verifies the tarball
against the registry's integrity hash, which is written to the manifest), and only
the files the pages need are copied into src/playlog/render/assets/vendor/ with
the package's licence (scripts lose their last `sourceMappingURL` line: the maps
are not vendored and a page must not point anywhere). The world map is world-atlas's 1:110m countries TopoJSON
keyed by ISO 3166-1 alpha-2 (the codes the store keeps; the numeric-to-alpha-2
table comes from i18n-iso-countries), its `land` object and Antarctica left out.
Why these libraries: docs/html.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

VENDOR = Path(__file__).resolve().parents[1] / "src" / "playlog" / "render" / "assets" / "vendor"
MANIFEST = VENDOR / "manifest.json"

# name → (version, {file in the tarball → vendored name}, licence file in the tarball)
PACKAGES = {
    "chart.js": ("4.6.1", {"dist/chart.umd.min.js": "chart.umd.min.js"}, "LICENSE.md"),
    "chartjs-chart-matrix": (
        "3.1.0", {"dist/chartjs-chart-matrix.min.js": "chartjs-chart-matrix.min.js"}, "LICENSE"),
    "chartjs-chart-geo": (
        "4.3.6", {"build/index.umd.min.js": "chartjs-chart-geo.umd.min.js"}, "LICENSE"),
    "world-atlas": ("2.0.2", {}, "LICENSE"),
    "i18n-iso-countries": ("7.14.0", {}, "LICENSE"),
}
ANTARCTICA = "010"
# Map shapes without an ISO numeric code, under the code GeoIP databases give them.
UNCODED = {"Kosovo": "XK"}
SOURCE_MAP = re.compile(rb"\n//# sourceMappingURL=\S+\s*$")


def npm_pack(name: str, version: str, into: Path) -> tuple[Path, str]:
    """The package's tarball (checked by npm against the registry) and its integrity."""
    out = subprocess.run(
        ["npm", "pack", f"{name}@{version}", "--json", "--pack-destination", str(into)],
        check=True, capture_output=True, text=True,
    ).stdout
    info = json.loads(out)[0]
    return into / info["filename"], info["integrity"]


def member(tar: tarfile.TarFile, path: str) -> bytes:
    handle = tar.extractfile("package/" + path)
    if handle is None:
        raise SystemExit(f"vendor_charts: {path} missing from the tarball")
    return handle.read()


def world_map(atlas: bytes, codes: bytes) -> bytes:
    """countries-110m with ids as alpha-2 codes, names kept, land and Antarctica dropped."""
    alpha2 = {numeric: a2 for a2, _a3, numeric, *_ in json.loads(codes)}
    topo = json.loads(atlas)
    countries = topo["objects"]["countries"]
    kept = []
    for geometry in countries["geometries"]:
        numeric = geometry.pop("id", None)
        if numeric == ANTARCTICA:
            continue
        code = alpha2.get(numeric) or UNCODED.get(geometry["properties"]["name"])
        if code:
            geometry["id"] = code
        kept.append(geometry)
    countries["geometries"] = kept
    topo["objects"] = {"countries": countries}
    return json.dumps(topo, separators=(",", ":")).encode()


def vendor(into: Path) -> dict:
    """Fetch every package, write the vendored files into ``into``; the manifest."""
    manifest: dict = {"packages": {}, "files": {}}
    sources: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, (version, files, licence) in PACKAGES.items():
            tarball, integrity = npm_pack(name, version, Path(tmp))
            with tarfile.open(tarball) as tar:
                for inner, target in files.items():
                    (into / target).write_bytes(SOURCE_MAP.sub(b"\n", member(tar, inner)))
                (into / f"LICENSE.{name}").write_bytes(member(tar, licence))
                if name == "world-atlas":
                    sources["atlas"] = member(tar, "countries-110m.json")
                if name == "i18n-iso-countries":
                    sources["codes"] = member(tar, "codes.json")
            manifest["packages"][name] = {"version": version, "integrity": integrity}
    (into / "world-110m.json").write_bytes(world_map(sources["atlas"], sources["codes"]))
    for path in sorted(into.iterdir()):
        if path.name != MANIFEST.name:
            manifest["files"][path.name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return manifest


def check() -> int:
    """Exit status 0 when every vendored file matches the manifest's hash."""
    manifest = json.loads(MANIFEST.read_text())
    bad = [name for name, digest in manifest["files"].items()
           if not (VENDOR / name).exists()
           or hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() != digest]
    for name in bad:
        print(f"vendor_charts: {name} differs from the manifest", file=sys.stderr)
    return 1 if bad else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="verify, change nothing")
    if parser.parse_args().check:
        return check()
    VENDOR.mkdir(parents=True, exist_ok=True)
    manifest = vendor(VENDOR)
    MANIFEST.write_text(json.dumps(manifest, indent=2) + "\n")
    for name in manifest["files"]:
        print(f"{(VENDOR / name).stat().st_size:>9,}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
