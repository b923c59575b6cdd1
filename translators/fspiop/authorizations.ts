/**
 * FSPIOP /authorizations <-> the canonical authorisation messages (schemas/iso/authorizations.ts: ISO 20022 has no
 * message for them). GET /authorizations/{ID} has no body: its query string (authenticationType, retriesLeft, amount,
 * currency, all four required by the API definition v1.1 and v2.0) is the request. Errors are pacs.002 error
 * reports (transfers.ts `errorToCanonical` / `errorFromCanonical`).
 */
import { isCurrency } from '../../schemas/currency.js';
import type { AuthorizationRequest, AuthorizationResponse, AuthenticationValue } from '../../schemas/iso/authorizations.js';
import { AUTHENTICATION_TYPES, isAuthenticationType } from '../../schemas/iso/pain013.js';
import { TranslationError } from '../../schemas/iso/translation.js';
import { moneyFromCanonical, moneyToCanonical } from './common.js';

/** PUT /authorizations/{ID} body. */
export interface FspiopAuthorizationResponse {
  authenticationInfo?: { authentication: AuthorizationRequest['authenticationType']; authenticationValue: AuthenticationValue };
  responseType: AuthorizationResponse['responseType'];
}

const INTEGER = /^[1-9]\d*$/;
/** FSPIOP Amount (api-snippets). */
const AMOUNT = /^([0]|([1-9][0-9]{0,17}))([.][0-9]{0,3}[1-9])?$/;
const PARAMETERS = ['authenticationType', 'retriesLeft', 'amount', 'currency'] as const;

/**
 * The query of GET /authorizations/{ID} -> canonical, checked as the edge must (contract fspiop.md §4, issue 14): a
 * parameter missing is 3102, one given twice or not in its data type's form 3101, an authenticationType outside the
 * AuthenticationType enumeration 3100.
 */
export function authorizationQueryToCanonical(transactionRequestId: string, query: Record<string, unknown>): AuthorizationRequest {
  const values: Partial<Record<(typeof PARAMETERS)[number], string>> = {};
  for (const name of PARAMETERS) {
    const value = query[name];
    if (value === undefined) throw new TranslationError(`/query/${name}`, 'is required', '3102');
    if (typeof value !== 'string') throw new TranslationError(`/query/${name}`, 'must be given once', '3101');
    values[name] = value;
  }
  const { authenticationType, retriesLeft, amount, currency } = values as Record<(typeof PARAMETERS)[number], string>;
  if (!INTEGER.test(retriesLeft)) throw new TranslationError('/query/retriesLeft', 'must be an Integer (^[1-9]\\d*$)', '3101');
  if (!AMOUNT.test(amount)) throw new TranslationError('/query/amount', 'must be an Amount', '3101');
  if (!/^[A-Z]{3}$/.test(currency) || !isCurrency(currency)) throw new TranslationError('/query/currency', 'must be a Currency code', '3101');
  if (!isAuthenticationType(authenticationType)) {
    throw new TranslationError('/query/authenticationType', `must be one of ${AUTHENTICATION_TYPES.join(', ')}`);
  }
  return { transactionRequestId, authenticationType, retriesLeft, amount: moneyToCanonical({ amount, currency }, '/query/amount') };
}

/** Canonical -> the query string of GET /authorizations/{ID} (without `?`), in the API definition's order. */
export function authorizationQueryFromCanonical(request: AuthorizationRequest): string {
  const money = moneyFromCanonical(request.amount, 'amount');
  const query = new URLSearchParams({
    authenticationType: request.authenticationType,
    retriesLeft: request.retriesLeft,
    amount: money.amount,
    currency: money.currency,
  });
  return query.toString();
}

export function authorizationResponseToCanonical(transactionRequestId: string, body: FspiopAuthorizationResponse): AuthorizationResponse {
  const response: AuthorizationResponse = { transactionRequestId, responseType: body.responseType };
  if (body.authenticationInfo) {
    const value = body.authenticationInfo.authenticationValue;
    response.authenticationInfo = {
      authentication: body.authenticationInfo.authentication,
      authenticationValue: typeof value === 'string' ? value : { pinValue: value.pinValue, counter: value.counter },
    };
  }
  return response;
}

export function authorizationResponseFromCanonical(response: AuthorizationResponse): FspiopAuthorizationResponse {
  const body: FspiopAuthorizationResponse = { responseType: response.responseType };
  const info = response.authenticationInfo;
  if (!info) return body;
  const value = info.authenticationValue;
  return {
    authenticationInfo: {
      authentication: info.authentication,
      authenticationValue: typeof value === 'string' ? value : { pinValue: value.pinValue, counter: value.counter },
    },
    responseType: response.responseType,
  };
}
