/**
 * `mizani translate`: one message from one dialect to another, through the canonical ISO 20022
 * object, exactly as the hub translates at its edge (same translators, same refusals).
 *
 *   mizani translate --from <dialect> --to <dialect> --message <kind> [--id <id>] [--party <Type/ID[/SubId]>]
 *                    [--sender <fsp>] [--receiver <fsp>] [--profile iso-2019|iso-2026] [file]
 *
 *   dialects: fspiop (FSPIOP JSON bodies), isojson (Mojaloop's ISO 20022 JSON), isoxml (business
 *             message: head.001 + Document in the Mizani envelope; input is schema-validated, output
 *             unsigned)
 *   kinds:    transfer (pacs.008 / POST /transfers), status (pacs.002 / PUT /transfers/{ID}),
 *             error (pacs.002 reason / PUT .../error), party (acmt.024 / PUT /parties),
 *             quote-request (pacs.081 / POST /quotes), quote-response (pacs.082 / PUT /quotes/{ID})
 * Reads the file, or standard input when none is given; writes the translation to standard output.
 * A value the target dialect cannot carry exactly is refused with the translator's reason (exit 1);
 * `-h`/`--help` prints the usage; a command-line mistake exits 2.
 */
import { readFileSync } from 'node:fs';
import { monotonicFactory } from 'ulidx';
import { FspiopError } from '../schemas/errors.js';
import type { Pacs002 } from '../schemas/iso/pacs002.js';
import type { Pacs008 } from '../schemas/iso/pacs008.js';
import type { PartyPathId, PartyVerificationReport } from '../schemas/iso/parties.js';
import type { QuoteRequest, QuoteResponse } from '../schemas/iso/quotes.js';
import * as fspiop from '../translators/fspiop/index.js';
import * as isojson from '../translators/isojson/index.js';
import { documentFromXml, renderBusinessMessage, type BusinessDocument } from '../translators/isoxml/render.js';
import { parseBusinessMessage } from '../translators/isoxml/parse.js';
import { isXmlRejection } from '../translators/isoxml/rejection.js';
import { completePacs008 } from '../schemas/iso/pacs008.js';
import { parseCommandLine, UsageError, type OptionSpec } from './cli-args.js';

type Print = (line: string) => void;
type Dialect = 'fspiop' | 'isojson' | 'isoxml';
type Kind = 'transfer' | 'status' | 'error' | 'party' | 'quote-request' | 'quote-response';
type Canonical =
  | { kind: 'transfer'; message: Pacs008 }
  | { kind: 'status' | 'error'; message: Pacs002 }
  | { kind: 'party'; message: PartyVerificationReport }
  | { kind: 'quote-request'; message: QuoteRequest }
  | { kind: 'quote-response'; message: QuoteResponse };

const USAGE = [
  'usage: mizani translate --from fspiop|isojson|isoxml --to fspiop|isojson|isoxml --message transfer|status|error|party|quote-request|quote-response [--id ID] [--party Type/ID[/SubId]] [--sender FSP] [--receiver FSP] [--profile iso-2019|iso-2026] [file]',
  '  translates one message from one dialect to another through the canonical ISO 20022 object, as the hub does at its edge',
  '  reads the file, or standard input; writes the translation to standard output',
  '  -h, --help   this text',
  'exit codes: 0 translated; 1 refused (the target dialect cannot carry it exactly, or the input is invalid); 2 usage or I/O error',
];

const OPTIONS: Record<string, OptionSpec> = {
  from: { type: 'string', required: true },
  to: { type: 'string', required: true },
  message: { type: 'string', required: true },
  id: { type: 'string' },
  party: { type: 'string' },
  sender: { type: 'string' },
  receiver: { type: 'string' },
  profile: { type: 'string' },
};

const KINDS: Kind[] = ['transfer', 'status', 'error', 'party', 'quote-request', 'quote-response'];

function options(argv: string[]) {
  const line = parseCommandLine(argv, OPTIONS, 'translate', 1);
  if (line.help) return 'help' as const;
  const named = line.values as Record<string, string>;
  const dialect = (name: string): Dialect => {
    const value = named[name];
    if (value !== 'fspiop' && value !== 'isojson' && value !== 'isoxml') throw new UsageError(`--${name} must be fspiop, isojson or isoxml`);
    return value;
  };
  const kind = named.message as Kind;
  if (!KINDS.includes(kind)) throw new UsageError(`--message must be one of ${KINDS.join(', ')}`);
  if (named.profile !== undefined && named.profile !== 'iso-2019' && named.profile !== 'iso-2026')
    throw new UsageError('--profile must be iso-2019 or iso-2026');
  return { from: dialect('from'), to: dialect('to'), kind, named, file: line.positionals[0] };
}

function partyPathOf(text: string | undefined): PartyPathId {
  const [Type, ID, SubId] = (text ?? '').split('/');
  if (!Type || !ID) throw new UsageError('--party Type/ID[/SubId] is needed for party messages read from JSON');
  return { Type, ID, ...(SubId ? { SubId } : {}) };
}

function needId(named: Record<string, string>, kind: Kind): string {
  const id = named.id;
  if (!id) throw new UsageError(`--id is needed to read a ${kind} from JSON (the id travels in the path)`);
  return id;
}

function read(input: string, from: Dialect, kind: Kind, named: Record<string, string>, now: string): Canonical {
  if (from === 'isoxml') {
    const parsed = parseBusinessMessage(input);
    const doc = documentFromXml(parsed.document, parsed.definition, { hubFspId: named.receiver ?? 'Hub' });
    const wanted: Record<string, Kind[]> = { 'pacs.008': ['transfer'], 'pacs.002': ['status', 'error'], 'acmt.024': ['party'] };
    if (!(wanted[doc.kind] ?? []).includes(kind)) throw new UsageError(`the file holds a ${doc.kind}, not a ${kind}`);
    if (doc.kind === 'pacs.008') {
      const m = doc.message;
      if (m.GrpHdr.PmtInstrXpryDtTm === undefined || m.CdtTrfTxInf.ExctnCond === undefined) {
        throw new FspiopError('3102', 'this pacs.008 names no expiry or condition (a bank instruction): only the hub can complete it');
      }
      return { kind: 'transfer', message: completePacs008(m, { PmtInstrXpryDtTm: m.GrpHdr.PmtInstrXpryDtTm, ExctnCond: m.CdtTrfTxInf.ExctnCond }) };
    }
    if (doc.kind === 'pacs.002') return { kind: kind as 'status', message: doc.message };
    return { kind: 'party', message: (doc as { message: PartyVerificationReport }).message };
  }
  const body = JSON.parse(input) as never;
  const iso = from === 'isojson';
  const headers = { source: named.sender ?? 'Hub', ...(named.receiver ? { destination: named.receiver } : {}) };
  switch (kind) {
    case 'transfer':
      return { kind, message: iso ? isojson.isoTransferToCanonical(body) : fspiop.prepareToCanonical(body, now) };
    case 'status':
      return { kind, message: iso ? isojson.isoStatusToCanonical(needId(named, kind), body) : fspiop.statusToCanonical(needId(named, kind), body, now) };
    case 'error':
      return { kind, message: iso ? isojson.isoStatusToCanonical(needId(named, kind), body) : fspiop.errorToCanonical(needId(named, kind), body, now) };
    case 'party': {
      const path = partyPathOf(named.party);
      if (iso) return { kind, message: isojson.isoPartyReportToCanonical(path, body) };
      const isError = (body as { errorInformation?: unknown }).errorInformation !== undefined;
      return { kind, message: isError ? fspiop.partiesErrorToCanonical(path, body, headers, now) : fspiop.partiesPutToCanonical(path, body, headers, now) };
    }
    case 'quote-request':
      return {
        kind,
        message: iso ? isojson.isoQuoteRequestToCanonical(body) : fspiop.quoteRequestToCanonical(body, headers.source, named.receiver ?? '', now),
      };
    case 'quote-response':
      return {
        kind,
        message: iso ? isojson.isoQuoteResponseToCanonical(needId(named, kind), body) : fspiop.quoteResponseToCanonical(needId(named, kind), body, now),
      };
  }
}

function write(c: Canonical, to: Dialect, named: Record<string, string>): string {
  const ulid = monotonicFactory();
  const render = { newMsgId: () => ulid() };
  if (to === 'isoxml') {
    let doc: BusinessDocument;
    if (c.kind === 'transfer') doc = { kind: 'pacs.008', message: c.message };
    else if (c.kind === 'status' || c.kind === 'error') doc = { kind: 'pacs.002', message: c.message };
    else if (c.kind === 'party') doc = { kind: 'acmt.024', message: c.message };
    else throw new FspiopError('3100', `${c.kind}: banks do not take part in agreement; there is no ISO 20022 XML form of it on this hub`);
    const sender = named.sender ?? 'Hub';
    const receiver = named.receiver ?? 'Hub';
    return renderBusinessMessage(doc, {
      profile: named.profile === 'iso-2026' ? 'iso-2026' : 'iso-2019',
      hubFspId: receiver,
      header: {
        Fr: { FIId: { FinInstnId: { Othr: { Id: sender } } } },
        To: { FIId: { FinInstnId: { Othr: { Id: receiver } } } },
        BizMsgIdr: ulid(),
        CreDt: new Date().toISOString(),
      },
    });
  }
  const iso = to === 'isojson';
  let value: unknown;
  switch (c.kind) {
    case 'transfer':
      value = iso ? isojson.isoTransferFromCanonical(c.message, render) : fspiop.prepareFromCanonical(c.message);
      break;
    case 'status':
      value = iso ? isojson.isoStatusFromCanonical(c.message, render) : fspiop.statusFromCanonical(c.message);
      break;
    case 'error':
      value = iso ? isojson.isoStatusFromCanonical(c.message, render) : fspiop.errorFromCanonical(c.message);
      break;
    case 'party':
      value = iso
        ? isojson.isoPartyReportFromCanonical(c.message, render)
        : c.message.Rpt.Vrfctn
          ? fspiop.partiesPutFromCanonical(c.message)
          : fspiop.partiesErrorFromCanonical(c.message);
      break;
    case 'quote-request':
      value = iso ? isojson.isoQuoteRequestFromCanonical(c.message, render) : fspiop.quoteRequestFromCanonical(c.message);
      break;
    case 'quote-response':
      value = iso ? isojson.isoQuoteResponseFromCanonical(c.message, render) : fspiop.quoteResponseFromCanonical(c.message);
      break;
  }
  return JSON.stringify(value, null, 2);
}

export async function translateCommand(argv: string[], out: Print, err: Print): Promise<number> {
  let parsed: Exclude<ReturnType<typeof options>, 'help'>;
  try {
    const o = options(argv);
    if (o === 'help') {
      USAGE.forEach((l) => out(l));
      return 0;
    }
    parsed = o;
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    err(`mizani translate: ${e.message}`);
    err(USAGE[0]!);
    return 2;
  }
  let input: string;
  try {
    input = readFileSync(parsed.file ?? 0, 'utf8');
  } catch (e) {
    err(`cannot read ${parsed.file ?? 'standard input'}: ${e instanceof Error ? e.message : String(e)}`);
    return 2;
  }
  try {
    const canonical = read(input, parsed.from, parsed.kind, parsed.named, new Date().toISOString());
    out(write(canonical, parsed.to, parsed.named));
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      err(`mizani translate: ${e.message}`);
      err(USAGE[0]!);
      return 2;
    }
    if (e instanceof SyntaxError) {
      err(`the input is not valid JSON: ${e.message}`);
      return 1;
    }
    if (isXmlRejection(e)) {
      err(`refused (${e.reasonCode}): ${e.message}`);
      return 1;
    }
    if (e instanceof FspiopError) {
      err(`refused (${e.code}): ${e.message}`);
      return 1;
    }
    throw e;
  }
}
