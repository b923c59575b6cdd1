/**
 * The FSPIOP Currency enum (api-snippets) with ISO 4217 minor units. Codes that ISO 4217 gives no
 * minor unit (XDR, XTS, XXX) or that are not ISO codes but appear in the FSPIOP enum get the
 * ledger's scale (4), the most any FSPIOP amount can carry.
 */
const ZERO = 'BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX VND VUV XAF XOF XPF';
const THREE = 'BHD IQD JOD KWD LYD OMR TND';
const FOUR = 'XDR XTS XXX';
const ALL =
  'AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD CAD CDF CHF CLP CNY ' +
  'COP CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GGP GHS GIP GMD GNF GTQ GYD HKD HNL HRK HTG HUF ' +
  'IDR ILS IMP INR IQD IRR ISK JEP JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD ' +
  'MMK MNT MOP MRO MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR ' +
  'SBD SCR SDG SEK SGD SHP SLL SOS SPL SRD STD SVC SYP SZL THB TJS TMT TND TOP TRY TTD TVD TWD TZS UAH UGX USD UYU UZS VEF ' +
  'VND VUV WST XAF XCD XDR XOF XPF XTS XXX YER ZAR ZMW ZWD';

const minorUnits = new Map<string, number>();
for (const code of ALL.split(' ')) minorUnits.set(code, 2);
for (const code of ZERO.split(' ')) minorUnits.set(code, 0);
for (const code of THREE.split(' ')) minorUnits.set(code, 3);
for (const code of FOUR.split(' ')) minorUnits.set(code, 4);

export const CURRENCIES: readonly string[] = [...minorUnits.keys()];

export function isCurrency(code: string): boolean {
  return minorUnits.has(code);
}

/** Decimal places the currency allows; undefined for a code outside the enum. */
export function currencyDecimals(code: string): number | undefined {
  return minorUnits.get(code);
}
