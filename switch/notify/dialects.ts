/**
 * Which wire a participant gets: the family decides whether a message can be forwarded byte for
 * byte (same family) or must be rendered by the hub from the canonical object (different family).
 */
import type { Dialect } from '../../ledger/registry.js';
import type { DialectName } from '../core/outbox.js';
import { FspiopError } from '../../schemas/errors.js';
import { TranslationError } from '../../schemas/iso/translation.js';

export function familyOf(dialect: Dialect): DialectName {
  if (dialect.startsWith('fspiop/')) return 'fspiop';
  if (dialect.startsWith('iso20022-json/')) return 'iso20022-json';
  return 'iso20022-xml';
}

/** Content-Type of a message the hub authors for a participant speaking `dialect`. */
export function mediaTypeFor(dialect: Dialect, resource: string, callbackVersion: string): string {
  switch (dialect) {
    case 'fspiop/1.1':
      return `application/vnd.interoperability.${resource}+json;version=${callbackVersion}`;
    case 'fspiop/2.0':
      return `application/vnd.interoperability.${resource}+json;version=2.0`;
    case 'iso20022-json/2.0':
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
 * sender is told, the receiver gets nothing) instead of an exception.
 */
export function tryRender<T>(render: () => T): { ok: true; value: T } | { ok: false; refused: FspiopError } {
  try {
    return { ok: true, value: render() };
  } catch (err) {
    if (err instanceof TranslationError || err instanceof FspiopError) return { ok: false, refused: err };
    throw err;
  }
}
