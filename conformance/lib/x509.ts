// A minimal self-signed X.509 v3 certificate (DER by hand, node:crypto only) for the XML-signing keys of simulated
// banks. The hub registers a bank's XML-signing certificate through the Admin API and verifies signatures with its
// public key; it needs no chain to a CA, so a self-signed RSA certificate is enough for the suite. A caller with a
// scheme PKI can pass its own certificates instead (DialectOptions.bankXmlCredentials).
import { createHash, generateKeyPair, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';

const generateKeyPairAsync = promisify(generateKeyPair);

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
}

const seq = (...c: Buffer[]) => tlv(0x30, ...c);
const set = (...c: Buffer[]) => tlv(0x31, ...c);

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const out: number[] = [40 * parts[0]! + parts[1]!];
  for (const p of parts.slice(2)) {
    const chunk: number[] = [p & 0x7f];
    for (let v = Math.floor(p / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift(0x80 | (v & 0x7f));
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

function integer(bytes: Buffer): Buffer {
  let b = bytes;
  while (b.length > 1 && b[0] === 0 && (b[1]! & 0x80) === 0) b = b.subarray(1);
  if (b[0]! & 0x80) b = Buffer.concat([Buffer.from([0]), b]);
  return tlv(0x02, b);
}

function time(d: Date): Buffer {
  const p = (n: number) => String(n).padStart(2, '0');
  const body = `${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
  const y = d.getUTCFullYear();
  // RFC 5280: UTCTime up to 2049, GeneralizedTime from 2050.
  return y < 2050 ? tlv(0x17, Buffer.from(`${p(y % 100)}${body}`, 'ascii')) : tlv(0x18, Buffer.from(`${y}${body}`, 'ascii'));
}

function name(cn: string): Buffer {
  return seq(set(seq(oid('2.5.4.3'), tlv(0x0c, Buffer.from(cn, 'utf8')))));
}

export interface SelfSignedCertificate {
  /** Certificate PEM. */
  cert: string;
  /** Private key PEM (PKCS#8). */
  key: string;
  privateKey: KeyObject;
}

export interface SelfSignedOptions {
  /** Subject (and issuer) common name. */
  commonName: string;
  /** Default 2048. */
  modulusLength?: number;
  /** Default: one hour ago. */
  notBefore?: Date;
  /** Default: one year from now. */
  notAfter?: Date;
}

/** A fresh RSA key and a self-signed certificate for it (sha256WithRSAEncryption, with a subject key identifier). */
export async function selfSignedRsaCertificate(o: SelfSignedOptions): Promise<SelfSignedCertificate> {
  const { publicKey, privateKey } = await generateKeyPairAsync('rsa', { modulusLength: o.modulusLength ?? 2048 });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  // SKI (RFC 5280 §4.2.1.2 method 1): SHA-1 of the subjectPublicKey BIT STRING value. Any stable hash will do.
  const ski = createHash('sha1').update(spki).digest();
  const sha256Rsa = seq(oid('1.2.840.113549.1.1.11'), tlv(0x05));
  const serial = randomBytes(16);
  serial[0] = serial[0]! & 0x7f;
  const now = Date.now();
  const tbs = seq(
    tlv(0xa0, integer(Buffer.from([2]))),
    integer(serial),
    sha256Rsa,
    name(o.commonName),
    seq(time(o.notBefore ?? new Date(now - 3600_000)), time(o.notAfter ?? new Date(now + 365 * 86400_000))),
    name(o.commonName),
    spki,
    tlv(0xa3, seq(seq(oid('2.5.29.14'), tlv(0x04, tlv(0x04, ski))))),
  );
  const signature = sign('sha256', tbs, privateKey);
  const der = seq(tbs, sha256Rsa, tlv(0x03, Buffer.from([0]), signature));
  new X509Certificate(der); // sanity: it parses
  const b64 = der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '');
  return {
    cert: `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`,
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    privateKey,
  };
}
