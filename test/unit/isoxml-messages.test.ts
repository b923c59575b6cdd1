/**
 * ISO 20022 XML edge: every message type the hub emits, generated from random canonical values
 * (fast-check, bounded runs), in both profiles:
 *   - validates against the runtime validator (libxml2, schemas/xsd) as part of parsing,
 *   - reads back to exactly the canonical value it was rendered from (and the BAH to its header),
 *   - and, in one Xerces JVM at the end, validates against the OFFICIAL schemas in
 *     ../shared/iso20022/xsd (AppHdr against head.001, Document against its message schema) —
 *     signed ones included.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { createHash, createPrivateKey } from 'node:crypto';
import { XmlC14NMode, XmlDocument, XmlElement } from 'libxml2-wasm';
import fc from 'fast-check';
import type { Agent, Party, PartyId } from '../../schemas/iso/common.js';
import type { BusinessApplicationHeader } from '../../schemas/iso/head001.js';
import type { Pacs008 } from '../../schemas/iso/pacs008.js';
import type { Pacs002 } from '../../schemas/iso/pacs002.js';
import type { PartyVerificationReport, PartyVerificationRequest } from '../../schemas/iso/parties.js';
import type { PaymentStatusRequest } from '../../schemas/iso/pacs028.js';
import type { CancellationRequest } from '../../schemas/iso/camt056.js';
import type { InvestigationResolution } from '../../schemas/iso/camt029.js';
import type { MessageReject } from '../../schemas/iso/admi002.js';
import type { OriginalGroupInformation, OriginalTransactionReference } from '../../schemas/iso/original.js';
import { TranslationError } from '../../schemas/iso/translation.js';
import { createCa, issueCertificate } from '../../switch/security/pki.js';
import { XML_PROFILES, type MessageKind, type XmlProfileName } from '../../translators/isoxml/catalog.js';
import { receiveBusinessMessage } from '../../translators/isoxml/inbound.js';
import { renderBusinessMessage, type BusinessDocument } from '../../translators/isoxml/render.js';
import type { Pacs008FromXml } from '../../schemas/iso/pacs008.js';
import { parseXmlSigningCertificate, type XmlSigner } from '../../translators/isoxml/signature.js';
import { messageRejectOf } from '../../translators/isoxml/admi002.js';
import { XmlRejection } from '../../translators/isoxml/rejection.js';
import { resolveCancellation } from '../../translators/isoxml/camt029.js';
import { assertOfficiallyValid } from '../support/xsd-official.js';
import { isoUnits } from '../../schemas/amount.js';

const RUNS = Number(process.env['MIZANI_ISOXML_RUNS'] ?? 20);
const HUB = 'hub';
const PROFILES: XmlProfileName[] = ['iso-2019', 'iso-2026'];

/** Everything rendered here, validated against the official schemas at the end (one JVM). */
const emitted: string[] = [];
let signer: XmlSigner;

before(async () => {
  const ca = await createCa({ keyType: 'rsa2048' });
  const issued = await issueCertificate(ca, { name: HUB, kind: 'hub', keyType: 'rsa2048' });
  signer = { privateKey: createPrivateKey(issued.keyPem), certificate: parseXmlSigningCertificate(issued.certPem) };
});

// --------------------------------------------------------------------------------------- generators

/** XML-safe text: letters, digits, punctuation that needs escaping, spaces, CR/LF/tab, non-ASCII. */
const textChar = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'.split('')) },
  { weight: 2, arbitrary: fc.constantFrom('&', '<', '>', '"', "'", ' ', '-', '/', '.', ';', ':', '\r', '\n', '\t', ']]>') },
  { weight: 1, arbitrary: fc.constantFrom('é', 'ß', 'Ω', 'ü', '中', '😀', '\u00a0') },
);
const text = (min: number, max: number) =>
  fc
    .array(textChar, { minLength: min, maxLength: max })
    .map((a) => a.join(''))
    .filter((s) => [...s].length >= min && [...s].length <= max);
const id35 = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,34}$/);
const ulid = fc.stringMatching(/^[0-9A-HJKMNP-TV-Z]{26}$/);
const fsp = fc.stringMatching(/^[a-z][a-z0-9-]{1,20}$/).filter((s) => s !== HUB);
const bic = fc.stringMatching(/^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$/);
const ccy = fc.constantFrom('EUR', 'USD', 'XOF', 'MWK', 'BHD', 'JPY');
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const uuid4 = fc.uuid({ version: 4 });
const base64url = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).map((b) => Buffer.from(b).toString('base64url'));

const dateTime = fc
  .tuple(
    fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true }),
    fc.constantFrom('Z', '+02:00', '-05:30', ''),
    fc.boolean(),
  )
  .map(([d, zone, ms]) => {
    const iso = d.toISOString();
    return (ms ? iso.slice(0, 23) : iso.slice(0, 19)) + zone;
  });
const date = fc
  .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));

const amount = fc.record({ currency: ccy, units: fc.bigInt({ min: 0n, max: 10n ** 18n - 1n }).map(isoUnits) });

/** Drops undefined members (canonical objects never hold `undefined`). */
function clean<T>(v: T): T {
  if (Array.isArray(v)) return v.map(clean) as T;
  if (v && typeof v === 'object' && typeof v !== 'bigint') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = clean(x);
    return out as T;
  }
  return v;
}

/** A clearing-system member id: with a clearing system code (USABA, …), a proprietary system, or none. */
const clrSysMmbId = fc
  .tuple(
    opt(
      fc.oneof(
        fc.constantFrom('USABA', 'GBDSC', 'DEBLZ', 'CACPA').map((Cd) => ({ Cd })),
        id35.map((Prtry) => ({ Prtry })),
      ),
    ),
    id35,
  )
  .map(([ClrSysId, MmbId]) => clean({ ClrSysId, MmbId }));
const agent: fc.Arbitrary<Agent> = fc
  .record({ Othr: opt(fsp.map((Id) => ({ Id }))), ClrSysMmbId: opt(clrSysMmbId), BICFI: opt(bic) })
  .filter((f) => f.Othr !== undefined || f.BICFI !== undefined || f.ClrSysMmbId !== undefined)
  .map((FinInstnId) => clean({ FinInstnId }));
const fspAgent: fc.Arbitrary<Agent> = fc
  .tuple(fsp, opt(id35))
  .map(([Id, sub]) => clean({ FinInstnId: { Othr: { Id }, ClrSysMmbId: sub === undefined ? undefined : { MmbId: sub } } }));

const scheme = fc.oneof(
  fc.constantFrom('MSISDN', 'EMAIL', 'PERSONAL_ID', 'BUSINESS', 'ALIAS').map((Prtry) => ({ Prtry })),
  fc.stringMatching(/^[A-Z]{4}$/).map((Cd) => ({ Cd })),
);
const partyId = (idMax: number): fc.Arbitrary<PartyId> =>
  fc.tuple(fc.boolean(), text(1, idMax), opt(scheme)).map(([org, Id, SchmeNm]) => {
    const Othr = clean({ Id, SchmeNm });
    return org ? { OrgId: { Othr } } : { PrvtId: { Othr } };
  });
const party = (idMax: number): fc.Arbitrary<Party> =>
  fc
    .record({ Nm: opt(text(1, 140)), Id: opt(partyId(idMax)) })
    .filter((p) => p.Nm !== undefined || p.Id !== undefined)
    .map(clean);

const account = fc
  .record({
    Ccy: opt(ccy),
    Id: opt(
      fc.oneof(
        fc.stringMatching(/^[A-Z]{2}[0-9]{2}[A-Z0-9]{10,20}$/).map((IBAN) => ({ IBAN })),
        fc.tuple(text(1, 34), opt(scheme)).map(([Id, SchmeNm]) => ({ Othr: clean({ Id, SchmeNm }) })),
      ),
    ),
  })
  .map(clean);
const extensions = fc.array(fc.record({ key: text(1, 32), value: text(1, 128) }), { minLength: 1, maxLength: 3 });
const partySupplement = fc
  .record({
    personalInfo: opt(
      fc
        .record({
          complexName: opt(fc.record({ firstName: opt(text(1, 20)), middleName: opt(text(1, 20)), lastName: opt(text(1, 20)) }).map(clean)),
          dateOfBirth: opt(date),
        })
        .map(clean),
    ),
    merchantClassificationCode: opt(fc.stringMatching(/^\d{1,4}$/)),
    extensions: opt(extensions),
    fspIdFromHeader: opt(fc.constant(true as const)),
  })
  .map(clean);

/** An ILP v4 Prepare packet (OER) with a random condition; returns [packet, condition]. */
const ilpPacket = fc.tuple(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 0, maxLength: 300 })).map(([condition, data]) => {
  const dest = Buffer.from('g.mizani.payee');
  const body = Buffer.concat([
    Buffer.alloc(8, 1),
    Buffer.from('20260301100000000'),
    Buffer.from(condition),
    Buffer.from([dest.length]),
    dest,
    data.length < 128 ? Buffer.from([data.length]) : Buffer.from([0x82, data.length >> 8, data.length & 0xff]),
    Buffer.from(data),
  ]);
  const len = body.length < 128 ? Buffer.from([body.length]) : Buffer.from([0x82, body.length >> 8, body.length & 0xff]);
  return [Buffer.concat([Buffer.from([12]), len, body]).toString('base64url'), Buffer.from(condition).toString('base64url')] as const;
});

const pacs008: fc.Arbitrary<Pacs008> = fc
  .record({
    MsgId: id35,
    CreDtTm: dateTime,
    SttlmMtd: fc.constantFrom('CLRG', 'INDA', 'INGA', 'COVE') as fc.Arbitrary<'CLRG'>,
    expiry: dateTime,
    TxId: ulid,
    InstrId: opt(id35),
    EndToEndId: opt(id35.filter((s) => s !== 'NOTPROVIDED')),
    UETR: opt(fc.oneof(uuid4, fc.constant('2F7C7D9E-NOT-A-V4'))),
    /** A bank's payment sent without TxId: the transfer id is its UETR. */
    txIdIsUetr: fc.boolean(),
    InstgAgt: opt(agent),
    InstdAgt: opt(agent),
    Purp: opt(
      fc.oneof(
        fc.stringMatching(/^[A-Z]{4}$/).map((Cd) => ({ Cd })),
        text(1, 35).map((Prtry) => ({ Prtry })),
      ),
    ),
    Ustrd: opt(fc.array(text(1, 140), { minLength: 1, maxLength: 3 })),
    IntrBkSttlmAmt: amount,
    InstdAmt: opt(amount),
    ChrgBr: fc.constantFrom('DEBT', 'CRED', 'SHAR', 'SLEV') as fc.Arbitrary<'SHAR'>,
    Dbtr: opt(party(35)),
    DbtrAcct: opt(account),
    DbtrAgt: fspAgent,
    CdtrAgt: fspAgent,
    Cdtr: opt(party(35)),
    CdtrAcct: opt(account),
    terms: fc.oneof(
      ilpPacket.map(([p, c]) => ({ packet: p, condition: c })),
      base64url(32).map((c) => ({ condition: c })),
      fc.constant({ condition: 'not-a-sha256-condition' }),
    ),
    Sh256Sgntr: opt(base64url(32)),
    supplement: opt(fc.record({ extensions: opt(extensions), Dbtr: opt(partySupplement), Cdtr: opt(partySupplement) }).map(clean)),
  })
  .map((r) =>
    clean({
      GrpHdr: { MsgId: r.MsgId, CreDtTm: r.CreDtTm, NbOfTxs: '1' as const, SttlmInf: { SttlmMtd: r.SttlmMtd }, PmtInstrXpryDtTm: r.expiry },
      CdtTrfTxInf: {
        PmtId: { TxId: r.txIdIsUetr && r.UETR !== undefined ? r.UETR : r.TxId, InstrId: r.InstrId, EndToEndId: r.EndToEndId, UETR: r.UETR },
        IntrBkSttlmAmt: r.IntrBkSttlmAmt,
        InstdAmt: r.InstdAmt,
        ChrgBr: r.ChrgBr,
        InstgAgt: r.InstgAgt,
        InstdAgt: r.InstdAgt,
        Purp: r.Purp,
        RmtInf: r.Ustrd && { Ustrd: r.Ustrd },
        Dbtr: r.Dbtr,
        DbtrAcct: r.DbtrAcct,
        DbtrAgt: r.DbtrAgt,
        CdtrAgt: r.CdtrAgt,
        Cdtr: r.Cdtr,
        CdtrAcct: r.CdtrAcct,
        ExctnCond: r.terms.condition,
        VrfctnOfTerms:
          'packet' in r.terms || r.Sh256Sgntr ? { IlpV4PrepPacket: 'packet' in r.terms ? r.terms.packet : undefined, Sh256Sgntr: r.Sh256Sgntr } : undefined,
        SplmtryData: r.supplement,
      },
    }),
  );

const statusReason = fc.record({
  Rsn: fc.oneof(
    fc.stringMatching(/^[1-5]\d{3}$/).map((Prtry) => ({ Prtry })),
    fc.stringMatching(/^[A-Z]{2}\d{2}$/).map((Cd) => ({ Cd })),
    fc.constant({}),
  ),
  AddtlInf: opt(text(1, 300)),
  extensions: opt(extensions),
});
const originalGroup: fc.Arbitrary<OriginalGroupInformation> = fc
  .record({ OrgnlMsgId: id35, OrgnlMsgNmId: fc.constantFrom('pacs.008.001.08', 'pacs.008.001.14'), OrgnlCreDtTm: opt(dateTime) })
  .map(clean);
const pacs002 = fc
  .record({
    MsgId: id35,
    CreDtTm: dateTime,
    OrgnlTxId: opt(ulid),
    TxSts: opt(fc.constantFrom('RECV', 'RESV', 'COMM', 'ABOR') as fc.Arbitrary<'RECV'>),
    StsRsnInf: opt(statusReason),
    AddtlStsRsnInf: opt(
      fc.array(
        statusReason.map(({ Rsn, AddtlInf }) => ({ Rsn, AddtlInf })),
        { minLength: 1, maxLength: 3 },
      ),
    ),
    PrcgDt: opt(
      fc.oneof(
        dateTime.map((DtTm) => ({ DtTm })),
        fc.tuple(date, fc.constantFrom('', 'Z', '+01:00')).map(([d, z]) => ({ Dt: d + z })),
      ),
    ),
    ExctnConf: opt(fc.oneof(base64url(32), text(1, 60))),
    extensions: opt(extensions),
    context: fc.record({ OrgnlGrpInf: opt(originalGroup), OrgnlInstrId: opt(id35), OrgnlEndToEndId: opt(id35), OrgnlUETR: opt(uuid4) }),
  })
  .map((r) => ({
    message: clean<Pacs002>({
      GrpHdr: { MsgId: r.MsgId, CreDtTm: r.CreDtTm },
      TxInfAndSts: {
        OrgnlTxId: r.OrgnlTxId,
        TxSts: r.TxSts,
        StsRsnInf: r.StsRsnInf,
        // Further reasons only beside a first one (the canonical error form).
        AddtlStsRsnInf: r.StsRsnInf && r.AddtlStsRsnInf,
        PrcgDt: r.PrcgDt,
        ExctnConf: r.ExctnConf,
        SplmtryData: r.extensions && { extensions: r.extensions },
      },
    }),
    context: clean(r.context),
  }));

const pathId = fc
  .tuple(fc.constantFrom('MSISDN', 'EMAIL', 'ACCOUNT_ID'), text(1, 60), opt(id35))
  .map(([t, i, s]) => (s === undefined ? `${t}/${i}` : `${t}/${i}/${s}`));
const acmt023: fc.Arbitrary<PartyVerificationRequest> = fc
  .record({ MsgId: ulid, CreDtTm: dateTime, Assgnr: fspAgent, Assgne: opt(fspAgent), Id: pathId, Pty: party(256), Agt: opt(agent) })
  .map((r) =>
    clean({
      Assgnmt: { MsgId: r.MsgId, CreDtTm: r.CreDtTm, Assgnr: r.Assgnr, Assgne: r.Assgne },
      Vrfctn: { Id: r.Id, PtyAndAcctId: { Pty: r.Pty, Agt: r.Agt } },
    }),
  );

const acmt024 = fc
  .record({
    MsgId: ulid,
    CreDtTm: dateTime,
    Assgnr: fspAgent,
    Assgne: fspAgent,
    OrgnlId: pathId,
    Vrfctn: fc.boolean(),
    Rsn: opt(
      fc.oneof(
        fc.stringMatching(/^\d{4}$/).map((Cd) => ({ Cd })),
        id35.map((Prtry) => ({ Prtry })),
      ),
    ),
    Pty: party(256),
    Ccys: opt(fc.array(ccy, { maxLength: 3 })),
    Agt: opt(fspAgent),
    found: fc.boolean(),
    supplement: opt(
      fc
        .record({
          party: opt(partySupplement),
          error: opt(fc.record({ AddtlInf: opt(text(1, 128)), extensions: opt(extensions) }).map(clean)),
        })
        .map(clean),
    ),
    context: fc.record({ OrgnlAssgnmt: opt(fc.record({ MsgId: opt(ulid), CreDtTm: opt(dateTime) }).map(clean)) }),
  })
  .map((r) => ({
    message: clean<PartyVerificationReport>({
      Assgnmt: { MsgId: r.MsgId, CreDtTm: r.CreDtTm, Assgnr: r.Assgnr, Assgne: r.Assgne },
      Rpt: {
        OrgnlId: r.OrgnlId,
        Vrfctn: r.Vrfctn,
        Rsn: r.Rsn,
        UpdtdPtyAndAcctId: r.found ? { Pty: r.Pty, Acct: r.Ccys && { Ccys: r.Ccys }, Agt: r.Agt } : undefined,
      },
      SplmtryData: r.supplement && Object.keys(r.supplement).length > 0 ? r.supplement : undefined,
    }),
    context: clean(r.context).OrgnlAssgnmt && Object.keys(clean(r.context).OrgnlAssgnmt!).length > 0 ? clean(r.context) : {},
  }));

const original: fc.Arbitrary<OriginalTransactionReference> = fc
  .record({ OrgnlGrpInf: opt(originalGroup), OrgnlInstrId: opt(id35), OrgnlEndToEndId: opt(id35), OrgnlTxId: opt(ulid), OrgnlUETR: opt(uuid4) })
  .map(clean);
const pacs028: fc.Arbitrary<PaymentStatusRequest> = fc
  .record({ MsgId: id35, CreDtTm: dateTime, InstgAgt: opt(agent), InstdAgt: opt(agent), original, StsReqId: opt(id35) })
  .map((r) =>
    clean({ GrpHdr: { MsgId: r.MsgId, CreDtTm: r.CreDtTm, InstgAgt: r.InstgAgt, InstdAgt: r.InstdAgt }, TxInf: { ...r.original, StsReqId: r.StsReqId } }),
  );

const reasonChoice = fc.oneof(
  fc.stringMatching(/^[A-Z]{4}$/).map((Cd) => ({ Cd })),
  id35.map((Prtry) => ({ Prtry })),
);
const camt056: fc.Arbitrary<CancellationRequest> = fc
  .record({
    Id: id35,
    Assgnr: agent,
    Assgne: agent,
    CreDtTm: dateTime,
    Case: opt(fc.record({ Id: id35, Cretr: agent })),
    original,
    CxlId: opt(id35),
    amt: opt(amount),
    dt: opt(date),
    rsn: opt(fc.record({ Rsn: opt(reasonChoice), AddtlInf: opt(fc.array(text(1, 105), { minLength: 1, maxLength: 3 })) }).map(clean)),
  })
  .map((r) =>
    clean({
      Assgnmt: { Id: r.Id, Assgnr: r.Assgnr, Assgne: r.Assgne, CreDtTm: r.CreDtTm },
      Case: r.Case,
      TxInf: { ...r.original, CxlId: r.CxlId, OrgnlIntrBkSttlmAmt: r.amt, OrgnlIntrBkSttlmDt: r.dt, CxlRsnInf: r.rsn },
    }),
  );

const camt029: fc.Arbitrary<InvestigationResolution> = fc
  .record({
    Id: id35,
    Assgnr: agent,
    Assgne: agent,
    CreDtTm: dateTime,
    RslvdCase: opt(fc.record({ Id: id35, Cretr: agent })),
    Conf: fc.constantFrom('CNCL', 'PDCR', 'RJCR'),
    details: opt(
      fc.record({
        original,
        CxlStsId: opt(id35),
        TxCxlSts: opt(fc.constantFrom('ACCR', 'PDCR', 'RJCR') as fc.Arbitrary<'ACCR'>),
        rsn: opt(fc.record({ Rsn: opt(reasonChoice), AddtlInf: opt(fc.array(text(1, 105), { minLength: 1, maxLength: 2 })) }).map(clean)),
        amt: opt(amount),
      }),
    ),
  })
  .map((r) =>
    clean({
      Assgnmt: { Id: r.Id, Assgnr: r.Assgnr, Assgne: r.Assgne, CreDtTm: r.CreDtTm },
      RslvdCase: r.RslvdCase,
      Sts: { Conf: r.Conf },
      CxlDtls: r.details && {
        TxInfAndSts: {
          ...r.details.original,
          CxlStsId: r.details.CxlStsId,
          TxCxlSts: r.details.TxCxlSts,
          CxlStsRsnInf: r.details.rsn,
          OrgnlIntrBkSttlmAmt: r.details.amt,
        },
      },
    }),
  );

const admi002: fc.Arbitrary<MessageReject> = fc
  .record({
    Ref: id35,
    code: fc.constantFrom('FF01', 'DS0A', 'DS0B', 'DS0D', 'DS0E', 'DU01', 'NARR'),
    at: opt(dateTime),
    loc: opt(text(1, 350)),
    desc: opt(text(1, 350)),
    data: opt(text(1, 2000)),
  })
  .map((r) => clean({ RltdRef: { Ref: r.Ref }, Rsn: { RjctgPtyRsn: r.code, RjctnDtTm: r.at, ErrLctn: r.loc, RsnDesc: r.desc, AddtlData: r.data } }));

const header = fc
  .record({
    from: fsp,
    bic: opt(bic),
    /** A bank naming itself by clearing-system member id (FedNow-style) instead of its FSP id. */
    member: opt(clrSysMmbId),
    BizMsgIdr: id35,
    CreDt: dateTime,
    BizSvc: opt(id35),
    BizPrcgDt: opt(dateTime),
    CpyDplct: opt(fc.constantFrom('CODU', 'COPY', 'DUPL') as fc.Arbitrary<'COPY'>),
    PssblDplct: opt(fc.boolean()),
    Prty: opt(fc.constantFrom('NORM', 'HIGH')),
    Rltd: opt(
      fc.array(
        fc.record({ BizMsgIdr: id35, MsgDefIdr: fc.constantFrom('pacs.008.001.08', 'acmt.023.001.04'), CreDt: dateTime, from: fsp, BizSvc: opt(id35) }),
        { minLength: 1, maxLength: 2 },
      ),
    ),
  })
  .map(
    (r) =>
      clean({
        Fr: { FIId: { FinInstnId: r.member ? { ClrSysMmbId: r.member } : clean({ Othr: { Id: r.from }, BICFI: r.bic }) } },
        To: { FIId: { FinInstnId: { Othr: { Id: HUB } } } },
        BizMsgIdr: r.BizMsgIdr,
        CreDt: r.CreDt,
        BizSvc: r.BizSvc,
        BizPrcgDt: r.BizPrcgDt,
        CpyDplct: r.CpyDplct,
        PssblDplct: r.PssblDplct,
        Prty: r.Prty,
        Rltd: r.Rltd?.map((x) =>
          clean({
            Fr: { FIId: { FinInstnId: { Othr: { Id: x.from } } } },
            To: { FIId: { FinInstnId: { Othr: { Id: HUB } } } },
            BizMsgIdr: x.BizMsgIdr,
            MsgDefIdr: x.MsgDefIdr,
            BizSvc: x.BizSvc,
            CreDt: x.CreDt,
          }),
        ),
      }) as Omit<BusinessApplicationHeader, 'MsgDefIdr'>,
  );

// --------------------------------------------------------------------------------------- round trip

/** JSON with bigints as strings, to compare canonical values. */
const plain = (v: unknown) => JSON.parse(JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x)));

/** The signed digests equal those of an independent exclusive canonicalizer (libxml2). */
function assertDigestsMatchLibxml2(xml: string): void {
  const doc = XmlDocument.fromString(xml);
  try {
    const [appHdr, document] = doc.root.find('./*') as XmlElement[];
    const digest = (el: XmlElement) =>
      createHash('sha256')
        .update(el.canonicalizeToString({ mode: XmlC14NMode.XML_C14N_EXCLUSIVE_1_0 }))
        .digest('base64');
    const documentDigest = digest(document!);
    appHdr!.get('.//ds:Signature', { ds: 'http://www.w3.org/2000/09/xmldsig#' })!.remove();
    const values = [...xml.matchAll(/<ds:DigestValue>([^<]+)<\/ds:DigestValue>/g)].map((m) => m[1]);
    assert.deepEqual([values[1], values[2]], [digest(appHdr!), documentDigest], 'AppHdr and Document digests (libxml2 c14n)');
  } finally {
    doc.dispose();
  }
}

/** How a reader of the rendered pacs.008 sees the payment named: TxId only when written (not when it is the UETR). */
function expectedReference(m: Pacs008 | Pacs008FromXml, version: string, xml: string): OriginalTransactionReference {
  const p = m.CdtTrfTxInf.PmtId;
  const uetrWritten = xml.includes(`<UETR>${p.UETR}</UETR>`);
  return clean({
    OrgnlGrpInf: { OrgnlMsgId: m.GrpHdr.MsgId, OrgnlMsgNmId: version, OrgnlCreDtTm: m.GrpHdr.CreDtTm },
    OrgnlEndToEndId: p.EndToEndId ?? 'NOTPROVIDED',
    OrgnlInstrId: p.InstrId,
    OrgnlTxId: uetrWritten && p.TxId === p.UETR ? undefined : p.TxId,
    OrgnlUETR: uetrWritten ? p.UETR : undefined,
  });
}

function roundTrip(doc: BusinessDocument, profile: XmlProfileName, hdr: Omit<BusinessApplicationHeader, 'MsgDefIdr'>, sign: boolean): void {
  const options = { profile, hubFspId: HUB, header: hdr, ...(sign ? { signer } : {}) };
  const xml = renderBusinessMessage(doc, options);
  emitted.push(xml);
  // The edge maps a sender named by clearing-system member id to its participant (switch/directory/agents.ts).
  const participantOf = (id: Agent['FinInstnId']) => id.Othr?.Id ?? (id.ClrSysMmbId ? 'bank-by-member-id' : undefined);
  const got = receiveBusinessMessage(xml, { hubFspId: HUB, participantOf, certificatesOf: () => [signer.certificate], requireSignature: sign });
  // XML -> canonical -> XML gives the same bytes (rendering, and signing, are deterministic).
  assert.equal(renderBusinessMessage(got.document, { ...options, header: got.header }), xml);
  const version = XML_PROFILES[profile][doc.kind as MessageKind];
  assert.equal(got.definition.version, version);
  assert.equal(got.head.version, XML_PROFILES[profile].head);
  assert.deepEqual(plain(got.header), plain({ ...hdr, MsgDefIdr: version }));
  assert.equal(got.signature.signed, sign);
  if (sign) assertDigestsMatchLibxml2(xml);
  const expected: Record<string, unknown> = { kind: doc.kind, message: doc.message };
  if (doc.kind === 'pacs.002' || doc.kind === 'acmt.024') expected['context'] = doc.context ?? {};
  if (doc.kind === 'pacs.008' && got.document.kind === 'pacs.008') expected['reference'] = expectedReference(doc.message, version, xml);
  assert.deepEqual(plain(got.document), plain(expected));
}

function property<T>(name: MessageKind, arb: fc.Arbitrary<T>, toDoc: (v: T) => BusinessDocument): void {
  test(`${name}: renders valid XML in both profiles and reads back exactly (property, ${RUNS} runs)`, () => {
    for (const profile of PROFILES) {
      fc.assert(
        fc.property(arb, header, fc.boolean(), (v, hdr, sign) => roundTrip(toDoc(v), profile, hdr, sign)),
        { numRuns: RUNS },
      );
    }
  });
}

property('pacs.008', pacs008, (message) => ({ kind: 'pacs.008', message }));
property('pacs.002', pacs002, ({ message, context }) => ({ kind: 'pacs.002', message, context }));
property('acmt.023', acmt023, (message) => ({ kind: 'acmt.023', message }));
property('acmt.024', acmt024, ({ message, context }) => ({ kind: 'acmt.024', message, context }));
property('pacs.028', pacs028, (message) => ({ kind: 'pacs.028', message }));
property('camt.056', camt056, (message) => ({ kind: 'camt.056', message }));
property('camt.029', camt029, (message) => ({ kind: 'camt.029', message }));
property('admi.002', admi002, (message) => ({ kind: 'admi.002', message }));

test('head.001: the header round-trips in every supported version (property)', () => {
  for (const head of ['head.001.001.02', 'head.001.001.03', 'head.001.001.04'] as const) {
    fc.assert(
      fc.property(header, admi002, (hdr, message) => {
        const xml = renderBusinessMessage({ kind: 'admi.002', message }, { head, hubFspId: HUB, header: hdr });
        emitted.push(xml);
        const got = receiveBusinessMessage(xml, { hubFspId: HUB, certificatesOf: () => [], requireSignature: false });
        assert.equal(got.head.version, head);
        assert.deepEqual(plain(got.header), plain({ ...hdr, MsgDefIdr: 'admi.002.001.01' }));
      }),
      { numRuns: RUNS },
    );
  }
});

// ------------------------------------------------------------------------------------ exactness

test('amounts are written with exactly the digits of the Amount and the Ccy attribute, never a float', () => {
  const base = fc.sample(pacs008, { numRuns: 1, seed: 7 })[0]!;
  const cases: Array<[bigint, string]> = [
    [0n, '0'],
    [1n, '0.00001'],
    [100_000n, '1'],
    [123_456_789n, '1234.56789'],
    [10n ** 18n - 1n, '9999999999999.99999'],
    [9_007_199_254_740_993n, '90071992547.40993'],
  ];
  for (const [units, textValue] of cases) {
    const m: Pacs008 = { ...base, CdtTrfTxInf: { ...base.CdtTrfTxInf, IntrBkSttlmAmt: { currency: 'XOF', units: isoUnits(units) } } };
    const fits = units < 10n ** 18n;
    if (!fits) continue;
    const xml = renderBusinessMessage({ kind: 'pacs.008', message: m }, { hubFspId: HUB, header: fc.sample(header, { numRuns: 1, seed: 1 })[0]! });
    assert.match(xml, new RegExp(`<IntrBkSttlmAmt Ccy="XOF">${textValue.replace('.', '\\.')}</IntrBkSttlmAmt>`));
  }
  const tooBig: Pacs008 = { ...base, CdtTrfTxInf: { ...base.CdtTrfTxInf, IntrBkSttlmAmt: { currency: 'XOF', units: isoUnits(10n ** 23n) } } };
  assert.throws(
    () => renderBusinessMessage({ kind: 'pacs.008', message: tooBig }, { hubFspId: HUB, header: fc.sample(header, { numRuns: 1, seed: 1 })[0]! }),
    TranslationError,
  );
});

test('xs:decimal lexical forms a bank may send are read exactly', () => {
  const base = fc.sample(pacs008, { numRuns: 1, seed: 11 })[0]!;
  const xml = renderBusinessMessage(
    { kind: 'pacs.008', message: { ...base, CdtTrfTxInf: { ...base.CdtTrfTxInf, IntrBkSttlmAmt: { currency: 'EUR', units: isoUnits(150_000n) } } } },
    { hubFspId: HUB, header: fc.sample(header, { numRuns: 1, seed: 2 })[0]! },
  );
  for (const [lexical, units] of [
    ['+001.50', 150_000n],
    ['1.500000', 150_000n],
    ['.5', 50_000n],
    ['5.', 500_000n],
    [' 7 ', 700_000n],
  ] as const) {
    const got = receiveBusinessMessage(xml.replace('<IntrBkSttlmAmt Ccy="EUR">1.5</IntrBkSttlmAmt>', `<IntrBkSttlmAmt Ccy="EUR">${lexical}</IntrBkSttlmAmt>`), {
      hubFspId: HUB,
      certificatesOf: () => [],
      requireSignature: false,
    });
    assert.equal(got.document.kind === 'pacs.008' && got.document.message.CdtTrfTxInf.IntrBkSttlmAmt.units, units, lexical);
  }
});

test('what a version cannot express is refused, never dropped or emitted invalid', () => {
  const base = fc.sample(pacs008, { numRuns: 1, seed: 3 })[0]!;
  const hdr = fc.sample(header, { numRuns: 1, seed: 3 })[0]!;
  const render = (m: Pacs008, profile: XmlProfileName = 'iso-2019') =>
    renderBusinessMessage({ kind: 'pacs.008', message: m }, { profile, hubFspId: HUB, header: hdr });
  assert.throws(() => render({ ...base, GrpHdr: { ...base.GrpHdr, MsgId: 'x'.repeat(36) } }), /GrpHdr\.MsgId: 36 characters/);
  assert.throws(() => render({ ...base, GrpHdr: { ...base.GrpHdr, CreDtTm: '2026-02-30T10:00:00Z' } }), /ISODateTime/);
  assert.throws(() => render({ ...base, CdtTrfTxInf: { ...base.CdtTrfTxInf, Dbtr: { Nm: 'bell\u0007' } } }), /XML 1\.0 cannot carry/);
  assert.throws(() => render({ ...base, CdtTrfTxInf: { ...base.CdtTrfTxInf, Dbtr: { Id: { PrvtId: { Othr: { Id: 'x'.repeat(36) } } } } } }), TranslationError);
  // .14 holds party ids of up to 256 characters.
  render({ ...base, CdtTrfTxInf: { ...base.CdtTrfTxInf, Dbtr: { Id: { PrvtId: { Othr: { Id: 'x'.repeat(256) } } } } } }, 'iso-2026');
  const [packet] = fc.sample(ilpPacket, { numRuns: 1, seed: 5 })[0]!;
  assert.throws(
    () =>
      render(
        { ...base, CdtTrfTxInf: { ...base.CdtTrfTxInf, ExctnCond: Buffer.alloc(32).toString('base64url'), VrfctnOfTerms: { IlpV4PrepPacket: packet } } },
        'iso-2026',
      ),
    /differs from the execution condition/,
  );
  // .08 carries the packet and the condition in supplementary data: they must agree there too.
  assert.throws(
    () =>
      render({ ...base, CdtTrfTxInf: { ...base.CdtTrfTxInf, ExctnCond: Buffer.alloc(32).toString('base64url'), VrfctnOfTerms: { IlpV4PrepPacket: packet } } }),
    /differs from the execution condition/,
  );
});

test('pacs.008.001.08: the condition and the ILP packet in supplementary data are checked against each other on the way in, as .14 checks PmtSgntr', () => {
  const base = fc.sample(pacs008, { numRuns: 1, seed: 11 })[0]!;
  const [packet, condition] = fc.sample(ilpPacket, { numRuns: 1, seed: 6 })[0]!;
  const message: Pacs008 = { ...base, CdtTrfTxInf: { ...base.CdtTrfTxInf, ExctnCond: condition, VrfctnOfTerms: { IlpV4PrepPacket: packet } } };
  const xml = renderBusinessMessage(
    { kind: 'pacs.008', message },
    { profile: 'iso-2019', hubFspId: HUB, header: fc.sample(header, { numRuns: 1, seed: 4 })[0]! },
  );
  const receive = (x: string) => receiveBusinessMessage(x, { hubFspId: HUB, certificatesOf: () => [], requireSignature: false });
  const got = receive(xml);
  assert.ok(got.document.kind === 'pacs.008');
  assert.equal(got.document.message.CdtTrfTxInf.ExctnCond, condition);
  // A bank's .08 whose supplementary condition is not the packet's is refused, naming both.
  const other = Buffer.alloc(32, 7).toString('base64url');
  // Only the condition in the supplementary data changes (the packet's base64url may hold the same text).
  const at = xml.indexOf(condition, xml.indexOf('ExctnCond'));
  assert.ok(at > 0);
  const tampered = xml.slice(0, at) + other + xml.slice(at + condition.length);
  assert.throws(
    () => receive(tampered),
    /ExctnCond differs from the execution condition of the ILP packet \(supplementary data VrfctnOfTerms\.IlpV4PrepPacket\)/,
  );
  // Without a condition beside it, the packet states it.
  const { ExctnCond: _c, ...withoutCondition } = message.CdtTrfTxInf;
  const bare = renderBusinessMessage(
    { kind: 'pacs.008', message: { ...message, CdtTrfTxInf: withoutCondition } },
    { profile: 'iso-2019', hubFspId: HUB, header: fc.sample(header, { numRuns: 1, seed: 4 })[0]! },
  );
  const derived = receive(bare);
  assert.ok(derived.document.kind === 'pacs.008');
  assert.equal(derived.document.message.CdtTrfTxInf.ExctnCond, condition);
});

test('bank messages: a pacs.008 without expiry or ILP terms reads with both absent', () => {
  const base = fc.sample(pacs008, { numRuns: 1, seed: 9 })[0]!;
  const { PmtInstrXpryDtTm: _e, ...grpHdr } = base.GrpHdr;
  const { ExctnCond: _c, VrfctnOfTerms: _v, SplmtryData: _s, ...tx } = base.CdtTrfTxInf;
  for (const profile of PROFILES) {
    const xml = renderBusinessMessage(
      { kind: 'pacs.008', message: { GrpHdr: grpHdr, CdtTrfTxInf: tx } },
      { profile, hubFspId: HUB, header: fc.sample(header, { numRuns: 1, seed: 4 })[0]! },
    );
    assert.doesNotMatch(xml, /SplmtryData|XpryDtTm|PmtSgntr/);
    const got = receiveBusinessMessage(xml, { hubFspId: HUB, certificatesOf: () => [], requireSignature: false });
    assert.ok(got.document.kind === 'pacs.008');
    assert.equal(got.document.message.GrpHdr.PmtInstrXpryDtTm, undefined);
    assert.equal(got.document.message.CdtTrfTxInf.ExctnCond, undefined);
    emitted.push(xml);
  }
});

test('a payment identified by its UETR (sent without TxId) is written without TxId; remittance, purpose and routing agents go to the bank', () => {
  const base = fc.sample(pacs008, { numRuns: 1, seed: 21 })[0]!;
  const uetr = '3f2c8a1e-9b4d-4c6e-8f1a-2b3c4d5e6f70';
  const tx = {
    ...base.CdtTrfTxInf,
    PmtId: { TxId: uetr, EndToEndId: 'E2E-2026-0301-0001', UETR: uetr },
    InstgAgt: { FinInstnId: { ClrSysMmbId: { ClrSysId: { Cd: 'USABA' }, MmbId: '011000015' } } },
    InstdAgt: { FinInstnId: { BICFI: 'BANKUS33XXX' } },
    Purp: { Cd: 'GDDS' },
    RmtInf: { Ustrd: ['Invoice 2026-0042', 'Delivery of 40 bags of maize'] },
  };
  for (const profile of PROFILES) {
    const xml = renderBusinessMessage(
      { kind: 'pacs.008', message: { ...base, CdtTrfTxInf: tx } },
      { profile, hubFspId: HUB, header: fc.sample(header, { numRuns: 1, seed: 4 })[0]! },
    );
    emitted.push(xml);
    assert.doesNotMatch(xml, /<TxId>/);
    assert.match(xml, new RegExp(`<EndToEndId>E2E-2026-0301-0001</EndToEndId><UETR>${uetr}</UETR>`));
    assert.match(
      xml,
      /<InstgAgt><FinInstnId><ClrSysMmbId><ClrSysId><Cd>USABA<\/Cd><\/ClrSysId><MmbId>011000015<\/MmbId><\/ClrSysMmbId><\/FinInstnId><\/InstgAgt><InstdAgt><FinInstnId><BICFI>BANKUS33XXX<\/BICFI>/,
    );
    assert.match(xml, /<Purp><Cd>GDDS<\/Cd><\/Purp><RmtInf><Ustrd>Invoice 2026-0042<\/Ustrd><Ustrd>Delivery of 40 bags of maize<\/Ustrd><\/RmtInf>/);
    const got = receiveBusinessMessage(xml, { hubFspId: HUB, certificatesOf: () => [], requireSignature: false });
    assert.ok(got.document.kind === 'pacs.008');
    assert.deepEqual(plain(got.document.message.CdtTrfTxInf), plain(tx));
    assert.equal(got.document.reference.OrgnlTxId, undefined);
    assert.equal(got.document.reference.OrgnlUETR, uetr);
  }
  assert.throws(
    () =>
      renderBusinessMessage(
        { kind: 'pacs.008', message: { ...base, CdtTrfTxInf: { ...tx, RmtInf: { Ustrd: ['x'.repeat(141)] } } } },
        { hubFspId: HUB, header: fc.sample(header, { numRuns: 1, seed: 4 })[0]! },
      ),
    (e: unknown) => e instanceof TranslationError && /RmtInf\.Ustrd\[0\]/.test(e.message),
  );
  assert.throws(
    () =>
      renderBusinessMessage(
        { kind: 'pacs.008', message: { ...base, CdtTrfTxInf: { ...tx, Purp: { Cd: 'GDDS', Prtry: 'X' } } } },
        { hubFspId: HUB, header: fc.sample(header, { numRuns: 1, seed: 4 })[0]! },
      ),
    TranslationError,
  );
});

test('pacs.002 status codes: ISO codes written, ISO and Mojaloop codes read', () => {
  const hdr = fc.sample(header, { numRuns: 1, seed: 6 })[0]!;
  const render = (m: Pacs002) => renderBusinessMessage({ kind: 'pacs.002', message: m }, { hubFspId: HUB, header: hdr });
  const base: Pacs002 = { GrpHdr: { MsgId: 'S', CreDtTm: '2026-03-01T10:00:00Z' }, TxInfAndSts: { OrgnlTxId: 'T' } };
  const written = (['RECV', 'RESV', 'COMM', 'ABOR'] as const).map(
    (s) => /<TxSts>(\w+)<\/TxSts>/.exec(render({ ...base, TxInfAndSts: { ...base.TxInfAndSts, TxSts: s } }))![1],
  );
  assert.deepEqual(written, ['RCVD', 'ACSP', 'ACSC', 'RJCT']);
  const xml = render({ ...base, TxInfAndSts: { ...base.TxInfAndSts, TxSts: 'RESV' } });
  const read = (code: string) => {
    const got = receiveBusinessMessage(xml.replace('<TxSts>ACSP</TxSts>', `<TxSts>${code}</TxSts>`), {
      hubFspId: HUB,
      certificatesOf: () => [],
      requireSignature: false,
    });
    return got.document.kind === 'pacs.002' ? got.document.message.TxInfAndSts.TxSts : undefined;
  };
  assert.deepEqual(['ACCP', 'ACSP', 'ACCC', 'ACSC', 'RJCT', 'RCVD', 'RESV'].map(read), ['RESV', 'RESV', 'COMM', 'COMM', 'ABOR', 'RECV', 'RESV']);
  assert.throws(
    () => read('XXXX'),
    (e: unknown) => e instanceof XmlRejection && e.kind === 'CONTENT',
  );
  // A rejection with a reason is the error form.
  const rejected = render({ ...base, TxInfAndSts: { ...base.TxInfAndSts, StsRsnInf: { Rsn: { Cd: 'AC04' }, AddtlInf: 'closed account' } } });
  assert.match(rejected, /<TxSts>RJCT<\/TxSts><StsRsnInf><Rsn><Cd>AC04<\/Cd><\/Rsn><AddtlInf>closed account<\/AddtlInf><\/StsRsnInf>/);
  emitted.push(rejected);
});

test('admi.002 from a rejection; camt.029 from a transfer state', () => {
  const r = new XmlRejection('SCHEMA', "pacs.008.001.08: Element 'ChrgBr': not valid", {
    line: 3,
    column: 7,
    path: '/Message/Document/FIToFICstmrCdtTrf/CdtTrfTxInf/ChrgBr',
  });
  const reject = messageRejectOf(r, 'BIZ-9', new Date('2026-03-01T10:00:00Z'));
  assert.deepEqual(reject, {
    RltdRef: { Ref: 'BIZ-9' },
    Rsn: {
      RjctgPtyRsn: 'FF01',
      RjctnDtTm: '2026-03-01T10:00:00.000Z',
      RsnDesc: r.description,
      ErrLctn: 'line 3, column 7, /Message/Document/FIToFICstmrCdtTrf/CdtTrfTxInf/ChrgBr',
    },
  });
  const hdr = fc.sample(header, { numRuns: 1, seed: 8 })[0]!;
  emitted.push(renderBusinessMessage({ kind: 'admi.002', message: reject }, { hubFspId: HUB, header: hdr }));
  const request = fc.sample(camt056, { numRuns: 1, seed: 8 })[0]!;
  const hub: Agent = { FinInstnId: { Othr: { Id: HUB } } };
  for (const [state, conf, sts] of [
    [null, 'RJCR', 'RJCR'],
    ['ABORTED', 'CNCL', 'ACCR'],
    ['RESERVED', 'PDCR', 'PDCR'],
    ['COMMITTED', 'RJCR', 'RJCR'],
  ] as const) {
    const res = resolveCancellation(request, state, { Id: 'R-1', CreDtTm: '2026-03-01T10:00:00Z', hub });
    assert.equal(res.Sts.Conf, conf);
    assert.equal(res.CxlDtls?.TxInfAndSts.TxCxlSts, sts);
    for (const profile of PROFILES) emitted.push(renderBusinessMessage({ kind: 'camt.029', message: res }, { profile, hubFspId: HUB, header: hdr }));
  }
});

// Registered last so that it runs after every property has filled `emitted`.
test('every emitted message validates against the OFFICIAL schemas (Xerces, one JVM)', async (t) => {
  assert.ok(emitted.length >= RUNS * 8 * 2, `rendered ${emitted.length} messages`);
  const started = Date.now();
  await assertOfficiallyValid(emitted, 'emitted message');
  t.diagnostic(`${emitted.length} messages validated against the official XSDs in ${Date.now() - started} ms`);
});
