// Worker thread of the sign-ahead: signs the 5 signed messages of payments start, start+step, … and writes the
// raw signatures into the shared store (memory or file), then flags the payment as signed.
import { createPrivateKey } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { buildPayment, protectedHeader, signedMessages, signRaw, SIG_BYTES, type PlanConfig } from './plan.js';
import { RECORD_BYTES, type StoreHandle } from './sigstore.js';

const { cfg, keys, start, step, handle } = workerData as { cfg: PlanConfig; keys: string[]; start: number; step: number; handle: StoreHandle };
const keyObjects = keys.map((pem) => createPrivateKey(pem));
const flags = new Uint8Array(handle.flags);
const mem = handle.kind === 'memory' ? Buffer.from(handle.data) : undefined;
const fd = handle.kind === 'file' ? openSync(handle.path, 'r+') : undefined;
const record = Buffer.alloc(RECORD_BYTES);
let done = 0;
for (let i = start; i < cfg.count; i += step) {
  const p = buildPayment(cfg, i);
  const msgs = signedMessages(p);
  for (let s = 0; s < msgs.length; s++) {
    const m = msgs[s]!;
    const key = keyObjects[m.source === p.payerFsp ? p.payer : p.payee]!;
    const sig = signRaw(key, protectedHeader(m), m.body);
    if (sig.length !== SIG_BYTES) throw new Error(`unexpected signature length ${sig.length}`);
    sig.copy(mem ?? record, (mem ? i * RECORD_BYTES : 0) + s * SIG_BYTES);
  }
  if (fd !== undefined) writeSync(fd, record, 0, RECORD_BYTES, i * RECORD_BYTES);
  Atomics.store(flags, i, 1);
  done++;
  if (done % 256 === 0) parentPort!.postMessage({ done });
}
if (fd !== undefined) closeSync(fd);
parentPort!.postMessage({ done, final: true });
