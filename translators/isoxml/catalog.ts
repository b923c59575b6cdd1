/**
 * The ISO 20022 XML messages the hub speaks with banks: which versions, their namespaces, the
 * element under `Document`, and the runtime schema file (an unmodified official copy in
 * `schemas/xsd/`, see its README).
 *
 * Two generations ("profiles") are supported side by side, so a bank picks the release it is
 * certified for:
 *   - `iso-2019`: the versions SWIFT CBPR+ and FedNow run today (pacs.008.001.08, pacs.002.001.10,
 *     pacs.028.001.03, camt.056.001.08, camt.029.001.09, head.001.001.02);
 *   - `iso-2026`: the newest published versions (pacs.008.001.14, pacs.002.001.16, pacs.028.001.07,
 *     camt.056.001.12, camt.029.001.14, head.001.001.04).
 * Requests to pay (docs/r2p.md): pain.013 / pain.014 .07 in `iso-2019`, .12 in `iso-2026`.
 * Both use acmt.023.001.04 / acmt.024.001.04 (the version Mojaloop's ISO 20022 dialect uses, so
 * discovery maps onto the same canonical shape as the ISO JSON edge) and admi.002.001.01 (its only
 * version). Inbound, any supported version is accepted whatever the sender's profile; the profile
 * only decides what the hub emits to that bank. head.001.001.03 (Fedwire's) is accepted inbound
 * and can be chosen for outbound headers.
 *
 * The settlement reports (camt.052 account report, camt.053 statement, camt.054 debit/credit
 * notification; contract settlement.md §7) are the hub's statements about a bank's accounts at the
 * hub: .08 in `iso-2019` (the CBPR+ generation), .14 in `iso-2026`. Banks never send them to the hub
 * (`fromBanks: false`): the inbound edge refuses them and `mizani validate` says the hub emits them.
 */

export const ISO_NAMESPACE_PREFIX = 'urn:iso:std:iso:20022:tech:xsd:';

export type HeadVersion = 'head.001.001.02' | 'head.001.001.03' | 'head.001.001.04';
export const HEAD_VERSIONS: readonly HeadVersion[] = ['head.001.001.02', 'head.001.001.03', 'head.001.001.04'];

export type MessageKind =
  | 'pacs.008'
  | 'pacs.002'
  | 'acmt.023'
  | 'acmt.024'
  | 'pacs.028'
  | 'camt.056'
  | 'camt.029'
  | 'admi.002'
  | 'camt.052'
  | 'camt.053'
  | 'camt.054'
  | 'pain.013'
  | 'pain.014';

export type MessageVersion =
  | 'pacs.008.001.08'
  | 'pacs.008.001.14'
  | 'pacs.002.001.10'
  | 'pacs.002.001.16'
  | 'acmt.023.001.04'
  | 'acmt.024.001.04'
  | 'pacs.028.001.03'
  | 'pacs.028.001.07'
  | 'camt.056.001.08'
  | 'camt.056.001.12'
  | 'camt.029.001.09'
  | 'camt.029.001.14'
  | 'admi.002.001.01'
  | 'camt.052.001.08'
  | 'camt.052.001.14'
  | 'camt.053.001.08'
  | 'camt.053.001.14'
  | 'camt.054.001.08'
  | 'camt.054.001.14'
  | 'pain.013.001.07'
  | 'pain.013.001.12'
  | 'pain.014.001.07'
  | 'pain.014.001.12';

/** A schema the hub validates at run time: a business message version or a header version. */
export type SchemaId = MessageVersion | HeadVersion;

export interface MessageDefinition {
  readonly version: MessageVersion;
  readonly kind: MessageKind;
  readonly namespace: string;
  /** The one child element of `Document` (admi.002.001.01's is named after the message). */
  readonly rootElement: string;
  /** ISO 20022 message name. */
  readonly name: string;
  /** Which way the hub uses it (every mapping is written both ways for round-trip tests). */
  readonly direction: 'inbound' | 'outbound' | 'both';
  /**
   * Whether the inbound edge takes it from a bank at all. True for every message but the settlement
   * reports (camt.052/053/054), which only the hub writes: a bank sending one is refused (inbound.ts).
   */
  readonly fromBanks: boolean;
  /** Runtime schema file name inside schemas/xsd/ (also the official file name). */
  readonly xsdFile: string;
}

export interface HeadDefinition {
  readonly version: HeadVersion;
  readonly namespace: string;
  readonly xsdFile: string;
}

function message(version: MessageVersion, rootElement: string, name: string, direction: MessageDefinition['direction'], fromBanks = true): MessageDefinition {
  return Object.freeze({
    version,
    kind: version.slice(0, 8) as MessageKind,
    namespace: ISO_NAMESPACE_PREFIX + version,
    rootElement,
    name,
    direction,
    fromBanks,
    xsdFile: `${version}.xsd`,
  });
}

export const MESSAGE_DEFINITIONS: readonly MessageDefinition[] = Object.freeze([
  message('pacs.008.001.08', 'FIToFICstmrCdtTrf', 'FIToFICustomerCreditTransferV08', 'both'),
  message('pacs.008.001.14', 'FIToFICstmrCdtTrf', 'FIToFICustomerCreditTransferV14', 'both'),
  message('pacs.002.001.10', 'FIToFIPmtStsRpt', 'FIToFIPaymentStatusReportV10', 'both'),
  message('pacs.002.001.16', 'FIToFIPmtStsRpt', 'FIToFIPaymentStatusReportV16', 'both'),
  message('acmt.023.001.04', 'IdVrfctnReq', 'IdentificationVerificationRequestV04', 'both'),
  message('acmt.024.001.04', 'IdVrfctnRpt', 'IdentificationVerificationReportV04', 'both'),
  message('pacs.028.001.03', 'FIToFIPmtStsReq', 'FIToFIPaymentStatusRequestV03', 'inbound'),
  message('pacs.028.001.07', 'FIToFIPmtStsReq', 'FIToFIPaymentStatusRequestV07', 'inbound'),
  message('camt.056.001.08', 'FIToFIPmtCxlReq', 'FIToFIPaymentCancellationRequestV08', 'inbound'),
  message('camt.056.001.12', 'FIToFIPmtCxlReq', 'FIToFIPaymentCancellationRequestV12', 'inbound'),
  message('camt.029.001.09', 'RsltnOfInvstgtn', 'ResolutionOfInvestigationV09', 'outbound'),
  message('camt.029.001.14', 'RsltnOfInvstgtn', 'ResolutionOfInvestigationV14', 'outbound'),
  message('admi.002.001.01', 'admi.002.001.01', 'MessageRejectV01', 'outbound'),
  message('camt.052.001.08', 'BkToCstmrAcctRpt', 'BankToCustomerAccountReportV08', 'outbound', false),
  message('camt.052.001.14', 'BkToCstmrAcctRpt', 'BankToCustomerAccountReportV14', 'outbound', false),
  message('camt.053.001.08', 'BkToCstmrStmt', 'BankToCustomerStatementV08', 'outbound', false),
  message('camt.053.001.14', 'BkToCstmrStmt', 'BankToCustomerStatementV14', 'outbound', false),
  message('camt.054.001.08', 'BkToCstmrDbtCdtNtfctn', 'BankToCustomerDebitCreditNotificationV08', 'outbound', false),
  message('camt.054.001.14', 'BkToCstmrDbtCdtNtfctn', 'BankToCustomerDebitCreditNotificationV14', 'outbound', false),
  message('pain.013.001.07', 'CdtrPmtActvtnReq', 'CreditorPaymentActivationRequestV07', 'both'),
  message('pain.013.001.12', 'CdtrPmtActvtnReq', 'CreditorPaymentActivationRequestV12', 'both'),
  message('pain.014.001.07', 'CdtrPmtActvtnReqStsRpt', 'CreditorPaymentActivationRequestStatusReportV07', 'both'),
  message('pain.014.001.12', 'CdtrPmtActvtnReqStsRpt', 'CreditorPaymentActivationRequestStatusReportV12', 'both'),
]);

export const HEAD_DEFINITIONS: readonly HeadDefinition[] = Object.freeze(
  HEAD_VERSIONS.map((version) => Object.freeze({ version, namespace: ISO_NAMESPACE_PREFIX + version, xsdFile: `${version}.xsd` })),
);

const byNamespace = new Map<string, MessageDefinition>(MESSAGE_DEFINITIONS.map((d) => [d.namespace, d]));
const byVersion = new Map<string, MessageDefinition>(MESSAGE_DEFINITIONS.map((d) => [d.version, d]));
const headByNamespace = new Map<string, HeadDefinition>(HEAD_DEFINITIONS.map((d) => [d.namespace, d]));
const headByVersion = new Map<string, HeadDefinition>(HEAD_DEFINITIONS.map((d) => [d.version, d]));

export function messageByNamespace(namespace: string): MessageDefinition | undefined {
  return byNamespace.get(namespace);
}

export function messageByVersion(version: string): MessageDefinition | undefined {
  return byVersion.get(version);
}

export function headByNamespaceUri(namespace: string): HeadDefinition | undefined {
  return headByNamespace.get(namespace);
}

export function headByVersionId(version: string): HeadDefinition | undefined {
  return headByVersion.get(version);
}

/** Every schema the runtime validator knows, headers first. */
export const RUNTIME_SCHEMAS: readonly SchemaId[] = Object.freeze([...HEAD_VERSIONS, ...MESSAGE_DEFINITIONS.map((d) => d.version)]);

export function schemaNamespace(id: SchemaId): string {
  return ISO_NAMESPACE_PREFIX + id;
}

/** `urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08` → `pacs.008.001.08` (undefined when not an ISO 20022 namespace). */
export function versionOfNamespace(namespace: string): string | undefined {
  if (!namespace.startsWith(ISO_NAMESPACE_PREFIX)) return undefined;
  const id = namespace.slice(ISO_NAMESPACE_PREFIX.length);
  return /^[a-z]{4}\.\d{3}\.\d{3}\.\d{2}$/.test(id) ? id : undefined;
}

// ------------------------------------------------------------------------------------------ profiles

export type XmlProfileName = 'iso-2019' | 'iso-2026';

/** The versions the hub emits to a bank. */
export interface XmlProfile {
  readonly name: XmlProfileName;
  readonly head: HeadVersion;
  readonly 'pacs.008': 'pacs.008.001.08' | 'pacs.008.001.14';
  readonly 'pacs.002': 'pacs.002.001.10' | 'pacs.002.001.16';
  readonly 'acmt.023': 'acmt.023.001.04';
  readonly 'acmt.024': 'acmt.024.001.04';
  readonly 'pacs.028': 'pacs.028.001.03' | 'pacs.028.001.07';
  readonly 'camt.056': 'camt.056.001.08' | 'camt.056.001.12';
  readonly 'camt.029': 'camt.029.001.09' | 'camt.029.001.14';
  readonly 'admi.002': 'admi.002.001.01';
  readonly 'camt.052': 'camt.052.001.08' | 'camt.052.001.14';
  readonly 'camt.053': 'camt.053.001.08' | 'camt.053.001.14';
  readonly 'camt.054': 'camt.054.001.08' | 'camt.054.001.14';
  readonly 'pain.013': 'pain.013.001.07' | 'pain.013.001.12';
  readonly 'pain.014': 'pain.014.001.07' | 'pain.014.001.12';
}

export const XML_PROFILES: Readonly<Record<XmlProfileName, XmlProfile>> = Object.freeze({
  'iso-2019': Object.freeze({
    name: 'iso-2019',
    head: 'head.001.001.02',
    'pacs.008': 'pacs.008.001.08',
    'pacs.002': 'pacs.002.001.10',
    'acmt.023': 'acmt.023.001.04',
    'acmt.024': 'acmt.024.001.04',
    'pacs.028': 'pacs.028.001.03',
    'camt.056': 'camt.056.001.08',
    'camt.029': 'camt.029.001.09',
    'admi.002': 'admi.002.001.01',
    'camt.052': 'camt.052.001.08',
    'camt.053': 'camt.053.001.08',
    'camt.054': 'camt.054.001.08',
    'pain.013': 'pain.013.001.07',
    'pain.014': 'pain.014.001.07',
  }),
  'iso-2026': Object.freeze({
    name: 'iso-2026',
    head: 'head.001.001.04',
    'pacs.008': 'pacs.008.001.14',
    'pacs.002': 'pacs.002.001.16',
    'acmt.023': 'acmt.023.001.04',
    'acmt.024': 'acmt.024.001.04',
    'pacs.028': 'pacs.028.001.07',
    'camt.056': 'camt.056.001.12',
    'camt.029': 'camt.029.001.14',
    'admi.002': 'admi.002.001.01',
    'camt.052': 'camt.052.001.14',
    'camt.053': 'camt.053.001.14',
    'camt.054': 'camt.054.001.14',
    'pain.013': 'pain.013.001.12',
    'pain.014': 'pain.014.001.12',
  }),
});

export const DEFAULT_XML_PROFILE: XmlProfileName = 'iso-2019';

/** The profile a version belongs to (shared versions belong to both; `iso-2019` is returned). */
export function profileOfVersion(version: MessageVersion): XmlProfileName {
  const p = XML_PROFILES['iso-2026'];
  const kind = version.slice(0, 8) as MessageKind;
  return p[kind] === version && XML_PROFILES['iso-2019'][kind] !== version ? 'iso-2026' : 'iso-2019';
}
