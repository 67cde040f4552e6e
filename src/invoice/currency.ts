// ISO 4217 currencies with their minor units (the number of decimals of the currency). Codes
// whose minor unit is "N.A." in ISO 4217 (XXX, XAU, XDR, XTS, ...) are not money here.

const ZERO = 'BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF';
const THREE = 'BHD IQD JOD KWD LYD OMR TND';
const FOUR = 'CLF UYW';
const TWO =
  'AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN ' +
  'BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP ' +
  'GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK ' +
  'LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK ' +
  'NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP ' +
  'STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER ' +
  'ZAR ZMW ZWG';

const MINOR_UNITS: ReadonlyMap<string, number> = new Map([
  ...ZERO.split(' ').map((code) => [code, 0] as const),
  ...TWO.split(' ').map((code) => [code, 2] as const),
  ...THREE.split(' ').map((code) => [code, 3] as const),
  ...FOUR.split(' ').map((code) => [code, 4] as const),
]);

/** The currency's minor units (JPY 0, USD 2, KWD 3), or undefined for a code ISO 4217 does not define as money. */
export function minorUnits(code: string): number | undefined {
  return MINOR_UNITS.get(code);
}

/** Every known currency code (for generators and tests). */
export function knownCurrencies(): string[] {
  return [...MINOR_UNITS.keys()];
}
