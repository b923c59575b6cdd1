/**
 * FSPIOP discovery messages <-> canonical acmt.023 / acmt.024. Pure and lossless. The caller passes what is
 * not in the body: the path (`/parties/{Type}/{ID}[/{SubId}]`), the FSPIOP-Source / -Destination headers and the
 * receipt time.
 */
import type { Agent } from '../../schemas/iso/common.js';
import { partyIdentification, readPartyIdentification } from '../../schemas/iso/common.js';
import { partyPathText, type PartyPathId, type PartyVerificationReport, type PartyVerificationRequest } from '../../schemas/iso/parties.js';
import { TranslationError } from '../../schemas/iso/translation.js';
import {
  errorInformationOf,
  extensionsOf,
  partyFromCanonical,
  partyToCanonical,
  type FspiopErrorBody,
  type FspiopHeaders,
  type FspiopParty,
} from './common.js';

export type { PartyPathId } from '../../schemas/iso/parties.js';
export type { FspiopParty, FspiopPartyIdInfo, FspiopHeaders } from './common.js';

/** PUT /parties/{Type}/{ID}[/{SubId}] body. */
export interface FspiopPartiesPut {
  party: FspiopParty;
}

function agent(fsp: string): Agent {
  return { FinInstnId: { Othr: { Id: fsp } } };
}

function fspOf(a: Agent | undefined, field: string): string {
  const id = a?.FinInstnId.Othr?.Id;
  if (id === undefined) throw new TranslationError(field, 'the agent has no FSP id (FinInstnId.Othr.Id)', '3102');
  return id;
}

/** GET /parties/{Type}/{ID}[/{SubId}] -> acmt.023. */
export function partyRequestToCanonical(path: PartyPathId, headers: FspiopHeaders, receivedAt: string): PartyVerificationRequest {
  const id = partyPathText(path);
  const request: PartyVerificationRequest = {
    Assgnmt: { MsgId: id, CreDtTm: receivedAt, Assgnr: agent(headers.source) },
    Vrfctn: { Id: id, PtyAndAcctId: { Pty: { Id: partyIdentification(path.Type, path.ID) } } },
  };
  if (headers.destination !== undefined) request.Assgnmt.Assgne = agent(headers.destination);
  if (path.SubId !== undefined) request.Vrfctn.PtyAndAcctId.Agt = { FinInstnId: { ClrSysMmbId: { MmbId: path.SubId } } };
  return request;
}

/** acmt.023 -> the GET /parties path and headers. */
export function partyRequestFromCanonical(request: PartyVerificationRequest): { path: PartyPathId; headers: FspiopHeaders } {
  const { type, identifier } = readPartyIdentification(request.Vrfctn.PtyAndAcctId.Pty.Id);
  if (type === undefined || identifier === undefined)
    throw new TranslationError('Vrfctn.PtyAndAcctId.Pty.Id', 'the party asked about has no type or identifier', '3102');
  const path: PartyPathId = { Type: type, ID: identifier };
  const subId = request.Vrfctn.PtyAndAcctId.Agt?.FinInstnId.ClrSysMmbId?.MmbId;
  if (subId !== undefined) path.SubId = subId;
  const headers: FspiopHeaders = { source: fspOf(request.Assgnmt.Assgnr, 'FSPIOP-Source') };
  if (request.Assgnmt.Assgne) headers.destination = fspOf(request.Assgnmt.Assgne, 'FSPIOP-Destination');
  return { path, headers };
}

/** PUT /parties/... body -> acmt.024 (Vrfctn true). `headers.destination` is required (the FSP that asked). */
export function partiesPutToCanonical(path: PartyPathId, body: FspiopPartiesPut, headers: FspiopHeaders, receivedAt: string): PartyVerificationReport {
  const c = partyToCanonical(body.party);
  const report: PartyVerificationReport = {
    Assgnmt: { MsgId: partyPathText(path), CreDtTm: receivedAt, Assgnr: agent(headers.source), Assgne: agent(headers.destination ?? '') },
    Rpt: { OrgnlId: partyPathText(path), Vrfctn: true, UpdtdPtyAndAcctId: { Pty: c.Pty } },
  };
  const found = report.Rpt.UpdtdPtyAndAcctId!;
  if (c.Acct) found.Acct = c.Acct;
  if (c.Agt) found.Agt = c.Agt;
  if (c.supplement) report.SplmtryData = { party: c.supplement };
  return report;
}

/** acmt.024 (Vrfctn true) -> PUT /parties/... body. */
export function partiesPutFromCanonical(report: PartyVerificationReport): FspiopPartiesPut {
  const found = report.Rpt.UpdtdPtyAndAcctId;
  if (!report.Rpt.Vrfctn || !found)
    throw new TranslationError('party', 'the verification report carries no party (Vrfctn false: use partiesErrorFromCanonical)', '3102');
  return { party: partyFromCanonical({ Pty: found.Pty, Acct: found.Acct, Agt: found.Agt, supplement: report.SplmtryData?.party }, 'party') };
}

/** PUT /parties/.../error body -> acmt.024 (Vrfctn false, code in Rpt.Rsn.Cd). */
export function partiesErrorToCanonical(path: PartyPathId, body: FspiopErrorBody, headers: FspiopHeaders, receivedAt: string): PartyVerificationReport {
  const info = body.errorInformation;
  const report: PartyVerificationReport = {
    Assgnmt: { MsgId: partyPathText(path), CreDtTm: receivedAt, Assgnr: agent(headers.source), Assgne: agent(headers.destination ?? '') },
    Rpt: { OrgnlId: partyPathText(path), Vrfctn: false, Rsn: { Cd: info.errorCode } },
    SplmtryData: { error: { AddtlInf: info.errorDescription } },
  };
  const extensions = extensionsOf(info.extensionList);
  if (extensions) report.SplmtryData!.error!.extensions = extensions;
  return report;
}

/** acmt.024 (Vrfctn false) -> PUT /parties/.../error body (standard description when the report gives none). */
export function partiesErrorFromCanonical(report: PartyVerificationReport): FspiopErrorBody {
  if (report.Rpt.Vrfctn) throw new TranslationError('errorInformation', 'the verification report is a success (Vrfctn true)', '3102');
  const code = report.Rpt.Rsn?.Cd ?? report.Rpt.Rsn?.Prtry;
  if (code === undefined) throw new TranslationError('errorInformation.errorCode', 'the failed verification report has no reason code', '3102');
  if (!/^[1-9]\d{3}$/.test(code)) throw new TranslationError('errorInformation.errorCode', `${JSON.stringify(code)} is not an FSPIOP error code (4 digits)`);
  const error = report.SplmtryData?.error;
  return { errorInformation: errorInformationOf(code, error?.AddtlInf, error?.extensions) };
}
