// Trunk post-build hook (Trunk.toml), release builds only: shortens the names by which the
// wasm imports wasm-bindgen's JS functions, minifies the JS loader with terser, then gives
// index.html the new files' integrity hashes.
//
// wasm-bindgen names each import after its function and a 16-digit hash
// (`__wbg_setTimeout_a60d83bec06b4345`), and each name is written twice, in the wasm's
// import section and as a key of the loader's import object; terser cannot shorten object
// keys. Random hex barely compresses: renaming the imports `a`, `b`, … `ba`, … (and their
// module `./NAME_bg.js` to `w`) in both files takes 6.5 KB off the gzipped app. A name that
// is not exactly once a key in the loader stops the build instead of shipping a loader
// that no longer matches its wasm.
//
// Trunk's own minifier fails on the loader's `export default` and leaves it as it is
// (trunk-rs/trunk#1044). The hook runs after Trunk has written index.html to the staging
// directory, so the loader's `integrity` (and its modulepreload's) still name the
// unminified file: each old hash is replaced by the new one. Without WSLAB_TERSER (the
// terser that `cargo xtask` installs from npm) it says so and leaves the loader unminified.

import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const staging = process.env.TRUNK_STAGING_DIR;
if (process.env.TRUNK_PROFILE !== "release" || !staging) {
  process.exit(0);
}
const terserPath = process.env.WSLAB_TERSER;
if (!terserPath) {
  console.log("minify-loader: WSLAB_TERSER is not set (cargo xtask sets it); the loader stays unminified");
}
const minify = terserPath ? (await import(pathToFileURL(terserPath).href)).minify : null;
const sri = (bytes) => "sha384-" + createHash("sha384").update(bytes).digest("base64");

/** Reads an unsigned LEB128 at `at`: [value, next offset]. */
function leb(bytes, at) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const byte = bytes[at++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if (byte < 0x80) return [value, at];
  }
}

/** Writes `value` as unsigned LEB128. */
function uleb(value) {
  const out = [];
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) byte |= 0x80;
    out.push(byte);
  } while (value > 0);
  return Buffer.from(out);
}

/** A wasm name (length-prefixed UTF-8) at `at`: [text, next offset]. */
function wasmName(bytes, at) {
  const [length, start] = leb(bytes, at);
  return [bytes.subarray(start, start + length).toString("utf8"), start + length];
}

const encodeName = (text) => {
  const bytes = Buffer.from(text, "utf8");
  return Buffer.concat([uleb(bytes.length), bytes]);
};

/** The offset after an import's description (function, table, memory, global or tag). */
function skipImportDesc(bytes, at) {
  const kind = bytes[at++];
  const limits = (p) => {
    const flags = bytes[p++];
    [, p] = leb(bytes, p);
    if (flags & 1) [, p] = leb(bytes, p);
    return p;
  };
  switch (kind) {
    case 0: return leb(bytes, at)[1];
    case 1: return limits(at + 1);
    case 2: return limits(at);
    case 3: return at + 2;
    case 4: return leb(bytes, at + 1)[1];
    default: throw new Error(`unknown wasm import kind ${kind}`);
  }
}

/** `a`, `b`, … `z`, `ba`, … : the `index`-th short name. */
function shortName(index) {
  const letters = "abcdefghijklmnopqrstuvwxyz";
  let name = "";
  do {
    name = letters[index % 26] + name;
    index = Math.floor(index / 26);
  } while (index > 0);
  return name;
}

/**
 * Renames the imports of `wasm` that come from `module` (the loader's own import object):
 * returns the new wasm and the renaming, old name to new.
 */
function renameImports(wasm, module, moduleAs) {
  const renames = new Map();
  const parts = [wasm.subarray(0, 8)];
  let at = 8;
  while (at < wasm.length) {
    const id = wasm[at];
    const [size, start] = leb(wasm, at + 1);
    const end = start + size;
    if (id !== 2) {
      parts.push(wasm.subarray(at, end));
      at = end;
      continue;
    }
    const body = wasm.subarray(start, end);
    let [count, p] = leb(body, 0);
    const entries = [uleb(count)];
    while (count-- > 0) {
      let from, field;
      [from, p] = wasmName(body, p);
      [field, p] = wasmName(body, p);
      const desc = p;
      p = skipImportDesc(body, p);
      if (from === module) {
        const renamed = shortName(renames.size);
        renames.set(field, renamed);
        entries.push(encodeName(moduleAs), encodeName(renamed));
      } else {
        entries.push(encodeName(from), encodeName(field));
      }
      entries.push(body.subarray(desc, p));
    }
    const section = Buffer.concat(entries);
    parts.push(Buffer.from([2]), uleb(section.length), section);
    at = end;
  }
  return [Buffer.concat(parts), renames];
}

/** The loader with each import object key renamed as `renames` says. */
function renameKeys(loader, name, module, moduleAs, renames) {
  for (const [from, to] of renames) {
    const key = new RegExp(`(?<![\\w$])${from}(\\s*):`, "g");
    const found = loader.match(key)?.length ?? 0;
    if (found !== 1) {
      throw new Error(`${name}: the import ${from} is a key ${found} times in the loader, not once`);
    }
    loader = loader.replace(key, `${to}$1:`);
  }
  const moduleKey = JSON.stringify(module) + ":";
  if (loader.split(moduleKey).length !== 2) {
    throw new Error(`${name}: the loader does not name ${module} exactly once`);
  }
  return loader.replace(moduleKey, `${moduleAs}:`);
}

const htmlPath = join(staging, "index.html");
let html = readFileSync(htmlPath, "utf8");
/** Writes `bytes` to `path` and points index.html's integrity hashes of its old bytes at them. */
function replaceFile(path, old, bytes) {
  writeFileSync(path, bytes);
  const [before, after] = [sri(old), sri(bytes)];
  const uses = html.split(before).length - 1;
  html = html.split(before).join(after);
  return uses;
}

for (const name of readdirSync(staging).filter((n) => n.endsWith(".js"))) {
  const path = join(staging, name);
  const source = readFileSync(path);
  let loader = source.toString("utf8");
  const base = name.slice(0, -".js".length);
  const wasmPath = join(staging, `${base}_bg.wasm`);
  if (existsSync(wasmPath)) {
    const wasm = readFileSync(wasmPath);
    // wasm-bindgen names the module after the crate, not the hashed file name.
    const module = loader.match(/"(\.\/[\w-]+_bg\.js)":/)?.[1];
    if (!module) throw new Error(`${name}: no "./…_bg.js" import object in the loader`);
    const [renamed, renames] = renameImports(wasm, module, "w");
    loader = renameKeys(loader, name, module, "w", renames);
    const uses = replaceFile(wasmPath, wasm, renamed);
    console.log(`minify-loader: ${base}_bg.wasm ${wasm.length} → ${renamed.length} B (${renames.size} imports renamed); ${uses} integrity attribute(s) updated`);
  }
  if (minify) {
    const result = await minify(loader, {
      module: true,
      compress: { passes: 2 },
      mangle: true,
      format: { comments: false },
    });
    if (!result.code) {
      throw new Error(`terser gave nothing for ${name}`);
    }
    loader = result.code;
  }
  const uses = replaceFile(path, source, Buffer.from(loader, "utf8"));
  console.log(`minify-loader: ${name} ${source.length} → ${loader.length} B; ${uses} integrity attribute(s) updated`);
}
writeFileSync(htmlPath, html);
