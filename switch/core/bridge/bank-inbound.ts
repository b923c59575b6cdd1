/** The InboundMessage of a message the hub hands on for a bank (the bank bridge's, a bank's conversions'). */
import type { InboundMessage } from '../outbox.js';

export function bankInbound(source: string, destination: string, hash: string): InboundMessage {
  return {
    source,
    destination,
    dialect: 'iso20022-xml',
    version: { major: 2, minor: 0 },
    headers: {},
    raw: Buffer.alloc(0),
    hash,
    receivedAt: new Date().toISOString(),
  };
}
