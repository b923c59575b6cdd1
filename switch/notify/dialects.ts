/**
 * Which wire a participant gets: the family decides whether a message can be forwarded byte for
 * byte (same family) or must be rendered by the hub from the canonical object (different family).
 */
import { traced } from '../observability/tracing.js';
import type { Dialect } from '../directory/participants.js';
import type { DialectName } from '../core/outbox.js';
import { FspiopError } from '../../schemas/errors.js';
import type { StatusReason } from '../../schemas/iso/common.js';
import { reasonOfWireError } from '../../schemas/iso/translation.js';
import { isDomainError, type Reason } from '../../schemas/outcomes.js';
import { fspiopReasonOf } from '../../translators/fspiop/outcomes.js';
import { isoJsonReasonOf } from '../../translators/isojson/outcomes.js';
import { xmlReasonOf } from '../../translators/isoxml/outcomes.js';

export function familyOf(dialect: Dialect): DialectName {
  if (dialect.startsWith('fspiop/')) return 'fspiop';
  if (dialect.startsWith('iso20022-json/')) return 'iso20022-json';
  return 'iso20022-xml';
}

/**
 * Resources Mojaloop's ISO 20022 JSON dialect defines no bodies for (contract iso20022-mapping.md §1: bulk resources
 * have no ISO definition; the SDK sends transactionRequests and authorizations in plain FSPIOP even in ISO mode): a
 * participant registered for that dialect gets them in plain FSPIOP v2.0, media type included.
 */
export const FSPIOP_ONLY_RESOURCES: ReadonlySet<string> = new Set(['bulkQuotes', 'bulkTransfers', 'transactionRequests', 'authorizations']);

/** Content-Type of a message the hub authors for a participant speaking `dialect`. */
export function mediaTypeFor(dialect: Dialect, resource: string, callbackVersion: string): string {
  switch (dialect) {
    case 'fspiop/1.1':
      return `application/vnd.interoperability.${resource}+json;version=${callbackVersion}`;
    case 'fspiop/2.0':
      return `application/vnd.interoperability.${resource}+json;version=2.0`;
    case 'iso20022-json/2.0':
      if (FSPIOP_ONLY_RESOURCES.has(resource)) return `application/vnd.interoperability.${resource}+json;version=2.0`;
      return `application/vnd.interoperability.iso20022.${resource}+json;version=2.0`;
    default:
      return 'application/xml';
  }
}

/** Accept header matching `mediaTypeFor` (major version only, as Mojaloop clients send it). */
export function acceptFor(dialect: Dialect, resource: string, callbackVersion: string): string {
  const contentType = mediaTypeFor(dialect, resource, callbackVersion);
  return contentType.replace(/;version=(\d+)\.\d+$/, ';version=$1');
}

/**
 * Renders with `render`; a message the receiver's dialect cannot carry becomes a refusal (the
 * sender is told the translator's reason, the receiver gets nothing) instead of an exception.
 */
export function tryRender<T>(render: () => T, dialect?: string): { ok: true; value: T } | { ok: false; refused: StatusReason } {
  try {
    return { ok: true, value: traced('translate from canonical', dialect === undefined ? {} : { 'mizani.dialect': dialect }, render) };
  } catch (err) {
    // Translators refuse with TranslationError, an FSPIOP error by construction.
    if (err instanceof FspiopError) return { ok: false, refused: reasonOfWireError(err) };
    throw err;
  }
}

/**
 * A reason as a participant speaking `dialect` is told it, in canonical form: an outcome worded by that dialect's
 * table (translators/<dialect>/outcomes.ts); a reason someone else gave, as it was given.
 */
export function reasonIn(dialect: Dialect, reason: Reason): StatusReason {
  if (!isDomainError(reason)) return reason;
  switch (familyOf(dialect)) {
    case 'fspiop':
      return fspiopReasonOf(reason);
    case 'iso20022-json':
      return isoJsonReasonOf(reason);
    case 'iso20022-xml':
      return xmlReasonOf(reason);
  }
}
