#!/usr/bin/env node
// The layer rule of docs/architecture.md, checked on the import graph of src/ (part of `npm run check`):
//
//   cli → pipeline → (features | model | retention | monitoring | report | synth) → (contract | config) → io → leaf
//
// - an import may go to its own folder, to a folder of the same layer, or to a lower layer; never upward;
// - no import cycle between modules, and none between folders (two folders of one layer use each other one way);
// - only io/ imports node:fs (file access lives there), and a leaf module imports only leaf modules.
// Leaf modules are the files directly in src/ (messages.ts, errors.ts, log.ts, ids.ts, ...).
//
//   node scripts/tools/check-layers.mjs [SRC_DIR]     exit 0 clean, 1 violations (listed), 2 usage
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Folder → layer rank; higher ranks may import lower ones. */
export const LAYERS = {
  cli: 5,
  pipeline: 4,
  features: 3,
  model: 3,
  retention: 3,
  monitoring: 3,
  report: 3,
  synth: 3,
  contract: 2,
  config: 2,
  io: 1,
};
const LEAF = 0;
const FS_ONLY_IN = "io";

/** The layer folder of a path relative to src ("leaf" for files directly in src). */
export function folderOf(rel) {
  const parts = rel.split("/");
  return parts.length === 1 ? "leaf" : parts[0];
}

function rankOf(folder) {
  return folder === "leaf" ? LEAF : LAYERS[folder];
}

function listTs(dir) {
  const out = [];
  const walk = (d) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith(".ts") && !name.endsWith(".d.ts")) out.push(p);
    }
  };
  walk(dir);
  return out;
}

// static imports and re-exports (`import ... from "x"`, `export ... from "x"`, `import "x"`) and dynamic import("x")
const IMPORT_RE = /(?:^|[;\n])\s*(?:import|export)\s+(?:type\s+)?(?:[^"'`;]*?\s+from\s+)?["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']\s*\)/g;

/** Imports of one source text (specifiers), comments removed first. */
export function importsOf(text) {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
  const out = [];
  for (const m of code.matchAll(IMPORT_RE)) out.push(m[1] ?? m[2]);
  return out;
}

/** Violations of the layer rule in the TypeScript files under srcDir: a list of lines, empty when clean. */
export function checkLayers(srcDir) {
  const files = listTs(srcDir);
  const rels = new Set(files.map((f) => relative(srcDir, f).split("\\").join("/")));
  const problems = [];
  const graph = new Map();
  for (const f of files) {
    const rel = relative(srcDir, f).split("\\").join("/");
    const from = folderOf(rel);
    if (from !== "leaf" && !(from in LAYERS)) problems.push(`${rel}: folder '${from}' has no layer (add it to LAYERS in scripts/tools/check-layers.mjs and to docs/architecture.md)`);
    const edges = [];
    for (const spec of importsOf(readFileSync(f, "utf8"))) {
      if (spec === "node:fs" || spec === "fs" || spec === "node:fs/promises" || spec === "fs/promises") {
        if (from !== FS_ONLY_IN) problems.push(`${rel}: imports ${spec}; only ${FS_ONLY_IN}/ touches the filesystem (add a function to src/io/)`);
        continue;
      }
      if (!spec.startsWith(".")) continue;
      const target = normalize(join(dirname(rel), spec)).split("\\").join("/").replace(/\.js$/, ".ts");
      if (target.startsWith("..")) {
        problems.push(`${rel}: imports ${spec}, outside src/`);
        continue;
      }
      if (!rels.has(target)) continue; // a type-check error, not a layering one
      edges.push(target);
      const to = folderOf(target);
      if (to === from) continue;
      const rf = rankOf(from);
      const rt = rankOf(to);
      if (rf === undefined || rt === undefined) continue;
      if (rt > rf) problems.push(`${rel}: imports ${target}, an upward import (${from} is below ${to}: ${layerLine()})`);
    }
    graph.set(rel, edges);
  }
  for (const cycle of findCycles(graph)) problems.push(`import cycle: ${cycle.join(" → ")}`);
  // folders of one layer may use each other, but one way only (model → retention and retention → model is a cycle)
  const folders = new Map();
  const witness = new Map();
  for (const [from, tos] of graph) {
    const a = folderOf(from);
    for (const to of tos) {
      const b = folderOf(to);
      if (a === b) continue;
      if (!folders.has(a)) folders.set(a, []);
      if (!folders.get(a).includes(b)) folders.get(a).push(b);
      if (!witness.has(`${a} ${b}`)) witness.set(`${a} ${b}`, `${from} → ${to}`);
    }
  }
  for (const cycle of findCycles(folders)) {
    const steps = cycle.slice(1).map((b, i) => witness.get(`${cycle[i]} ${b}`));
    problems.push(`folder cycle: ${cycle.join(" → ")} (${steps.join("; ")})`);
  }
  return problems;
}

function layerLine() {
  return "cli → pipeline → (features | model | retention | monitoring | report | synth) → (contract | config) → io → leaf";
}

/** One cycle per strongly connected component with more than one module (or a self-import). */
export function findCycles(graph) {
  let index = 0;
  const idx = new Map();
  const low = new Map();
  const stack = [];
  const on = new Set();
  const cycles = [];
  const strong = (v) => {
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const comp = [];
      let w;
      do {
        w = stack.pop();
        on.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(cyclePath(graph, new Set(comp), comp.sort()[0]));
    }
  };
  for (const v of [...graph.keys()].sort()) if (!idx.has(v)) strong(v);
  return cycles;
}

/** A concrete cycle through `start` inside one component (breadth-first back to start). */
function cyclePath(graph, comp, start) {
  const prev = new Map();
  const queue = [start];
  const seen = new Set([start]);
  while (queue.length) {
    const v = queue.shift();
    for (const w of graph.get(v) ?? []) {
      if (!comp.has(w)) continue;
      if (w === start) {
        const path = [v];
        while (path[0] !== start) path.unshift(prev.get(path[0]));
        return [...path, start];
      }
      if (!seen.has(w)) {
        seen.add(w);
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}

function main(argv) {
  const src = resolve(argv[0] ?? join(dirname(fileURLToPath(import.meta.url)), "..", "..", "src"));
  if (!existsSync(src)) {
    process.stderr.write(`check-layers: no folder ${src}\n`);
    return 2;
  }
  const problems = checkLayers(src);
  if (problems.length === 0) return 0;
  process.stderr.write(`layer rule: ${problems.length} problem(s) in ${src} (see docs/architecture.md)\n${problems.map((p) => `  ${p}`).join("\n")}\n`);
  return 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exitCode = main(process.argv.slice(2));
