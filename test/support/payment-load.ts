/**
 * Payments under load for the crash and failover tests: DFSP callback endpoints in the test process (they outlive the
 * hub processes) that fulfil every prepare at once, and a load of FSPIOP v1.1 prepares between random DFSPs, a few at a
 * time, sent to whichever hub node `pick` names (one node, or a load balancer's choice among several). Every transfer
 * id sent is remembered with what its sender was told, so a test can check each one's final state in the database.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomInt, randomUUID } from 'node:crypto';
import type { FspiopClient } from '../../conformance/lib/http.js';
import { buildIlpPacket, generateFulfilment, transactionObject } from '../../conformance/lib/ilp.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** A request a DFSP's callback endpoint received: its method, path and JSON body (undefined when not JSON). */
export interface DfspRequest {
  method: string;
  path: string;
  body: any;
}

/** Of the requests a DFSP receives, its prepares (`POST /transfers`), for `Dfsp`'s constructor. */
export function prepares(onPrepare: (body: { transferId?: unknown }) => void): (request: DfspRequest) => void {
  return ({ method, path, body }) => {
    if (method === 'POST' && /^\/transfers\/?$/.test(path) && body !== undefined) onPrepare(body);
  };
}

/** A DFSP's callback endpoint: answers every request at once (200 to PUT and PATCH, 202 else), then hands it on. */
export class Dfsp {
  private server?: Server;
  baseUrl = '';

  constructor(
    readonly name: string,
    private readonly onRequest: (request: DfspRequest) => void,
  ) {}

  async start(): Promise<this> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('error', () => undefined);
      req.on('end', () => {
        const method = (req.method ?? '').toUpperCase();
        res.statusCode = method === 'PUT' || method === 'PATCH' ? 200 : 202;
        res.setHeader('content-length', '0');
        res.end();
        let body: any;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          body = undefined; // not a message this test sent
        }
        this.onRequest({ method, path: req.url ?? '/', body });
      });
    });
    server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}

export interface LoadOptions {
  /** Prepares in flight at once. */
  workers: number;
  expiresInMs: number;
  currency: string;
  /** The hub node a request goes to now; undefined while none is up (the load waits). */
  pick: () => FspiopClient | undefined;
}

/** What the sender of a prepare was told: 202, another status, or nothing (the connection failed). */
export type PrepareAnswer = 'accepted' | 'refused' | 'no-answer';

/** Prepares between random DFSPs, a few at a time; payees fulfil at once. */
export class Load {
  readonly fulfilments = new Map<string, { fulfilment: string; payer: string; payee: string }>();
  /** Every transfer id sent, with what its sender was told (and the status when there was one). */
  readonly answers = new Map<string, { answer: PrepareAnswer; status?: number; at: number }>();
  readonly counts = { prepares: 0, accepted: 0, fulfils: 0, fulfilled: 0, failed: 0 };
  private running = false;
  private workers: Array<Promise<void>> = [];

  constructor(
    private readonly names: string[],
    private readonly options: LoadOptions,
  ) {}

  start(): void {
    this.running = true;
    this.workers = Array.from({ length: this.options.workers }, () => this.work());
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.workers);
  }

  /** The payee's fulfil, sent as soon as its prepare arrives (lost when the hub dies meanwhile: the transfer expires). */
  fulfil(body: { transferId?: unknown }): void {
    const id = body?.transferId;
    const planned = typeof id === 'string' ? this.fulfilments.get(id) : undefined;
    const client = this.options.pick();
    if (!planned || !client) return;
    this.counts.fulfils++;
    const path = `/transfers/${id as string}`;
    client
      .send({
        method: 'PUT',
        path,
        version: '1.1',
        resource: 'transfers',
        source: planned.payee,
        destination: planned.payer,
        body: JSON.stringify({ transferState: 'COMMITTED', fulfilment: planned.fulfilment, completedTimestamp: new Date().toISOString() }),
        headers: { 'fspiop-uri': path, 'fspiop-http-method': 'PUT' },
      })
      .then((res) => void (res.status === 200 && this.counts.fulfilled++))
      .catch(() => undefined);
  }

  private async work(): Promise<void> {
    while (this.running) {
      const client = this.options.pick();
      if (!client) {
        await sleep(20);
        continue;
      }
      const payer = this.names[randomInt(this.names.length)]!;
      const others = this.names.filter((n) => n !== payer);
      const payee = others[randomInt(others.length)]!;
      const { id, request } = this.prepare(payer, payee);
      try {
        const res = await client.send(request);
        this.counts.prepares++;
        if (res.status === 202) this.counts.accepted++;
        this.answers.set(id, { answer: res.status === 202 ? 'accepted' : 'refused', status: res.status, at: Date.now() });
      } catch {
        this.counts.failed++;
        this.answers.set(id, { answer: 'no-answer', at: Date.now() });
        await sleep(20);
      }
      await sleep(10);
    }
  }

  /** A prepare from `payer` to `payee` (a random amount unless given), its fulfilment remembered for `fulfil`. */
  prepare(payer: string, payee: string, given?: string): { id: string; request: Parameters<FspiopClient['send']>[0] } {
    const id = randomUUID();
    const { fulfilment, condition } = generateFulfilment();
    const amount = given ?? `${1 + randomInt(40)}.${randomInt(100).toString().padStart(2, '0')}`.replace(/\.?0+$/, '');
    const expiration = new Date(Date.now() + this.options.expiresInMs).toISOString();
    const currency = this.options.currency;
    this.fulfilments.set(id, { fulfilment, payer, payee });
    const transaction = transactionObject({
      quoteId: randomUUID(),
      transactionId: randomUUID(),
      payerFsp: payer,
      payeeFsp: payee,
      amount,
      currency,
      expiration,
    });
    const ilpPacket = buildIlpPacket({ amount, currency, condition, expiresAt: expiration, transaction });
    const body = { transferId: id, payerFsp: payer, payeeFsp: payee, amount: { amount, currency }, ilpPacket, condition, expiration };
    return { id, request: { method: 'POST', path: '/transfers', version: '1.1', source: payer, destination: payee, body: JSON.stringify(body) } };
  }
}
