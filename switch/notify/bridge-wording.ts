/**
 * The bank bridge's words (switch/core/bridge/ports.ts `BridgeWording`): reasons as banks are told them and as their
 * rejections are forwarded (translators/isoxml/outcomes.ts), and the FSPIOP transaction the ILP terms the hub issues
 * carry (Mojaloop's ILP packet data is the FSPIOP transaction object).
 */
import { formatAmount } from '../../schemas/amount.js';
import { readPartyIdentification, type Party } from '../../schemas/iso/common.js';
import { isPartyIdType } from '../../schemas/iso/parties.js';
import type { Pacs008 } from '../../schemas/iso/pacs008.js';
import { DomainError } from '../../schemas/outcomes.js';
import { partyToCanonical, type FspiopParty } from '../../translators/fspiop/common.js';
import { quoteRequestFromCanonical } from '../../translators/fspiop/quotes.js';
import { bankReasonToCanonical, givenReasonForBank } from '../../translators/isoxml/outcomes.js';
import type { BridgeWording } from '../core/bridge/ports.js';
import { recordedReport } from './transfer-outbox.js';

/** A bank's party as FSPIOP knows parties: its identifier, else its account (IBAN / other id). */
function identifiedParty(party: Party | undefined, account: Pacs008['CdtTrfTxInf']['DbtrAcct'], fsp: string, field: string): FspiopParty {
  const { type, identifier } = readPartyIdentification(party?.Id);
  let partyIdType = type && isPartyIdType(type) ? type : undefined;
  let partyIdentifier = partyIdType ? identifier : undefined;
  if (!partyIdType && account?.Id?.IBAN) {
    partyIdType = 'IBAN';
    partyIdentifier = account.Id.IBAN;
  } else if (!partyIdType && account?.Id?.Othr?.Id) {
    partyIdType = 'ACCOUNT_ID';
    partyIdentifier = account.Id.Othr.Id;
  }
  if (!partyIdType || !partyIdentifier) {
    throw new DomainError('PARTY_UNIDENTIFIED', `${field} must be identified: Id/Othr with SchmeNm/Prtry = a party id type, or an account (IBAN or Othr)`);
  }
  const out: FspiopParty = { partyIdInfo: { partyIdType, partyIdentifier, fspId: fsp } };
  if (party?.Nm) out.name = party.Nm;
  return out;
}

export const bridgeWording: BridgeWording = {
  recordedReport: (id, reason) => recordedReport('iso20022-xml', id, reason),
  givenReasonForBank,
  reasonFromBank: bankReasonToCanonical,
  mojaloopParty: (party, account, fsp, field) => partyToCanonical(identifiedParty(party, account, fsp, field)),
  paymentTransaction: (tx, { transferId, bank, payee, expiresAt }) => ({
    transactionId: transferId,
    payer: identifiedParty(tx.Dbtr, tx.DbtrAcct, bank, 'Dbtr'),
    payee: identifiedParty(tx.Cdtr, tx.CdtrAcct, payee, 'Cdtr'),
    amount: { amount: formatAmount(tx.IntrBkSttlmAmt), currency: tx.IntrBkSttlmAmt.currency },
    expiration: expiresAt,
  }),
  quoteTransaction: (quoteId, request, expiration) => {
    const fspiop = quoteRequestFromCanonical(request);
    const transaction: Record<string, unknown> = {
      quoteId,
      transactionId: fspiop.transactionId,
      transactionType: fspiop.transactionType,
      payee: fspiop.payee,
      payer: fspiop.payer,
      amount: fspiop.amount,
      expiration,
    };
    if (fspiop.note !== undefined) transaction.note = fspiop.note;
    return transaction;
  },
};
