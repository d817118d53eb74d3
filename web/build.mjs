// Copy rasa-webchat's prebuilt UMD bundle (React included) into the web app's
// static folder, removing its only run-time reference to a CDN: a Google Fonts
// @import repeated in each CSS module. Pages must load nothing from outside.
// One patch: the bot's Markdown renderer prints "[11]" (a reference with no
// definition) as "[11]" instead of an empty link "11".
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const pkg = require("rasa-webchat/package.json");
const EXPECTED_VERSION = "1.0.1";
if (pkg.version !== EXPECTED_VERSION) {
  console.error(`[setup] error: rasa-webchat ${pkg.version} installed, ${EXPECTED_VERSION} expected (web/package-lock.json)`);
  process.exit(2);
}
const source = join(dirname(require.resolve("rasa-webchat/package.json")), "lib", "index.js");
const fontImport = "@import url(https://fonts.googleapis.com/css?family=Inter:400,500,700&display=swap);";

let bundle = readFileSync(source, "utf8");
const imports = bundle.split(fontImport).length - 1;
if (imports === 0) {
  console.error("[setup] error: the Google Fonts @import was not found in rasa-webchat's bundle; check web/build.mjs");
  process.exit(2);
}
bundle = bundle.split(fontImport).join("");
const linkRenderer = "transformLinkUri:null,renderers:{link:function(e){";
if (bundle.split(linkRenderer).length !== 2) {
  console.error("[setup] error: the bot message renderer was not found in rasa-webchat's bundle; check web/build.mjs");
  process.exit(2);
}
bundle = bundle.replace(linkRenderer,
  'transformLinkUri:null,renderers:{linkReference:function(e){return o.a.createElement("span",null,"[",e.children,"]")},link:function(e){');
const leftover = bundle.match(/fonts\.googleapis|cdn\.jsdelivr|unpkg\.com/);
if (leftover) {
  console.error(`[setup] error: the widget bundle still refers to ${leftover[0]}`);
  process.exit(2);
}
const outDir = join(here, "..", "bot", "web", "static", "vendor");
mkdirSync(outDir, { recursive: true });
const target = join(outDir, `rasa-webchat-${EXPECTED_VERSION}.js`);
writeFileSync(target, `/* rasa-webchat ${EXPECTED_VERSION} (Apache-2.0), lib/index.js without its Google Fonts @import, "[n]" kept as text; built by web/build.mjs */\n` + bundle);
console.log(`[setup]   widget bundle written: bot/web/static/vendor/rasa-webchat-${EXPECTED_VERSION}.js (${imports} font imports removed, "[n]" patch, ${(bundle.length / 1024).toFixed(0)} KiB)`);
