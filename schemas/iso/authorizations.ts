/**
 * Authorisation of a request to pay at the payee (FSPIOP /authorizations), canonical. ISO 20022 has NO message for it:
 * the payer FSP asks the payee FSP to have the payer enter an OTP (or show a QR code, or use a U2F key) at the payee's
 * point of sale, and the payee FSP returns what was entered. In ISO 20022 a debtor's bank authenticates its own
 * customer, inside the bank (docs/r2p.md). These types give the hub one model all the same, so the core and notify
 * handle authorisations as they handle every other message; members are named as FSPIOP names them. Errors about an
 * authorisation (PUT /authorizations/{ID}/error) are pacs.002 error reports, as for quotes.
 */
import type { Amount } from '../amount.js';
import type { AuthenticationType } from './pain013.js';

/** GET /authorizations/{ID}?authenticationType&retriesLeft&amount&currency (the payer FSP to the payee FSP). */
export interface AuthorizationRequest {
  /** The path id: the transaction request to authorise. */
  transactionRequestId: string;
  authenticationType: AuthenticationType;
  /** FSPIOP Integer text (`^[1-9]\d*$`): 1 = the last try. */
  retriesLeft: string;
  /** What will be taken from the payer. */
  amount: Amount;
}

/** FSPIOP AuthenticationValue: an OTP or QR code text, or a U2F pin value. */
export type AuthenticationValue = string | { pinValue: string; counter: string };

/** PUT /authorizations/{ID} (the payee FSP to the payer FSP). */
export interface AuthorizationResponse {
  transactionRequestId: string;
  responseType: 'ENTERED' | 'REJECTED' | 'RESEND';
  authenticationInfo?: { authentication: AuthenticationType; authenticationValue: AuthenticationValue };
}
