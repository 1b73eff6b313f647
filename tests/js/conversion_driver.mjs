// The JS side of tests/js/test_conversions.py: each stdin line is a JSON [operation key, JS
// expression of the argument list] (or ["new", expression]); the answer is a JSON [error type,
// message], or ["ok", null] when nothing was thrown. The expression sees the generated
// module's exports as `m`.

import { createInterface } from "node:readline";
import * as m from "../../generated/js/webnpu.js";

function describe(error) {
  return [error instanceof DOMException ? error.name : error.constructor.name, error.message];
}

const out = [];
const rl = createInterface({ input: process.stdin });
rl.on("line", (line) => {
  const [key, source] = JSON.parse(line);
  try {
    if (key === "new" || key === "set") {
      new Function("m", source)(m);
    } else {
      const args = new Function("m", `return [${source}];`)(m);
      m.OPERATIONS[key].convert(args);
    }
    out.push(["ok", null]);
  } catch (error) {
    out.push(describe(error));
  }
});
rl.on("close", () => process.stdout.write(out.map((a) => JSON.stringify(a) + "\n").join("")));
