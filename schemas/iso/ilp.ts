/**
 * The one thing the translators need from an ILP packet: the execution condition of an ILP v4 Prepare, which the
 * Mojaloop ISO 20022 dialect does not send separately (iso20022-mapping.md §3.3/§3.4: "condition is derived from
 * the IlpV4PrepPacket"). Pure and small on purpose: the hub's full decoder (switch/security/ilp.ts) checks the
 * whole packet; translators may import only schemas/, so this reads just far enough to find the condition.
 *
 * ILP v4 Prepare (OER): type 12, length-prefixed envelope { amount UInt64, expiresAt 17 ASCII digits,
 * executionCondition 32 bytes, destination var-octets, data var-octets }.
 */
import type { Fit } from './translation.js';

const BASE64URL = /^[A-Za-z0-9_-]+={0,2}$/;
const TYPE_V4_PREPARE = 12;

export type ConditionResult = { ok: true; condition: string } | Extract<Fit, { ok: false }>;

/** The base64url (unpadded) execution condition of an ILP v4 Prepare packet given as base64url text. */
export function conditionFromIlpV4Packet(packet: string): ConditionResult {
  if (!BASE64URL.test(packet)) return { ok: false, reason: 'the ILP packet is not base64url text' };
  const buf = Buffer.from(packet.replace(/=+$/, ''), 'base64url');
  if (buf.length < 2) return { ok: false, reason: 'the ILP packet is too short' };
  if (buf[0] !== TYPE_V4_PREPARE) {
    return { ok: false, reason: `the ILP packet is of type ${buf[0]}, not an ILP v4 Prepare (12): it carries no execution condition` };
  }
  let pos = 1;
  const first = buf[pos++]!;
  let length = first;
  if (first >= 0x80) {
    const n = first & 0x7f;
    if (n === 0 || n > 4 || pos + n > buf.length) return { ok: false, reason: 'the ILP packet has an invalid length prefix' };
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + buf[pos++]!;
  }
  if (pos + length !== buf.length) return { ok: false, reason: 'the ILP packet length prefix does not match its size' };
  const at = pos + 8 + 17;
  if (at + 32 > buf.length) return { ok: false, reason: 'the ILP v4 Prepare is truncated before its execution condition' };
  return { ok: true, condition: buf.subarray(at, at + 32).toString('base64url') };
}
