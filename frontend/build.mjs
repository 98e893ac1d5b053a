// Copy the vendored UMD builds and Natural Earth country shapes into vigie/web/static/vendor/ (no bundler).
// Run through scripts/build_web.sh (npm ci first); the output is committed so CI needs no npm.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const modules = join(here, "node_modules");
const vendor = join(here, "..", "vigie", "web", "static", "vendor");

// [package, file in the package, name in vendor/]
const FILES = [
  ["d3-array", "dist/d3-array.min.js", "d3-array.min.js"],
  ["d3-geo", "dist/d3-geo.min.js", "d3-geo.min.js"],
  ["topojson-client", "dist/topojson-client.min.js", "topojson-client.min.js"],
  // 110m draws the world view; 50m is fetched once the map is zoomed in (10m, 3.7 MB, is left out).
  ["world-atlas", "countries-110m.json", "countries-110m.json"],
  ["world-atlas", "countries-50m.json", "countries-50m.json"],
];

mkdirSync(vendor, { recursive: true });
const notices = ["Third-party files in this folder, copied from npm by frontend/build.mjs.\n"];
for (const pkg of [...new Set(FILES.map(([name]) => name))]) {
  const meta = JSON.parse(readFileSync(join(modules, pkg, "package.json"), "utf8"));
  const licence = readFileSync(join(modules, pkg, "LICENSE"), "utf8").trim();
  const files = FILES.filter(([name]) => name === pkg).map(([, , out]) => out).join(", ");
  notices.push(`== ${pkg}@${meta.version} (${meta.license}) → ${files}\n\n${licence}\n`);
}
notices.push(
  "== Country shapes: Natural Earth (https://www.naturalearthdata.com/), public domain, via world-atlas.\n" +
    "== Place coordinates shown by the dashboard: GeoNames (https://www.geonames.org/), CC BY 4.0.\n",
);
for (const [pkg, file, out] of FILES) {
  copyFileSync(join(modules, pkg, file), join(vendor, out));
}
writeFileSync(join(vendor, "LICENSES.txt"), notices.join("\n"));
console.log(`copied ${FILES.length} files into ${vendor}`);
