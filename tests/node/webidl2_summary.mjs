// What webidl2 (the WebIDL parser web-platform-tests uses) makes of a set of .idl files.
//
//   node webidl2_summary.mjs summary FILE...
//     One JSON object on stdout: file name -> {"definitions": [...]} or {"error": "..."}.
//     Each definition is summarised as tests/webref.py's `summarize` summarises ours:
//       {"type", "name", "partial", "members"}, plus "includes" for an includes statement
//       (whose "name" is its target). "members" is members.length for containers,
//       values.length for enums, 0 for typedefs, callbacks and includes statements.
//
//   node webidl2_summary.mjs bench FILE...
//     Parses every file, validates them as one definition set (webidl2's `validate`), and
//     prints {"files", "parsed_files", "definitions", "parse_errors", "validation_errors"}
//     so the benchmark can check the work was really done. This is the mode bench/parse_webref.py
//     times, as a whole process.
//
// Files are named on the command line (not discovered here) so the Python side decides
// which corpus is read.

import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { parse, validate } from "webidl2";

const CONTAINERS = new Set([
  "interface",
  "interface mixin",
  "callback interface",
  "namespace",
  "dictionary",
]);

function summarizeDefinition(def) {
  const entry = {
    type: def.type,
    name: def.type === "includes" ? def.target : def.name,
    partial: Boolean(def.partial),
    members: 0,
  };
  if (CONTAINERS.has(def.type)) {
    entry.members = def.members.length;
  } else if (def.type === "enum") {
    entry.members = def.values.length;
  }
  if (def.type === "includes") {
    entry.includes = def.includes;
  }
  return entry;
}

function summary(files) {
  const result = {};
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    try {
      const ast = parse(text, { sourceName: basename(file) });
      result[basename(file)] = { definitions: ast.map(summarizeDefinition) };
    } catch (error) {
      result[basename(file)] = { error: String(error.message ?? error) };
    }
  }
  return result;
}

function bench(files) {
  const asts = [];
  let parseErrors = 0;
  let definitions = 0;
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    try {
      const ast = parse(text, { sourceName: basename(file) });
      definitions += ast.length;
      asts.push(ast);
    } catch {
      parseErrors += 1;
    }
  }
  const validationErrors = validate(asts).length;
  return {
    files: files.length,
    parsed_files: asts.length,
    definitions,
    parse_errors: parseErrors,
    validation_errors: validationErrors,
  };
}

const [mode, ...files] = process.argv.slice(2);
const modes = { summary, bench };
if (!(mode in modes) || files.length === 0) {
  process.stderr.write("usage: node webidl2_summary.mjs summary|bench FILE...\n");
  process.exit(2);
}
process.stdout.write(JSON.stringify(modes[mode](files)) + "\n");
