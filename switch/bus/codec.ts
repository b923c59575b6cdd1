/**
 * What a bus that leaves the process carries: a command or a reply as JSON text that decodes to exactly the value
 * that was encoded. Plain JSON would lose what the commands hold: bigint (LedgerUnits, IsoUnits), Buffer (the body
 * as received), undefined-valued properties, -0, NaN and the infinities, objects without a prototype. Each of those
 * travels as a one-key tagged object:
 *
 *   {"$bigint":"-12"}  {"$bytes":"<base64>"}  {"$undefined":1}  {"$number":"-0" | "NaN" | "Infinity" | "-Infinity"}
 *   {"$null-proto":{...}}
 *
 * and a key of the value's own that starts with `$` is written with one more `$` in front ("$ref" -> "$$ref"), so no
 * value can pass for a tag. Anything else (class instances such as Date, Map, Error; Uint8Array that is not a Buffer;
 * functions, symbols, symbol keys, sparse arrays, cycles) is refused with a CodecError naming where it sits: the
 * in-process bus would hand it over as it is, this one cannot, and saying so beats a subtly different value on the
 * other side. Shared references arrive as copies.
 */
export class CodecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CodecError';
  }
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const TAGS = new Set(['$bigint', '$bytes', '$undefined', '$number', '$null-proto']);

export function encode(value: unknown): string {
  return JSON.stringify(toJson(value, '$', new Set()));
}

export function decode(text: string): unknown {
  return fromJson(JSON.parse(text) as Json, '$');
}

function toJson(value: unknown, path: string, open: Set<object>): Json {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0) ? value : { $number: Object.is(value, -0) ? '-0' : String(value) };
    case 'bigint':
      return { $bigint: value.toString() };
    case 'undefined':
      return { $undefined: 1 };
    case 'object':
      if (value === null) return null;
      if (open.has(value)) throw new CodecError(`${path} refers back to an enclosing value (a cycle)`);
      open.add(value);
      try {
        return containerToJson(value, path, open);
      } finally {
        open.delete(value);
      }
    default:
      throw new CodecError(`${path} is a ${typeof value}, which the bus cannot carry`);
  }
}

function containerToJson(value: object, path: string, open: Set<object>): Json {
  if (Buffer.isBuffer(value)) return { $bytes: value.toString('base64') };
  if (Array.isArray(value)) {
    const out: Json[] = [];
    for (let i = 0; i < value.length; i++) {
      if (!(i in value)) throw new CodecError(`${path}[${i}] is a hole in a sparse array`);
      out.push(toJson(value[i], `${path}[${i}]`, open));
    }
    return out;
  }
  const proto = Object.getPrototypeOf(value) as object | null;
  if (proto !== Object.prototype && proto !== null) {
    throw new CodecError(`${path} is an instance of ${value.constructor?.name ?? 'a class'}, which the bus cannot carry (plain objects only)`);
  }
  if (Object.getOwnPropertySymbols(value).length > 0) throw new CodecError(`${path} has symbol keys`);
  const out: { [key: string]: Json } = {};
  for (const key of Object.keys(value)) {
    const encoded = toJson((value as Record<string, unknown>)[key], `${path}.${key}`, open);
    Object.defineProperty(out, key.startsWith('$') ? `$${key}` : key, { value: encoded, enumerable: true, writable: true, configurable: true });
  }
  return proto === null ? { '$null-proto': out } : out;
}

function fromJson(json: Json, path: string): unknown {
  if (json === null || typeof json !== 'object') return json;
  if (Array.isArray(json)) return json.map((item, i) => fromJson(item, `${path}[${i}]`));
  const keys = Object.keys(json);
  if (keys.length === 1 && TAGS.has(keys[0]!)) return fromTag(keys[0]!, json[keys[0]!]!, path);
  return objectFromJson(json, Object.prototype, path);
}

function objectFromJson(json: { [key: string]: Json }, proto: object | null, path: string): object {
  const out = Object.create(proto) as Record<string, unknown>;
  for (const key of Object.keys(json)) {
    if (!key.startsWith('$$') && key.startsWith('$')) throw new CodecError(`${path} holds the key ${key}, which is no tag of this codec`);
    const own = key.startsWith('$') ? key.slice(1) : key;
    // defineProperty: a key such as "__proto__" is data here, never the prototype.
    Object.defineProperty(out, own, { value: fromJson(json[key]!, `${path}.${own}`), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function fromTag(tag: string, body: Json, path: string): unknown {
  if (tag === '$undefined') return undefined;
  if (tag === '$null-proto') {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new CodecError(`${path}: $null-proto must hold an object`);
    return objectFromJson(body, null, path);
  }
  if (typeof body !== 'string') throw new CodecError(`${path}: ${tag} must hold a string`);
  if (tag === '$bigint') {
    if (!/^-?\d+$/.test(body)) throw new CodecError(`${path}: $bigint ${JSON.stringify(body.slice(0, 40))} is not an integer`);
    return BigInt(body);
  }
  if (tag === '$bytes') return Buffer.from(body, 'base64');
  const special: Record<string, number> = { '-0': -0, NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };
  if (!Object.prototype.hasOwnProperty.call(special, body))
    throw new CodecError(`${path}: $number ${JSON.stringify(body.slice(0, 40))} is not -0, NaN or ±Infinity`);
  return special[body];
}
