#!/usr/bin/env node
// An OTLP/HTTP receiver that accepts and discards every export, counting requests and bytes: a stand-in collector for
// measuring the hub's cost with MIZANI_TRACING=otlp (docs/tracing.md "Cost").
//   node scripts/otlp-sink.mjs [PORT]     (default 4318; prints its URL, and its counts on SIGINT/SIGTERM)
import { createServer } from 'node:http';

const port = Number(process.argv[2] ?? 4318);
let requests = 0;
let bytes = 0;
const server = createServer((req, res) => {
  req.on('data', (chunk) => (bytes += chunk.length));
  req.on('end', () => {
    requests++;
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
server.listen(port, '127.0.0.1', () => console.log(`OTLP sink at http://127.0.0.1:${server.address().port}/v1/traces`));
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    console.log(JSON.stringify({ requests, bytes }));
    server.close();
    process.exit(0);
  });
}
