/**
 * FXP discovery (FSPIOP v2.0 GET /services/FXP[/{SourceCurrency}/{TargetCurrency}], docs/fx.md): the hub answers
 * from its registry, with no admin flag of its own: an FXP is an active participant that registered both the endpoint
 * of the one message only an FXP receives, POST /fxTransfers (FSPIOP_CALLBACK_URL_FX_TRANSFER_POST: an FSP that
 * initiates conversions receives only their PUTs), and the one it is asked for terms at (FSPIOP_CALLBACK_URL_FX_QUOTES,
 * which requesters hold too, for the answers). For a currency pair it also holds active POSITION accounts in both
 * currencies. The hub never picks one: the requester asks any of them for a quote.
 */
import type { Logger } from 'pino';
import { isCurrency } from '../../../schemas/currency.js';
import { DomainError, reasonText } from '../../../schemas/outcomes.js';
import type { Registry } from '../../../ledger/registry.js';
import type { ParticipantDirectory } from '../../directory/participants.js';
import { deliveryError } from './accounts.js';
import { authenticateSender, runLater } from '../identity.js';
import type { FxpQuery, FxQuoteOutbox, InboundMessage } from '../outbox.js';

/** Where conversion quotes are sent (admin.md §1.3): every FX participant's, requesters' too. */
export const FX_QUOTES_ENDPOINT = 'FSPIOP_CALLBACK_URL_FX_QUOTES';
/** Where conversions are sent: only an FXP receives POST /fxTransfers. */
export const FX_TRANSFER_POST_ENDPOINT = 'FSPIOP_CALLBACK_URL_FX_TRANSFER_POST';
/** FSPIOP ServicesFXPPutResponse allows at most 16 providers. */
const PROVIDERS_MAX = 16;

export class FxpDiscovery {
  constructor(
    private readonly registry: Registry,
    private readonly participants: ParticipantDirectory,
    private readonly outbox: FxQuoteOutbox,
    private readonly log: Logger,
  ) {}

  /** The FXPs for `query` (all FXPs when it names no currencies), in name order, at most 16. */
  providers(query: FxpQuery, except?: string): string[] {
    const currencies = [query.sourceCurrency, query.targetCurrency].filter((c): c is string => c !== undefined);
    return this.registry
      .participants()
      .filter((p) => p.isActive && !p.isHub && p.name !== except && this.isFxp(p.name))
      .filter((p) => currencies.every((c) => this.registry.accountOf(p.name, c, 'POSITION')?.isActive === true))
      .map((p) => p.name)
      .sort()
      .slice(0, PROVIDERS_MAX);
  }

  private isFxp(name: string): boolean {
    // A bank (ISO 20022 XML) cannot be asked for conversion terms (no such XML message, docs/fx.md "Banks"): no FXP.
    if (this.participants.dialectOf(name) === 'iso20022-xml') return false;
    return this.participants.endpoint(name, FX_TRANSFER_POST_ENDPOINT) !== undefined && this.participants.endpoint(name, FX_QUOTES_ENDPOINT) !== undefined;
  }

  /** GET /services/FXP[/{S}/{T}]: answered to the requester once the request is accepted. */
  async lookup(query: FxpQuery, inbound: InboundMessage): Promise<void> {
    authenticateSender(this.registry, inbound.source);
    for (const currency of [query.sourceCurrency, query.targetCurrency]) {
      if (currency !== undefined && !isCurrency(currency)) throw new DomainError('CURRENCY_UNSUPPORTED', `currency ${currency} is not supported`);
    }
    runLater(this.log, async () => {
      const providers = this.providers(query, inbound.source);
      const pair = query.sourceCurrency ? ` from ${query.sourceCurrency} to ${query.targetCurrency}` : '';
      this.log.info({ requester: inbound.source, ...query, providers }, 'FXP discovery');
      const sent =
        providers.length > 0
          ? await this.outbox.fxpList(inbound.source, query, providers)
          : await this.outbox.fxpError(inbound.source, query, new DomainError('FXP_NOT_FOUND', `no FXP offers currency conversion${pair}`));
      const failure = deliveryError(inbound.source, sent);
      if (failure) this.log.warn({ requester: inbound.source, error: reasonText(failure) }, 'FXP discovery answer not delivered');
    });
  }
}
