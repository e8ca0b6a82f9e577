// nats.js's object store for the interop tests: one operation per run, spec as JSON in argv[2].
//   {"op": "put", "url", "bucket", "name", "file"}   put the file's bytes under name
//   {"op": "get", "url", "bucket", "name", "file"}   write the object's bytes to file
// Prints the object's info as nats.js sees it (one JSON line). nats is loaded from the
// folder in NATSOBJ_NPM_DIR, where the tests installed it.
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const require = createRequire(join(process.env.NATSOBJ_NPM_DIR, "package.json"));
const { connect } = require("nats");

const spec = JSON.parse(process.argv[2]);
const nc = await connect({ servers: spec.url, maxReconnectAttempts: 0 });
try {
  const store = await nc.jetstream().views.os(spec.bucket);
  let info;
  if (spec.op === "put") {
    info = await store.putBlob({ name: spec.name }, new Uint8Array(readFileSync(spec.file)));
  } else if (spec.op === "get") {
    const data = await store.getBlob(spec.name); // rejects when the digest does not match
    if (data === null) throw new Error(`no object ${spec.name}`);
    writeFileSync(spec.file, data);
    info = await store.info(spec.name);
  } else {
    throw new Error(`unknown op ${spec.op}`);
  }
  const { name, size, chunks, digest, nuid } = info;
  console.log(JSON.stringify({ name, size, chunks, digest, nuid }));
} finally {
  await nc.close();
}
