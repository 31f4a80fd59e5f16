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
const BUNDLED = ["cytoscape", "cytoscape-dagre"]; // cytoscape-dagre's dist carries @dagrejs/dagre

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
  const texts = BUNDLED.map((name) => {
    const version = lock.packages[`node_modules/${name}`].version;
    const licence = readFileSync(join(here, "node_modules", name, "LICENSE"), "utf8").trim();
    return `${name} ${version} (${lock.packages[`node_modules/${name}`].license})\n\n${licence}`;
  });
  // @dagrejs/dagre is inside cytoscape-dagre's dist build; its licence (MIT) is quoted here.
  texts.push(DAGRE_LICENCE);
  return texts.join("\n\n-----\n\n");
}

const DAGRE_LICENCE = `@dagrejs/dagre (bundled in cytoscape-dagre) (MIT)

Copyright (c) 2012-2014 Chris Pettitt

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in
all copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN
THE SOFTWARE.`;

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
