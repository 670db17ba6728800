// Trunk post-build hook (Trunk.toml): minifies wasm-bindgen's JS loader with terser in
// release builds, then gives index.html the new file's integrity hash.
//
// Trunk's own minifier fails on the loader's `export default` and leaves it as it is
// (trunk-rs/trunk#1044). The hook runs after Trunk has written index.html to the staging
// directory, so the loader's `integrity` (and its modulepreload's) still name the
// unminified file: each old hash is replaced by the new one. Without WSLAB_TERSER (the
// terser that `cargo xtask` installs from npm) it says so and leaves the loader unminified.

import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const staging = process.env.TRUNK_STAGING_DIR;
if (process.env.TRUNK_PROFILE !== "release" || !staging) {
  process.exit(0);
}
const terserPath = process.env.WSLAB_TERSER;
if (!terserPath) {
  console.log("minify-loader: WSLAB_TERSER is not set (cargo xtask sets it); the loader stays unminified");
  process.exit(0);
}
const { minify } = await import(pathToFileURL(terserPath).href);
const sri = (bytes) => "sha384-" + createHash("sha384").update(bytes).digest("base64");

const htmlPath = join(staging, "index.html");
let html = readFileSync(htmlPath, "utf8");
for (const name of readdirSync(staging).filter((n) => n.endsWith(".js"))) {
  const path = join(staging, name);
  const source = readFileSync(path);
  const result = await minify(source.toString("utf8"), {
    module: true,
    compress: { passes: 2 },
    mangle: true,
    format: { comments: false },
  });
  if (!result.code) {
    throw new Error(`terser gave nothing for ${name}`);
  }
  const before = sri(source);
  const after = sri(Buffer.from(result.code, "utf8"));
  writeFileSync(path, result.code);
  const uses = html.split(before).length - 1;
  html = html.split(before).join(after);
  console.log(`minify-loader: ${name} ${source.length} → ${result.code.length} B; ${uses} integrity attribute(s) updated`);
}
writeFileSync(htmlPath, html);
