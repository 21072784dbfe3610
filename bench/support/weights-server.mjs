// A model server for the cold-start bench that loads its weights the plain way: it reads every byte of
// every file under BERTH_MODEL_DIR before it answers /ping, so where the weights are (remote, disk, host
// memory) shows in its start time.
import { createServer } from "node:http";
import { closeSync, openSync, readSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const port = Number(process.env.SAGEMAKER_BIND_TO_PORT ?? 8080);
const buffer = Buffer.alloc(8 * 1024 * 1024);
let loaded = 0;
function load(path) {
  if (statSync(path).isDirectory()) return readdirSync(path).forEach((name) => load(join(path, name)));
  const fd = openSync(path, "r");
  try {
    for (let n; (n = readSync(fd, buffer, 0, buffer.length, null)) > 0;) loaded += n;
  } finally {
    closeSync(fd);
  }
}
if (process.env.BERTH_MODEL_DIR) load(process.env.BERTH_MODEL_DIR);
createServer((req, res) => {
  if (req.url === "/ping") return res.end();
  req.resume();
  req.on("end", () => res.end(JSON.stringify({ loadedBytes: loaded })));
}).listen(port, "127.0.0.1");
process.on("SIGTERM", () => process.exit(0));
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
