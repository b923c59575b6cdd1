#!/usr/bin/env node
// Express against fastify (and bare node:http as the floor) on the hub's hot path: a POST of an FSPIOP
// prepare body (~1 KiB JSON, FSPIOP media type) read as raw bytes, decoded, a header checked, answered 202.
// Each framework runs in its own process; the client (undici, keep-alive pool) keeps a fixed number of
// requests in flight. Rounds alternate the frameworks so the machine's noise hits them alike; the figures are
// medians over the rounds: requests/s and the server's CPU µs per request.
//   node scripts/bench-framework.mjs [--rounds 5] [--seconds 8] [--inflight 64]
// Not a test: prints figures (docs/decisions.md records the choice).
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';

const FRAMEWORKS = ['fastify', 'express', 'node:http'];
const MEDIA = 'application/vnd.interoperability.transfers+json;version=1.1';

const { values } = parseArgs({
  options: { serve: { type: 'string' }, rounds: { type: 'string' }, seconds: { type: 'string' }, inflight: { type: 'string' } },
  strict: true,
});
if (values.serve !== undefined) {
  await serve(values.serve);
} else {
  await main();
}

async function serve(framework) {
  const handle = (headers, raw) => {
    if (!String(headers['content-type'] ?? '').startsWith('application/vnd.interoperability.transfers+json')) return 415;
    if (!headers['fspiop-source']) return 400;
    const body = JSON.parse(raw.toString('utf8'));
    return typeof body.transferId === 'string' ? 202 : 400;
  };
  let port;
  if (framework === 'fastify') {
    const { default: Fastify } = await import('fastify');
    const app = Fastify({ logger: false, bodyLimit: 5 * 1024 * 1024 });
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    app.post('/transfers', async (request, reply) => reply.code(handle(request.headers, request.body)).send());
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = app.server.address().port;
  } else if (framework === 'express') {
    const { default: express } = await import('express');
    const app = express();
    app.use(express.raw({ type: () => true, limit: '5mb' }));
    app.post('/transfers', (req, res) => res.status(handle(req.headers, req.body)).end());
    await new Promise((resolve) => {
      const server = app.listen(0, '127.0.0.1', () => {
        port = server.address().port;
        resolve();
      });
    });
  } else {
    const { createServer } = await import('node:http');
    const server = createServer((req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        if (req.method !== 'POST' || req.url !== '/transfers') {
          res.statusCode = 404;
          return res.end();
        }
        res.statusCode = handle(req.headers, Buffer.concat(chunks));
        res.end();
      });
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = server.address().port;
  }
  process.on('message', (m) => {
    if (m === 'cpu') process.send({ cpu: process.cpuUsage() });
  });
  process.send({ port });
}

function option(name, fallback) {
  return values[name] === undefined ? fallback : Number(values[name]);
}

function body(i) {
  return JSON.stringify({
    transferId: `0195b2a6-0000-7000-8000-${String(i).padStart(12, '0')}`,
    payerFsp: 'payerfsp',
    payeeFsp: 'payeefsp',
    amount: { amount: '12.34', currency: 'USD' },
    ilpPacket:
      'DIICtgAAAAAAAASwNGxldmVsb25lLmRmc3AxLm1lci45T2RTOF81MDdqUUZERmZlakgyOVc4bXFmNEpLMHlGTFGCAUBQU0svMS4wCk5vbmNlOiB1SXlweUYzY3pYSXBFdzVVc05TYWh3CkVuY3J5cHRpb246IG5vbmUKUGF5bWVudC1JZDogMTMyMzZhM2ItOGZhOC00MTYzLTg0NDctNGMzZWQzZGE5OGE3CgpDb250ZW50LUxlbmd0aDogMTM1CkNvbnRlbnQtVHlwZTogYXBwbGljYXRpb24vanNvbgpTZW5kZXItSWRlbnRpZmllcjogOTI4MDYzOTEKCiJ7XCJmZWVcIjowLFwidHJhbnNmZXJDb2RlXCI6XCJpbnZvaWNlXCIsXCJkZWJpdE5hbWVcIjpcImFsaWNlIGNvb3BlclwiLFwiY3JlZGl0TmFtZVwiOlwibWVyIGNoYW50XCIsXCJkZWJpdElkZW50aWZpZXJcIjpcIjkyODA2MzkxXCJ9IgA',
    condition: 'f5sqb7tBTWPd5Y8BDFdMm9BJR_MNI4isf8p8n4D5pHA',
    expiration: '2030-01-01T00:00:00.000Z',
  });
}

async function measure(framework, seconds, inflight) {
  const child = fork(fileURLToPath(import.meta.url), ['--serve', framework], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const { port } = await new Promise((resolve) => child.once('message', resolve));
  const cpu = () =>
    new Promise((resolve) => {
      child.once('message', (m) => resolve(m.cpu));
      child.send('cpu');
    });
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 32, pipelining: 1 });
  let n = 0;
  let bad = 0;
  let counting = false;
  let stop = false;
  const worker = async () => {
    while (!stop) {
      const res = await pool.request({
        method: 'POST',
        path: '/transfers',
        headers: { 'content-type': MEDIA, accept: MEDIA, 'fspiop-source': 'payerfsp', 'fspiop-destination': 'payeefsp', date: new Date().toUTCString() },
        body: body(n),
      });
      await res.body.dump();
      if (res.statusCode !== 202) bad++;
      if (counting) n++;
    }
  };
  const workers = Array.from({ length: inflight }, worker);
  await new Promise((r) => setTimeout(r, 1500)); // warm-up: JIT, connections
  const cpu0 = await cpu();
  counting = true;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  counting = false;
  const elapsed = (performance.now() - t0) / 1000;
  const cpu1 = await cpu();
  const count = n;
  stop = true;
  await Promise.all(workers);
  await pool.close();
  child.kill();
  const cpuUs = cpu1.user - cpu0.user + (cpu1.system - cpu0.system);
  return { rate: count / elapsed, cpuUsPerRequest: cpuUs / count, bad };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function main() {
  const rounds = option('rounds', 5);
  const seconds = option('seconds', 8);
  const inflight = option('inflight', 64);
  const results = Object.fromEntries(FRAMEWORKS.map((f) => [f, []]));
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? FRAMEWORKS : [...FRAMEWORKS].reverse();
    for (const f of order) {
      const m = await measure(f, seconds, inflight);
      results[f].push(m);
      console.log(
        `round ${r + 1} ${f.padEnd(9)} ${m.rate.toFixed(0).padStart(6)} req/s  ${m.cpuUsPerRequest.toFixed(1).padStart(6)} µs CPU/request${m.bad ? `  ${m.bad} not 202!` : ''}`,
      );
    }
  }
  console.log(`\nmedians over ${rounds} rounds of ${seconds} s, ${inflight} requests in flight:`);
  const base = median(results.fastify.map((m) => m.rate));
  for (const f of FRAMEWORKS) {
    const rate = median(results[f].map((m) => m.rate));
    const cpu = median(results[f].map((m) => m.cpuUsPerRequest));
    console.log(`  ${f.padEnd(9)} ${rate.toFixed(0).padStart(6)} req/s (${(rate / base).toFixed(2)}× fastify)  ${cpu.toFixed(1).padStart(6)} µs CPU/request`);
  }
}
