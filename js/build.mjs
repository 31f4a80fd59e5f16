// Builds archguard/assets/page.js, the script index.html inlines, from src/ and the locked npm
// packages: `npm ci && node build.mjs` (docs/report.md, "The page's script").
//
// The bundle is committed, so installing archguard needs no Node.js; its first line records the
// SHA-256 of what it was built from (src/*.js and package-lock.json), and a test
// (tests/test_page_bundle.py) fails when they changed and the bundle was not rebuilt. The
// libraries' licence texts go at the top of the bundle, and beside it in page.js.LICENSES.txt.

import { createHash } from "node:crypto";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "archguard", "assets", "page.js");
// What the bundle holds: cytoscape-dagre's dist build carries @dagrejs/dagre 3.0.0, which is a
// devDependency here, at that version, only for its licence text.
const BUNDLED = [
  ["cytoscape", ""],
  ["cytoscape-dagre", ""],
  ["@dagrejs/dagre", ", inside cytoscape-dagre's build"],
];

export function sourcesDigest() {
  const hash = createHash("sha256");
  const files = readdirSync(join(here, "src")).filter((name) => name.endsWith(".js")).sort();
  for (const name of [...files.map((f) => join("src", f)), "package-lock.json"]) {
    hash.update(name + "\n");
    hash.update(readFileSync(join(here, name)));
  }
  return hash.digest("hex");
}

function licences() {
  const lock = JSON.parse(readFileSync(join(here, "package-lock.json"), "utf8"));
  return BUNDLED.map(([name, note]) => {
    const locked = lock.packages[`node_modules/${name}`];
    const licence = readFileSync(join(here, "node_modules", name, "LICENSE"), "utf8").trim();
    return `${name} ${locked.version} (${locked.license})${note}\n\n${licence}`;
  }).join("\n\n-----\n\n");
}

const notice = licences();
const result = await build({
  entryPoints: [join(here, "src", "page.js")],
  bundle: true,
  minify: true,
  format: "iife",
  target: ["chrome100", "firefox100", "safari15"],
  legalComments: "none",
  write: false,
  banner: {
    js: `/* archguard report page, sources sha256 ${sourcesDigest()}. Built by js/build.mjs from js/src and the locked npm packages below. */\n/*\n${notice.replaceAll("*/", "* /")}\n*/`,
  },
});
const code = result.outputFiles[0].text.replace(/<\/(script)/gi, "<\\/$1"); // inlined in <script>
writeFileSync(out, code);
writeFileSync(`${out}.LICENSES.txt`, `${notice}\n`);
console.log(`wrote ${out} (${code.length} bytes)`);
