/**
 * mizani pki <command>: a development/test scheme PKI in a directory (see pki.ts for the layout).
 *
 *   pki init   --dir D [--key rsa4096|rsa2048|ec] [--days N] [--cn NAME] [--crl-days N]
 *   pki issue  --dir D --name N [--hub] [--dns HOST ...] [--ip ADDR ...] [--days N] [--key rsa2048|rsa4096|ec] [--renew]
 *   pki revoke --dir D (--name N | --serial HEX) [--reason R] [--crl-days N]
 *   pki crl    --dir D [--crl-days N]
 *   pki show   --dir D [--name N]
 *   pki [<command>] --help | -h
 *
 * Exit codes: 0 done; 1 the operation failed (e.g. a CA exists already, unknown name); 2 invalid command line.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parseCommandLine, UsageError, type OptionSpec } from '../cli-args.js';
import {
  DEFAULT_CA_DAYS,
  DEFAULT_CERT_DAYS,
  DEFAULT_CRL_DAYS,
  KEY_TYPES,
  PkiError,
  REVOCATION_REASONS,
  certificatePaths,
  checkDnsName,
  checkIpAddress,
  checkName,
  initPki,
  issueToDir,
  pkiPaths,
  readPkiIndex,
  revokeInDir,
  writeCrl,
  type IndexCertificate,
  type KeyType,
  type RevocationReason,
} from './pki.js';

export const PKI_USAGE = [
  'usage: mizani pki <command> [options]',
  '  init   --dir D [--key rsa4096|rsa2048|ec] [--days N] [--cn NAME] [--crl-days N]   create the scheme CA (default RSA 4096, 3650 days)',
  '  issue  --dir D --name N [--hub] [--dns HOST]... [--ip ADDR]... [--days N] [--key rsa2048|rsa4096|ec] [--renew]',
  '                                                      issue a participant (or, with --hub, the hub) certificate',
  '  revoke --dir D (--name N | --serial HEX) [--reason R] [--crl-days N]   revoke and rewrite ca/crl.pem',
  '  crl    --dir D [--crl-days N]                       re-sign ca/crl.pem (do it before its next update)',
  '  show   --dir D [--name N]                           list the CA and the certificates',
  '  -h, --help                                           this text (also after a command)',
  'exit codes: 0 done; 1 the operation failed; 2 invalid command line',
];

const COMMANDS: Record<string, Record<string, OptionSpec>> = {
  init: { dir: { type: 'string', required: true }, key: { type: 'string' }, days: { type: 'int' }, cn: { type: 'string' }, 'crl-days': { type: 'int' } },
  issue: {
    dir: { type: 'string', required: true },
    name: { type: 'string', required: true },
    hub: { type: 'flag' },
    dns: { type: 'list' },
    ip: { type: 'list' },
    days: { type: 'int' },
    key: { type: 'string' },
    renew: { type: 'flag' },
  },
  revoke: {
    dir: { type: 'string', required: true },
    name: { type: 'string' },
    serial: { type: 'string' },
    reason: { type: 'string' },
    'crl-days': { type: 'int' },
  },
  crl: { dir: { type: 'string', required: true }, 'crl-days': { type: 'int' } },
  show: { dir: { type: 'string', required: true }, name: { type: 'string' } },
};

function keyTypeOption(value: string | undefined): KeyType | undefined {
  if (value === undefined) return undefined;
  if (!(KEY_TYPES as readonly string[]).includes(value)) throw new UsageError(`option --key must be one of ${KEY_TYPES.join(', ')}, got "${value}"`);
  return value as KeyType;
}

function validate(check: () => void): void {
  try {
    check();
  } catch (err) {
    if (err instanceof PkiError) throw new UsageError(err.message);
    throw err;
  }
}

function status(c: IndexCertificate, now: Date): string {
  if (c.revokedAt) return `revoked ${c.revokedAt}${c.revocationReason ? ` (${c.revocationReason})` : ''}`;
  return new Date(c.notAfter) <= now ? 'expired' : 'valid';
}

function describeKey(k: KeyType): string {
  return k === 'ec' ? 'EC P-256' : k === 'rsa4096' ? 'RSA 4096' : 'RSA 2048';
}

type Options = Record<string, unknown>;
type Runner = (o: Options, now: Date, out: (line: string) => void) => Promise<number>;

async function runInit(o: Options, _now: Date, out: (line: string) => void): Promise<number> {
  const dir = o.dir as string;
  const keyType = keyTypeOption(o.key as string | undefined) ?? 'rsa4096';
  const { ca, paths } = await initPki(dir, {
    keyType,
    days: (o.days as number | undefined) ?? DEFAULT_CA_DAYS,
    commonName: o.cn as string | undefined,
    crlDays: (o['crl-days'] as number | undefined) ?? DEFAULT_CRL_DAYS,
  });
  out(`scheme CA created: ${ca.subject} (${describeKey(keyType)}, serial ${ca.serial}, valid until ${ca.notAfter.toISOString()})`);
  out(`  certificate: ${paths.caCert}`);
  out(`  private key: ${paths.caKey} (mode 0600; keep it offline in production)`);
  out(`  CRL:         ${paths.crl}`);
  return 0;
}

async function runIssue(o: Options, _now: Date, out: (line: string) => void): Promise<number> {
  const dir = o.dir as string;
  const name = o.name as string;
  const dns = (o.dns as string[] | undefined) ?? [];
  const ip = (o.ip as string[] | undefined) ?? [];
  validate(() => {
    checkName(name);
    dns.forEach(checkDnsName);
    ip.forEach(checkIpAddress);
  });
  const kind = o.hub ? 'hub' : 'participant';
  const { certificate, cert, key } = await issueToDir(dir, {
    name,
    kind,
    dns,
    ip,
    days: (o.days as number | undefined) ?? DEFAULT_CERT_DAYS,
    keyType: keyTypeOption(o.key as string | undefined),
    renew: o.renew === true,
  });
  out(
    `${kind} certificate issued: ${certificate.subject} (${describeKey(certificate.keyType)}, serial ${certificate.serial}, valid until ${certificate.notAfter.toISOString()})`,
  );
  out(`  certificate: ${cert}`);
  out(`  private key: ${key} (mode 0600)`);
  out(`  CA:          ${pkiPaths(dir).caCert}`);
  return 0;
}

async function runRevoke(o: Options, now: Date, out: (line: string) => void): Promise<number> {
  const dir = o.dir as string;
  const name = o.name as string | undefined;
  const serial = o.serial as string | undefined;
  if (name === undefined && serial === undefined) throw new UsageError('"pki revoke" needs --name N or --serial HEX');
  if (name !== undefined) validate(() => checkName(name));
  if (serial !== undefined && !/^[0-9a-fA-F:]{2,64}$/.test(serial)) throw new UsageError(`option --serial must be hexadecimal, got "${serial}"`);
  const reason = o.reason as string | undefined;
  if (reason !== undefined && !(REVOCATION_REASONS as readonly string[]).includes(reason)) {
    throw new UsageError(`option --reason must be one of ${REVOCATION_REASONS.join(', ')}, got "${reason}"`);
  }
  const result = await revokeInDir(
    dir,
    { name, serial },
    { now, reason: reason as RevocationReason | undefined, crlDays: o['crl-days'] as number | undefined },
  );
  out(`revoked: ${result.serials.join(', ')}${name ? ` ("${name}")` : ''}`);
  out(`  CRL rewritten: ${result.crl}`);
  out('  servers read the CRL at start-up: restart (or reload) them to enforce it');
  return 0;
}

async function runCrl(o: Options, now: Date, out: (line: string) => void): Promise<number> {
  const result = await writeCrl(o.dir as string, { now, days: o['crl-days'] as number | undefined });
  out(`CRL written: ${result.path} (${result.revoked} revoked, next update ${result.nextUpdate.toISOString()})`);
  return 0;
}

async function runShow(o: Options, now: Date, out: (line: string) => void): Promise<number> {
  const dir = o.dir as string;
  const name = o.name as string | undefined;
  if (name !== undefined) validate(() => checkName(name));
  const index = await readPkiIndex(dir);
  if (name === undefined) return showAll(dir, index, now, out);
  return showOne(dir, index, name, now, out);
}

function showAll(dir: string, index: Awaited<ReturnType<typeof readPkiIndex>>, now: Date, out: (line: string) => void): number {
  const paths = pkiPaths(dir);
  out(`scheme CA: ${index.ca.subject} (${describeKey(index.ca.keyType)}, serial ${index.ca.serial}, valid until ${index.ca.notAfter})`);
  out(`  certificate: ${paths.caCert}`);
  const crlState = new Date(index.crlNextUpdate) <= now ? 'EXPIRED: run "mizani pki crl"' : `next update ${index.crlNextUpdate}`;
  out(`  CRL:         ${paths.crl} (number ${index.crlNumber}, ${index.certificates.filter((c) => c.revokedAt).length} revoked, ${crlState})`);
  if (index.certificates.length === 0) {
    out('no certificates issued');
    return 0;
  }
  out('certificates:');
  for (const c of index.certificates) {
    out(`  ${c.name}  ${c.kind}  serial ${c.serial}  ${describeKey(c.keyType)}  until ${c.notAfter}  ${status(c, now)}`);
  }
  return 0;
}

async function showOne(dir: string, index: Awaited<ReturnType<typeof readPkiIndex>>, name: string, now: Date, out: (line: string) => void): Promise<number> {
  const entries = index.certificates.filter((c) => c.name === name);
  if (entries.length === 0) throw new PkiError(`no certificate named "${name}" in ${dir}`);
  const files = certificatePaths(dir, name);
  let inFile: X509Certificate | undefined;
  try {
    inFile = new X509Certificate(await readFile(files.cert));
  } catch {
    inFile = undefined;
  }
  for (const c of entries) {
    const current = inFile !== undefined && inFile.serialNumber.toLowerCase() === c.serial;
    out(`${c.name} (${c.kind}) serial ${c.serial}: ${status(c, now)}${current ? '' : ' (superseded; not in the files)'}`);
    out(`  subject:   ${c.subject}`);
    out(`  key:       ${describeKey(c.keyType)}`);
    out(`  validity:  ${c.notBefore} .. ${c.notAfter}`);
    const san = [c.kind === 'participant' ? `URI:urn:mizani:participant:${c.name}` : '', ...c.dns.map((d) => `DNS:${d}`), ...c.ip.map((a) => `IP:${a}`)].filter(
      Boolean,
    );
    out(`  SAN:       ${san.length ? san.join(', ') : '(none)'}`);
    if (current && inFile) {
      out(`  sha256:    ${createHash('sha256').update(inFile.raw).digest('hex')}`);
      out(`  files:     ${files.cert}, ${files.key}`);
    }
  }
  return 0;
}

const RUNNERS: Record<string, Runner> = { init: runInit, issue: runIssue, revoke: runRevoke, crl: runCrl, show: runShow };

/** `mizani pki ...`: argv without "mizani" (a leading "pki" is accepted and skipped). */
export async function pkiCommand(argv: string[], out: (line: string) => void, err: (line: string) => void = out): Promise<number> {
  const args = argv[0] === 'pki' ? argv.slice(1) : argv;
  const command = args[0];
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    PKI_USAGE.forEach((line) => (command === undefined ? err : out)(line));
    return command === undefined ? 2 : 0;
  }
  if (!COMMANDS[command]) {
    err(`mizani pki: unknown command "${command}" (try: ${Object.keys(COMMANDS).join(', ')})`);
    return 2;
  }
  try {
    const line = parseCommandLine(args.slice(1), COMMANDS[command]!, `pki ${command}`);
    if (line.help) {
      PKI_USAGE.forEach((l) => out(l));
      return 0;
    }
    return await RUNNERS[command]!(line.values, new Date(), out);
  } catch (error) {
    if (error instanceof UsageError) {
      err(`mizani pki ${command}: ${error.message}`);
      err(PKI_USAGE[0]!);
      return 2;
    }
    if (error instanceof PkiError) {
      err(`mizani pki ${command}: ${error.message}`);
      return 1;
    }
    const e = error as NodeJS.ErrnoException;
    if (e.code === 'EACCES' || e.code === 'ENOTDIR' || e.code === 'EROFS' || e.code === 'ENOSPC') {
      err(`mizani pki ${command}: ${e.message}`);
      return 1;
    }
    throw error;
  }
}
