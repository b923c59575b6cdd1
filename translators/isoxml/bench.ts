/**
 * Measurements behind the ISO 20022 XML edge's choices (run: `node dist/translators/isoxml/bench.js
 * [validations]`): runtime XSD validation (libxml2-wasm, compiled once) per message, the JVM-per-call
 * alternative (xsd-schema-validator), the whole inbound pipeline, signing, and memory over many
 * validations (JS heap, ArrayBuffers = the WASM heap, and libxml2-wasm's own count of objects not
 * disposed).
 */
// First: records libxml2-wasm's linear memory as it is instantiated (module evaluation order).
import { wasmMemoryBytes } from './wasm-memory.js';
import { createPrivateKey, webcrypto, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { diag } from 'libxml2-wasm';
import { emitEnvelope } from './envelope.js';
import { parseBusinessMessage, screenXml } from './parse.js';
import { parseLibxml, RuntimeSchemas, RUNTIME_SCHEMA_DIR } from './validate.js';
import { XmlElement } from 'libxml2-wasm';

/** A typical bank pacs.008.001.08 (CBPR+-like content: addresses, accounts, remittance), ~4 KB. */
export const TYPICAL_PACS008 = emitEnvelope(
  `<AppHdr xmlns="urn:iso:std:iso:20022:tech:xsd:head.001.001.02"><Fr><FIId><FinInstnId><BICFI>BANKAAAAXXX</BICFI><Othr><Id>bank-a</Id></Othr></FinInstnId></FIId></Fr><To><FIId><FinInstnId><Othr><Id>hub</Id></Othr></FinInstnId></FIId></To><BizMsgIdr>20260301BANKA000000123</BizMsgIdr><MsgDefIdr>pacs.008.001.08</MsgDefIdr><BizSvc>mizani.instant.01</BizSvc><CreDt>2026-03-01T10:00:00.123Z</CreDt></AppHdr>`,
  `<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08"><FIToFICstmrCdtTrf><GrpHdr><MsgId>20260301BANKA000000123</MsgId><CreDtTm>2026-03-01T10:00:00.123Z</CreDtTm><NbOfTxs>1</NbOfTxs><TtlIntrBkSttlmAmt Ccy="EUR">1250.75</TtlIntrBkSttlmAmt><IntrBkSttlmDt>2026-03-01</IntrBkSttlmDt><SttlmInf><SttlmMtd>CLRG</SttlmMtd><ClrSys><Prtry>MIZANI</Prtry></ClrSys></SttlmInf><InstgAgt><FinInstnId><BICFI>BANKAAAAXXX</BICFI></FinInstnId></InstgAgt><InstdAgt><FinInstnId><BICFI>BANKBBBBXXX</BICFI></FinInstnId></InstdAgt></GrpHdr>` +
    `<CdtTrfTxInf><PmtId><InstrId>INSTR-000000123</InstrId><EndToEndId>E2E-2026-000000123</EndToEndId><TxId>01JBVM16V1ZXP2DM3ZS6Z7Y8XX</TxId><UETR>8a562c67-ca16-48ba-b074-65581be6f011</UETR></PmtId><PmtTpInf><SvcLvl><Cd>SEPA</Cd></SvcLvl><LclInstrm><Cd>INST</Cd></LclInstrm><CtgyPurp><Cd>SUPP</Cd></CtgyPurp></PmtTpInf><IntrBkSttlmAmt Ccy="EUR">1250.75</IntrBkSttlmAmt><IntrBkSttlmDt>2026-03-01</IntrBkSttlmDt><AccptncDtTm>2026-03-01T10:00:00.100Z</AccptncDtTm><InstdAmt Ccy="EUR">1250.75</InstdAmt><ChrgBr>SLEV</ChrgBr>` +
    `<Dbtr><Nm>Amina Wanjiku Trading Ltd</Nm><PstlAdr><StrtNm>Moi Avenue</StrtNm><BldgNb>12</BldgNb><PstCd>00100</PstCd><TwnNm>Nairobi</TwnNm><Ctry>KE</Ctry></PstlAdr><Id><OrgId><Othr><Id>P051234567X</Id><SchmeNm><Cd>TXID</Cd></SchmeNm></Othr></OrgId></Id></Dbtr><DbtrAcct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy></DbtrAcct><DbtrAgt><FinInstnId><BICFI>BANKAAAAXXX</BICFI><Othr><Id>bank-a</Id></Othr></FinInstnId></DbtrAgt>` +
    `<CdtrAgt><FinInstnId><BICFI>BANKBBBBXXX</BICFI><Othr><Id>bank-b</Id></Othr></FinInstnId></CdtrAgt><Cdtr><Nm>Chikondi Banda</Nm><PstlAdr><StrtNm>Kamuzu Procession Road</StrtNm><BldgNb>4</BldgNb><TwnNm>Lilongwe</TwnNm><Ctry>MW</Ctry></PstlAdr><Id><PrvtId><Othr><Id>+265991234567</Id><SchmeNm><Prtry>MSISDN</Prtry></SchmeNm></Othr></PrvtId></Id></Cdtr><CdtrAcct><Id><IBAN>FR1420041010050500013M02606</IBAN></Id></CdtrAcct>` +
    `<Purp><Cd>GDDS</Cd></Purp><RmtInf><Ustrd>Invoice 2026-0042, delivery of 40 bags of maize</Ustrd><Strd><RfrdDocInf><Tp><CdOrPrtry><Cd>CINV</Cd></CdOrPrtry></Tp><Nb>2026-0042</Nb><RltdDt>2026-02-27</RltdDt></RfrdDocInf><RfrdDocAmt><DuePyblAmt Ccy="EUR">1250.75</DuePyblAmt></RfrdDocAmt></Strd></RmtInf></CdtTrfTxInf></FIToFICstmrCdtTrf></Document>`,
);

/** A self-signed RSA-2048 certificate for the signing measurements (translators import no hub code). */
async function selfSigned<T>(parse: (pem: string) => T): Promise<{ cert: T; key: KeyObject }> {
  await import('reflect-metadata');
  const x509 = await import('@peculiar/x509');
  x509.cryptoProvider.set(webcrypto as never);
  const alg = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 };
  const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const now = Date.now();
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=bank-a',
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 86_400_000),
    keys,
    signingAlgorithm: alg,
    extensions: [await x509.SubjectKeyIdentifierExtension.create(keys.publicKey)],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  return { cert: parse(certificate.toString('pem')), key: createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }) };
}

function time(label: string, runs: number, fn: () => void): number {
  for (let i = 0; i < Math.min(500, runs); i++) fn();
  const started = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) fn();
  const us = Number(process.hrtime.bigint() - started) / 1000 / runs;
  console.log(`${label.padEnd(58)} ${us.toFixed(1).padStart(9)} µs`);
  return us;
}

function mb(n: number): string {
  return `${(n / 1048576).toFixed(1)} MiB`;
}

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/**
 * Memory over many validations, in rounds that return to the event loop in between, as a server does between requests
 * (libxml2-wasm keeps a WeakRef per document, and V8 holds WeakRef targets until the current job ends: one long
 * synchronous loop would look like a leak that is not one).
 */
async function memoryOverValidations(validations: number, validateOnce: () => void): Promise<void> {
  const rounds = 4;
  const round = async () => {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < validations / rounds; i++) validateOnce();
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, mem: process.memoryUsage(), wasm: wasmMemoryBytes() };
  };
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  const start = { mem: process.memoryUsage(), wasm: wasmMemoryBytes() };
  const results = [];
  for (let r = 0; r < rounds; r++) results.push(await round());
  const seconds = results.reduce((n, r) => n + r.seconds, 0);
  console.log(
    `\n${validations} validations in ${seconds.toFixed(1)} s (${((seconds * 1e6) / validations).toFixed(1)} µs each), memory after each ${validations / rounds}:`,
  );
  console.log(`  WASM linear memory ${[start, ...results].map((r) => mb(r.wasm)).join(' -> ')}`);
  console.log(`  JS heapUsed        ${[start, ...results].map((r) => mb(r.mem.heapUsed)).join(' -> ')}`);
  console.log(`  rss                ${[start, ...results].map((r) => mb(r.mem.rss)).join(' -> ')}`);
  diag.configure({ enabled: true });
  for (let i = 0; i < 10_000; i++) validateOnce();
  const report = diag.report() as unknown;
  diag.configure({ enabled: false });
  console.log(`  libxml2-wasm objects left undisposed after 10000 more: ${JSON.stringify(report) === '{}' ? 0 : JSON.stringify(report).slice(0, 200)}`);
}

/** The JVM-per-call alternative. */
async function jvmPerCall(validate: number): Promise<void> {
  try {
    const { validateWithXerces } = await import('./xerces.js');
    const file = join(tmpdir(), `mizani-bench-${process.pid}.xml`);
    const document = /<Document[\s\S]*<\/Document>/.exec(TYPICAL_PACS008)![0];
    writeFileSync(file, document);
    const runs = 3;
    const started = process.hrtime.bigint();
    for (let i = 0; i < runs; i++) {
      const v = await validateWithXerces(document, join(RUNTIME_SCHEMA_DIR, 'pacs.008.001.08.xsd'));
      if (!v.valid) throw new Error(JSON.stringify(v.errors));
    }
    const jvm = Number(process.hrtime.bigint() - started) / 1000 / runs;
    console.log(`\nxsd-schema-validator (JVM per call), one Document: ${(jvm / 1000).toFixed(0)} ms = ${(jvm / validate).toFixed(0)}× the runtime validator`);
  } catch (err) {
    console.log(`\nxsd-schema-validator not available: ${(err as Error).message}`);
  }
}

async function signatures(schemas: RuntimeSchemas): Promise<void> {
  const { signBusinessMessage, verifyBusinessMessage, parseXmlSigningCertificate } = await import('./signature.js');
  const { cert, key } = await selfSigned(parseXmlSigningCertificate);
  const signed = signBusinessMessage(TYPICAL_PACS008, { privateKey: key, certificate: cert });
  console.log('');
  time('sign (RSA-2048, exc-c14n, 3 references)', 300, () => signBusinessMessage(TYPICAL_PACS008, { privateKey: key, certificate: cert }));
  const parsed = parseBusinessMessage(signed, { schemas });
  time('verify a parsed message', 2_000, () => verifyBusinessMessage(parsed, [cert]));
  time('parse + validate + verify a signed message', 2_000, () => verifyBusinessMessage(parseBusinessMessage(signed, { schemas }), [cert]));
}

async function main(): Promise<void> {
  const validations = Number(process.argv[2] ?? 100_000);
  const bytes = Buffer.from(TYPICAL_PACS008);
  console.log(`typical pacs.008.001.08 business message: ${bytes.length} bytes\n`);

  const schemas = new RuntimeSchemas();
  const started = process.hrtime.bigint();
  schemas.compileAll();
  console.log(`compile all ${schemas.size} runtime schemas once: ${(Number(process.hrtime.bigint() - started) / 1e6).toFixed(0)} ms`);

  const validateOnce = () => {
    const doc = parseLibxml(bytes);
    try {
      const root = doc.root;
      const appHdr = root.firstChild as XmlElement;
      const document = appHdr.next as XmlElement;
      schemas.assertValid('head.001.001.02', appHdr, doc);
      schemas.assertValid('pacs.008.001.08', document, doc);
    } finally {
      doc.dispose();
    }
  };
  validateOnce();
  time('screen (size, depth, DTD/PI checks on raw text)', 20_000, () => screenXml(bytes));
  time('libxml2 parse only', 20_000, () => parseLibxml(bytes).dispose());
  const validate = time('libxml2 parse + XSD validate AppHdr and Document', 20_000, validateOnce);
  const all = time('parseBusinessMessage (screen + parse + validate + DOM + BAH)', 5_000, () => parseBusinessMessage(bytes, { schemas }));
  void all;

  await memoryOverValidations(validations, validateOnce);

  await jvmPerCall(validate);

  await signatures(schemas);
  schemas.dispose();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
