/**
 * Decoder for the ILP v1 "ILP Payment" packet that the SDK scheme adapter 18.0.2 puts in
 * quotes/transfers (sdk-standard-components 17.x, ilp-packet@2.2.0 serializeIlpPayment):
 *
 *   uint8  type = 1 (TYPE_ILP_PAYMENT)
 *   var-octet-string contents:
 *     uint64 amount (big-endian; transfer amount in minor units)
 *     var-octet-string account (ASCII ILP address "g.<fspId>.<idtype>.<idvalue>[.<subid>]", lower-case)
 *     var-octet-string data (ASCII bytes of BASE64URL(JSON transaction object))
 *     uint8  0 (extensibility)
 *
 * OER lengths: one byte if < 128, else 0x80|n followed by n big-endian length bytes.
 * The packet travels as base64url without padding.
 */
import { createHash, createHmac } from 'node:crypto';

export interface IlpV1Payment {
  type: number;
  amount: bigint;
  account: string;
  data: Buffer;
  /** JSON.parse(base64url-decode(data)) */
  transactionObject: Record<string, unknown>;
  /** the transaction object's keys, in the order the sender wrote them */
  transactionObjectKeys: string[];
  /** the raw JSON text inside data */
  transactionJson: string;
}

class Reader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}
  uint8(): number {
    if (this.pos >= this.buf.length) throw new Error('ILP packet truncated');
    return this.buf[this.pos++]!;
  }
  length(): number {
    const first = this.uint8();
    if (first < 0x80) return first;
    const n = first & 0x7f;
    if (n === 0 || n > 4) throw new Error(`unsupported OER length-of-length ${n}`);
    let len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + this.uint8();
    return len;
  }
  bytes(n: number): Buffer {
    if (this.pos + n > this.buf.length) throw new Error('ILP packet truncated');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  varOctets(): Buffer {
    return this.bytes(this.length());
  }
  get remaining(): number {
    return this.buf.length - this.pos;
  }
}

export function fromBase64url(s: string): Buffer {
  return Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

export function decodeIlpV1Payment(ilpPacket: string): IlpV1Payment {
  const outer = new Reader(fromBase64url(ilpPacket));
  const type = outer.uint8();
  if (type !== 1) throw new Error(`not an ILP v1 payment packet (type ${type})`);
  const contents = new Reader(outer.varOctets());
  const amount = contents.bytes(8).readBigUInt64BE(0);
  const account = contents.varOctets().toString('ascii');
  const data = Buffer.from(contents.varOctets());
  const transactionJson = fromBase64url(data.toString('ascii')).toString('utf8');
  const transactionObject = JSON.parse(transactionJson) as Record<string, unknown>;
  return { type, amount, account, data, transactionObject, transactionObjectKeys: Object.keys(transactionObject), transactionJson };
}

const b64url = (b: Buffer) => b.toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

/** condition = BASE64URL(SHA-256(BASE64URL-decoded fulfilment)) */
export function conditionOf(fulfilment: string): string {
  return b64url(createHash('sha256').update(fromBase64url(fulfilment)).digest());
}

/**
 * How 18.0.2 derives the fulfilment (payee side): HMAC-SHA256 keyed with the ASCII of
 * base64(ILP_SECRET), over the ASCII of the base64url packet string.
 */
export function sdkFulfilment(ilpSecret: string, ilpPacket: string): string {
  const key = Buffer.from(Buffer.from(ilpSecret).toString('base64'), 'ascii');
  return b64url(createHmac('sha256', key).update(Buffer.from(ilpPacket, 'ascii')).digest());
}
