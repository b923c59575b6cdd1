/**
 * Mojaloop ISO 20022 JSON discovery messages <-> canonical: PUT /parties/{Type}/{ID}[/{SubId}] and its /error
 * form, both acmt.024 (iso20022-mapping.md §3.1, §3.7, §4). GET /parties has no body in this dialect.
 *
 * acmt.024 has a top-level SplmtryData, so everything FSPIOP says about the party rides there when ISO has no
 * element for it: dateOfBirth, kycInformation, merchantClassificationCode, partyIdInfo.extensionList, the supported
 * currencies after the first, the error description and the error's extension list.
 */
import type { PartySupplement } from '../../schemas/iso/common.js';
import type { PartyPathId, PartyVerificationReport } from '../../schemas/iso/parties.js';
import { TranslationError } from '../../schemas/iso/translation.js';
import {
  AGENT_PROFILE,
  PARTY_PROFILE,
  SUPPLEMENT_PROFILE,
  Uncarried,
  Unsupported,
  agentFromIso,
  agentToIso,
  chars,
  checkProfile,
  header,
  onlyKeys,
  optionalExtensions,
  optionalObject,
  optionalString,
  partyFromIso,
  partySupplementFromEnvelope,
  partySupplementToEnvelope,
  withComplexName,
  Envelope,
  agentSubIdFromEnvelope,
  partyToIso,
  requireMax,
  supplementFromIso,
  supplementToIso,
  type IsoAgent,
  type IsoJsonReadOptions,
  type IsoJsonRenderOptions,
  type IsoParty,
  type IsoSupplementaryData,
} from './common.js';

export interface IsoAcmt024 {
  Assgnmt: { MsgId: string; CreDtTm: string; Assgnr: { Agt: IsoAgent }; Assgne: { Agt: IsoAgent } };
  Rpt: {
    OrgnlId: string;
    Vrfctn: boolean;
    Rsn?: { Cd?: string; Prtry?: string };
    UpdtdPtyAndAcctId?: { Pty: IsoParty; Acct?: { Ccy: string }; Agt?: IsoAgent };
  };
  SplmtryData?: IsoSupplementaryData;
}

const ACMT024_PROFILE = {
  Assgnmt: { MsgId: true, CreDtTm: true, Assgnr: { Agt: AGENT_PROFILE }, Assgne: { Agt: AGENT_PROFILE } },
  Rpt: {
    OrgnlId: true,
    Vrfctn: true,
    Rsn: { Cd: true, Prtry: true },
    UpdtdPtyAndAcctId: { Pty: PARTY_PROFILE, Acct: { Ccy: true }, Agt: AGENT_PROFILE },
  },
  SplmtryData: SUPPLEMENT_PROFILE,
} as const;

/** acmt.024 identifiers are Max35Text (pacs messages allow 256). */
const ACMT_ID_MAX = 35;

/**
 * canonical acmt.024 -> ISO JSON body of PUT /parties/... (Vrfctn true) or its /error form (Vrfctn false).
 * Rpt.OrgnlId is kept when it fits Max35Text, else a new ULID is written (the path travels in the URL).
 */
export function isoPartyReportFromCanonical(report: PartyVerificationReport, options: IsoJsonRenderOptions = {}): IsoAcmt024 {
  const uncarried = new Uncarried();
  const hdr = header(options);
  const body: IsoAcmt024 = {
    Assgnmt: {
      ...hdr,
      Assgnr: { Agt: agentToIso(report.Assgnmt.Assgnr, 'Assgnmt.Assgnr (FSPIOP-Source)') },
      Assgne: { Agt: agentToIso(report.Assgnmt.Assgne, 'Assgnmt.Assgne (FSPIOP-Destination)') },
    },
    Rpt: {
      OrgnlId: chars(report.Rpt.OrgnlId) <= ACMT_ID_MAX ? report.Rpt.OrgnlId : options.newMsgId ? options.newMsgId() : hdr.MsgId,
      Vrfctn: report.Rpt.Vrfctn,
    },
  };
  const envelope = new Envelope();
  const rsn = report.Rpt.Rsn;
  if (rsn) {
    if (rsn.Cd !== undefined) body.Rpt.Rsn = { Cd: requireMax(rsn.Cd, 4, 'errorInformation.errorCode (Rpt.Rsn.Cd)') };
    else if (rsn.Prtry !== undefined) body.Rpt.Rsn = { Prtry: requireMax(rsn.Prtry, 35, 'Rpt.Rsn.Prtry') };
  }
  if (!report.Rpt.Vrfctn && !body.Rpt.Rsn) throw new TranslationError('errorInformation.errorCode', 'a failed verification needs a reason code', '3102');
  const found = report.Rpt.UpdtdPtyAndAcctId;
  const party = report.SplmtryData?.party;
  if (found) {
    const pty = partyToIso(found.Pty, party, 'party (Rpt.UpdtdPtyAndAcctId.Pty)', ACMT_ID_MAX, uncarried, { envelope, key: 'party' });
    const out: NonNullable<IsoAcmt024['Rpt']['UpdtdPtyAndAcctId']> = { Pty: pty };
    const ccys = found.Acct?.Ccys;
    if (ccys && ccys.length > 0) out.Acct = { Ccy: ccys[0]! };
    if (ccys && ccys.length !== 1) envelope.put(['supportedCurrencies'], [...ccys]); // all of them (or none: [])
    if (found.Agt) out.Agt = agentToIso(found.Agt, 'Rpt.UpdtdPtyAndAcctId.Agt', { envelope, key: 'agent' });
    body.Rpt.UpdtdPtyAndAcctId = out;
  }
  const partyRest = partySupplementToEnvelope(party);
  if (partyRest) envelope.put(['party'], partyRest);
  const error = report.SplmtryData?.error;
  if (error) {
    const e: Record<string, unknown> = {};
    if (error.AddtlInf !== undefined) e.AddtlInf = error.AddtlInf;
    if (error.extensions) e.extensions = error.extensions.map((x) => ({ key: x.key, value: x.value }));
    envelope.put(['error'], e);
  }
  const supplement = supplementToIso(envelope.data, options, uncarried, 'SplmtryData');
  if (supplement) body.SplmtryData = supplement;
  uncarried.settle(options, 'PUT /parties');
  return body;
}

interface Acmt024Envelope {
  supportedCurrencies?: string[];
  party: { supplement?: PartySupplement; Nm?: string };
  error?: { AddtlInf?: string; extensions?: PartySupplement['extensions'] };
  agent?: unknown;
}

function readEnvelope(body: IsoAcmt024, unsupported: Unsupported): Acmt024Envelope {
  const envelope = supplementFromIso(body.SplmtryData, 'SplmtryData', unsupported);
  if (!envelope) return { party: {} };
  const where = 'SplmtryData.Envlp';
  onlyKeys(envelope, ['party', 'agent', 'error', 'supportedCurrencies'], where);
  let supportedCurrencies: string[] | undefined;
  if (envelope.supportedCurrencies !== undefined) {
    const list = envelope.supportedCurrencies;
    if (!Array.isArray(list) || list.some((c) => typeof c !== 'string'))
      throw new TranslationError(`${where}.supportedCurrencies`, 'supplementary data: not a list of currency codes');
    supportedCurrencies = list as string[];
  }
  const party = partySupplementFromEnvelope(envelope.party, `${where}.party`);
  let error: { AddtlInf?: string; extensions?: PartySupplement['extensions'] } | undefined;
  const e = optionalObject(envelope.error, `${where}.error`);
  if (e) {
    onlyKeys(e, ['AddtlInf', 'extensions'], `${where}.error`);
    error = {};
    const text = optionalString(e.AddtlInf, `${where}.error.AddtlInf`);
    if (text !== undefined) error.AddtlInf = text;
    const ext = optionalExtensions(e.extensions, `${where}.error.extensions`);
    if (ext) error.extensions = ext;
  }
  return { supportedCurrencies, party, error, agent: envelope.agent };
}

/**
 * PUT /parties/... (or /error) ISO JSON body (acmt.024) -> canonical. `path` is the request path; it is not
 * compared with Rpt.OrgnlId, which the dialect fills with a generated id or `<Type>/<ID>` as the sender likes.
 */
export function isoPartyReportToCanonical(path: PartyPathId, body: IsoAcmt024, options: IsoJsonReadOptions = {}): PartyVerificationReport {
  void path;
  const unsupported = new Unsupported();
  checkProfile(body, ACMT024_PROFILE, '', unsupported);
  const envelope = readEnvelope(body, unsupported);
  unsupported.settle(options, 'PUT /parties');
  const a = body.Assgnmt;
  const report: PartyVerificationReport = {
    Assgnmt: { MsgId: a.MsgId, CreDtTm: a.CreDtTm, Assgnr: agentFromIso(a.Assgnr.Agt), Assgne: agentFromIso(a.Assgne.Agt) },
    Rpt: { OrgnlId: body.Rpt.OrgnlId, Vrfctn: body.Rpt.Vrfctn },
  };
  if (body.Rpt.Rsn) {
    report.Rpt.Rsn = {};
    if (body.Rpt.Rsn.Cd !== undefined) report.Rpt.Rsn.Cd = body.Rpt.Rsn.Cd;
    if (body.Rpt.Rsn.Prtry !== undefined) report.Rpt.Rsn.Prtry = body.Rpt.Rsn.Prtry;
  }
  if (!body.Rpt.Vrfctn && body.Rpt.Rsn?.Cd === undefined && body.Rpt.Rsn?.Prtry === undefined) {
    throw new TranslationError('Rpt.Rsn', 'a failed verification (Vrfctn false) needs a reason code', '3102');
  }
  let party = envelope.party.supplement;
  const found = body.Rpt.UpdtdPtyAndAcctId;
  if (found) {
    const p = partyFromIso(found.Pty, envelope.party.Nm);
    const out: NonNullable<PartyVerificationReport['Rpt']['UpdtdPtyAndAcctId']> = { Pty: p.Pty };
    if (envelope.supportedCurrencies) {
      if (envelope.supportedCurrencies[0] !== found.Acct?.Ccy) {
        throw new TranslationError('SplmtryData.Envlp.supportedCurrencies', 'the first supported currency must be Rpt.UpdtdPtyAndAcctId.Acct.Ccy');
      }
      out.Acct = { Ccys: [...envelope.supportedCurrencies] };
    } else if (found.Acct) {
      out.Acct = { Ccys: [found.Acct.Ccy] };
    }
    if (found.Agt) {
      out.Agt = agentFromIso(found.Agt);
      agentSubIdFromEnvelope(out.Agt, envelope.agent, 'SplmtryData.Envlp.agent');
    }
    report.Rpt.UpdtdPtyAndAcctId = out;
    party = withComplexName(party, p.complexName);
  } else if (envelope.supportedCurrencies || envelope.party.supplement || envelope.party.Nm !== undefined || envelope.agent !== undefined) {
    throw new TranslationError('SplmtryData.Envlp.party', 'party supplementary data without a party (Rpt.UpdtdPtyAndAcctId)');
  }
  if (party || envelope.error) {
    report.SplmtryData = {};
    if (party) report.SplmtryData.party = party;
    if (envelope.error) report.SplmtryData.error = envelope.error;
  }
  return report;
}
