// The JS side of tests/js/test_graph_rules.py: replays builder calls on the polyfill's
// NPUGraphBuilder (through the generated bindings, so WebIDL conversion runs first) and reports
// what each call gave. The devices come from the test's stand-in service over stdin/stdout
// (each bridge message behind a u32 length, as tests/js/e2e_client.mjs), one per limit set.
// argv[2]: JSON {limits: count, cases: [{limits, calls: [{builder, method, args}]}]}.
// argv[3]: where the answers go (stdout is the transport): per case, what
// graph_rule_replay.mjs's replayCalls gave.

import { readFileSync, writeFileSync } from "node:fs";
import { connect } from "../../generated/js/webnpu.js";
import { stdioTransport } from "./stdio_transport.mjs";
import { connectionOf } from "../../polyfill/runtime/client.js";
import { replayCalls } from "./graph_rule_replay.mjs";

async function main() {
  const { limits, cases } = JSON.parse(readFileSync(process.argv[2], "utf8"));
  const npu = connect(stdioTransport());
  const devices = [];
  for (let i = 0; i < limits; i++) {
    const adapter = await npu.requestAdapter();
    devices.push(await adapter.requestDevice({ label: `limits-${i}` }));
  }
  const answers = cases.map((c) => replayCalls(devices[c.limits], c.calls));
  writeFileSync(process.argv[3], JSON.stringify(answers));
  connectionOf(npu).close();
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`${error.stack}\n`);
    process.exit(1);
  },
);
