/**
 * Debtor and creditor for banks: a transfer from a Mojaloop payer names only the FSPs; the parties
 * are in the transaction its ILP packet carries.
 */
import type { Pacs008 } from '../../schemas/iso/pacs008.js';
import { partyToCanonical, type FspiopParty } from '../../translators/fspiop/common.js';
import { decodeIlpPacket } from '../security/ilp.js';

/** The message with Dbtr/Cdtr filled from the ILP transaction where it names none. */
export function withPartiesFromTerms(message: Pacs008): Pacs008 {
  const tx = message.CdtTrfTxInf;
  if (tx.Dbtr && tx.Cdtr) return message;
  const packet = tx.VrfctnOfTerms?.IlpV4PrepPacket;
  if (!packet) return message;
  let transaction: { payer?: FspiopParty; payee?: FspiopParty } | undefined;
  try {
    transaction = decodeIlpPacket(packet).transaction as typeof transaction;
  } catch {
    return message;
  }
  const copy: Pacs008 = { ...message, CdtTrfTxInf: { ...tx } };
  try {
    if (!tx.Dbtr && transaction?.payer) copy.CdtTrfTxInf.Dbtr = partyToCanonical(transaction.payer).Pty;
    if (!tx.Cdtr && transaction?.payee) copy.CdtTrfTxInf.Cdtr = partyToCanonical(transaction.payee).Pty;
  } catch {
    return message;
  }
  return copy;
}
