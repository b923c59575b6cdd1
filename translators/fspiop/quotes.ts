/**
 * FSPIOP quote messages -> canonical agreement messages (the fields the hub acts on). Pure.
 */
import { parseAmount } from '../../schemas/amount.js';
import type { QuoteRequest, QuoteResponse } from '../../schemas/iso/quotes.js';

interface Money {
  currency: string;
  amount: string;
}

export interface FspiopQuoteRequest {
  quoteId: string;
  transactionId: string;
  transactionRequestId?: string;
  payee: { partyIdInfo: { fspId?: string } };
  payer: { partyIdInfo: { fspId?: string }; supportedCurrencies?: string[] };
  amount: Money;
  expiration?: string;
  extensionList?: { extension: Array<{ key: string; value: string }> };
}

export interface FspiopQuoteResponse {
  transferAmount: Money;
  expiration: string;
  ilpPacket: string;
  condition: string;
}

export function quoteRequestToCanonical(body: FspiopQuoteRequest, payer: string, payee: string, receivedAt: string): QuoteRequest {
  const message: QuoteRequest = {
    GrpHdr: { MsgId: body.quoteId, CreDtTm: receivedAt },
    CdtTrfTxInf: {
      PmtId: { TxId: body.quoteId, EndToEndId: body.transactionId },
      IntrBkSttlmAmt: parseAmount(body.amount.amount, body.amount.currency),
      DbtrAgt: { FinInstnId: { Othr: { Id: body.payer.partyIdInfo.fspId ?? payer } } },
      CdtrAgt: { FinInstnId: { Othr: { Id: body.payee.partyIdInfo.fspId ?? payee } } },
    },
  };
  if (body.expiration !== undefined) message.GrpHdr.PmtInstrXpryDtTm = body.expiration;
  if (body.transactionRequestId !== undefined) message.CdtTrfTxInf.PmtId.InstrId = body.transactionRequestId;
  if (body.payer.supportedCurrencies) message.CdtTrfTxInf.DbtrAcct = { Ccys: body.payer.supportedCurrencies };
  if (body.extensionList) message.CdtTrfTxInf.SplmtryData = { extensions: body.extensionList.extension };
  return message;
}

export function quoteResponseToCanonical(quoteId: string, body: FspiopQuoteResponse, receivedAt: string): QuoteResponse {
  return {
    GrpHdr: { MsgId: quoteId, CreDtTm: receivedAt, PmtInstrXpryDtTm: body.expiration },
    CdtTrfTxInf: {
      PmtId: { TxId: quoteId },
      IntrBkSttlmAmt: parseAmount(body.transferAmount.amount, body.transferAmount.currency),
      ExctnCond: body.condition,
      VrfctnOfTerms: { IlpV4PrepPacket: body.ilpPacket },
    },
  };
}
