/**
 * A bank's party lookup (acmt.023) with an FSP that speaks FSPIOP or ISO JSON, both ways.
 *
 * Out: the GET /parties the holder gets names the bank as its FSPIOP-Source (the requester, whom the holder answers:
 * its PUT /parties comes back with FSPIOP-Destination = the bank); a bank's HTTP request has no FSPIOP headers to
 * forward.
 *
 * Back: the party report (acmt.024) answering each acmt.023 the bank sent about that party names it the way the bank
 * did — Rpt/OrgnlId = its Vrfctn/Id, OrgnlAssgnmt = its Assgnmt — read from PostgreSQL, since the acmt.023 may have
 * reached another hub process (verification-ids.ts). A report about a path the bank did not ask about (it answers a
 * lookup the hub sent it, and that answer was refused) names the path, as before.
 */
import type { PartyVerificationReport } from '../../schemas/iso/parties.js';
import type { DeliveryResult, PartyPath } from '../core/outbox.js';
import { newMessageId } from '../core/status.js';
import type { BankVerification, VerificationIds } from './verification-ids.js';
import type { XmlChannel } from './xml-channel.js';

/** The FSPIOP headers of the GET /parties (`uri`) a bank's acmt.023 becomes for `holder`. */
export function lookupHeadersForBank(bank: string, holder: string, uri: string): Record<string, string> {
  return { date: new Date().toUTCString(), 'fspiop-source': bank, 'fspiop-destination': holder, 'fspiop-uri': uri, 'fspiop-http-method': 'GET' };
}

export async function sendPartyReportToBank(
  xml: XmlChannel,
  ids: VerificationIds | undefined,
  bank: string,
  party: PartyPath,
  report: PartyVerificationReport,
): Promise<DeliveryResult> {
  // An XML message has its own id (Max35Text): the canonical one may be the path.
  const own = (r: PartyVerificationReport): PartyVerificationReport => ({ ...r, Assgnmt: { ...r.Assgnmt, MsgId: newMessageId() } });
  const requests = ids ? await ids.bankRequestsAnswered(bank, party) : [];
  if (requests.length === 0) return xml.send(bank, { kind: 'acmt.024', message: own(report) });
  const answer = (request: BankVerification) =>
    xml.send(bank, {
      kind: 'acmt.024',
      message: own({ ...report, Rpt: { ...report.Rpt, OrgnlId: request.id } }),
      context: { OrgnlAssgnmt: { MsgId: request.msgId, CreDtTm: request.creDtTm } },
    });
  const sent = await Promise.all(requests.map(answer));
  return sent.find((r) => !r.ok) ?? sent[0]!;
}
