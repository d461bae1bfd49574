/**
 * Attribute converters and validators of the HTTP edge (neutron_lib/api/converters.py and validators):
 * each takes the raw JSON value and returns the typed value or throws the catalog error Neutron raises
 * (`HTTPBadRequest` "Invalid input for <attr>. Reason: <reason>." for validators, `InvalidInput` for
 * converters).
 *
 * @module
 */
import { QdhcpError } from '../common/errors.js';
import { parseIp, parseMac } from '../ipam/index.js';

/** Converts one attribute value to a `T`; `name` is the attribute, for messages. */
export type Converter<T = unknown> = (value: unknown, name: string) => T;

/** True for a JSON object (not null, not an array): what a body, an item or a dictionary must be. */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Python-ish repr of a value for messages (`'abc'`, `5`, `None`). */
export function repr(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** Validator failure: 400 HTTPBadRequest `Invalid input for <attr>. Reason: <reason>.` */
export function invalidAttribute(name: string, reason: string): QdhcpError {
  return new QdhcpError('INVALID_ATTRIBUTE', { attr: name, reason });
}

/** Converter failure: 400 InvalidInput `Invalid input for operation: <message>.` */
export function invalidInput(message: string): QdhcpError {
  return new QdhcpError('INVALID_INPUT', { error_message: message });
}

const TRUE_TEXTS = ['1', 't', 'true', 'on', 'y', 'yes'];
const FALSE_TEXTS = ['0', 'f', 'false', 'off', 'n', 'no'];

export const toBoolean: Converter<boolean> = (value) => {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' || typeof value === 'number') {
    const text = String(value).toLowerCase();
    if (TRUE_TEXTS.includes(text)) return true;
    if (FALSE_TEXTS.includes(text)) return false;
  }
  throw invalidInput(`${repr(value)} cannot be converted to boolean`);
};

/** Integers, also from their decimal text (the CLI sends `"mtu": "1450"`). */
export function toInteger(options: { min?: number; max?: number } = {}): Converter<number> {
  return (value, name) => {
    let number: number | undefined;
    if (typeof value === 'number' && Number.isInteger(value)) number = value;
    else if (typeof value === 'string' && /^\s*[-+]?\d+\s*$/.test(value)) number = Number(value);
    if (number === undefined || !Number.isSafeInteger(number))
      throw invalidInput(`${repr(value)} is not an integer`);
    if (options.min !== undefined && number < options.min) {
      throw invalidAttribute(name, `'${number}' should be greater than or equal to ${options.min}`);
    }
    if (options.max !== undefined && number > options.max) {
      throw invalidAttribute(name, `'${number}' should be less than or equal to ${options.max}`);
    }
    return number;
  };
}

export function toText(maxLength = 255): Converter<string> {
  return (value, name) => {
    if (typeof value !== 'string') throw invalidAttribute(name, `${repr(value)} is not a valid string`);
    if (value.length > maxLength)
      throw invalidAttribute(name, `'${value}' exceeds maximum length of ${maxLength}`);
    return value;
  };
}

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

export const toUuid: Converter<string> = (value, name) => {
  if (typeof value !== 'string' || !UUID.test(value))
    throw invalidAttribute(name, `${repr(value)} is not a valid UUID`);
  return value;
};

export function nullable<T>(inner: Converter<T>): Converter<T | null> {
  return (value, name) => (value === null ? null : inner(value, name));
}

/** One of `values`, compared as given (no conversion). */
export function oneOf<const V extends string | number>(values: readonly V[]): Converter<V> {
  return (value, name) => {
    const found = values.find((allowed) => allowed === value);
    if (found === undefined) {
      throw invalidAttribute(name, `${repr(value)} is not in [${values.map(repr).join(', ')}]`);
    }
    return found;
  };
}

export const toIpVersion: Converter<4 | 6> = (value, name) => {
  let number: number | undefined;
  try {
    number = toInteger()(value, name);
  } catch {
    throw invalidAttribute(name, `${repr(value)} is not in [4, 6]`);
  }
  if (number === 4 || number === 6) return number;
  throw invalidAttribute(name, `${repr(value)} is not in [4, 6]`);
};

export const toIpAddress: Converter<string> = (value, name) => {
  if (typeof value !== 'string') throw invalidAttribute(name, `${repr(value)} is not a valid IP address`);
  const parsed = parseIp(value);
  if (!parsed.ok) throw invalidAttribute(name, parsed.reason ?? `${repr(value)} is not a valid IP address`);
  return value;
};

export const toMac: Converter<string> = (value, name) => {
  if (typeof value !== 'string') throw invalidAttribute(name, `${repr(value)} is not a valid MAC address`);
  const parsed = parseMac(value);
  if (!parsed.ok) throw invalidAttribute(name, parsed.reason ?? `${repr(value)} is not a valid MAC address`);
  return parsed.value;
};

export function listOf<T>(item: Converter<T>, options: { unique?: boolean } = {}): Converter<T[]> {
  return (value, name) => {
    if (!Array.isArray(value)) throw invalidAttribute(name, `${repr(value)} is not a list`);
    const out = value.map((v) => item(v, name));
    if (options.unique) {
      const seen = new Set<string>();
      for (const v of out) {
        const key = JSON.stringify(v);
        if (seen.has(key)) throw invalidAttribute(name, `Duplicate items in the list: ${repr(v)}`);
        seen.add(key);
      }
    }
    return out;
  };
}

/**
 * The fields of a JSON object item whose keys must all be in `allowed` (Neutron's "Invalid data format for
 * <describe>" otherwise). Converters of object items read its fields (`requiredField`, or `key in fields`
 * for optional ones) in the order Neutron's validator checks them.
 */
export function objectFields(
  value: unknown,
  name: string,
  describe: string,
  allowed: readonly string[],
): Record<string, unknown> {
  if (!isJsonObject(value))
    throw invalidAttribute(name, `Invalid data format for ${describe}: ${repr(value)}`);
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key))
      throw invalidAttribute(name, `Invalid data format for ${describe}: '${key}' is not allowed`);
  }
  return value;
}

/** Field `key` of an item from `objectFields`, converted; missing → "'<key>' is required". */
export function requiredField<T>(
  fields: Record<string, unknown>,
  key: string,
  name: string,
  describe: string,
  convert: Converter<T>,
): T {
  if (!(key in fields))
    throw invalidAttribute(name, `Invalid data format for ${describe}: '${key}' is required`);
  return convert(fields[key], name);
}

/** Any JSON object (e.g. `binding:profile`). */
export const toDict: Converter<Record<string, unknown>> = (value, name) => {
  if (!isJsonObject(value)) throw invalidAttribute(name, `${repr(value)} is not a dictionary`);
  return value;
};

/** A plain string without validation beyond its type (CIDRs are validated by IPAM in the service). */
export const toAnyString: Converter<string> = (value) => {
  if (typeof value !== 'string') throw invalidInput(`${repr(value)} is not in a CIDR format`);
  return value;
};

const DNS_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * A DNS name or domain (dns-integration): lower-cased; labels of 1–63 letters, digits and hyphens, not
 * starting or ending with a hyphen; an optional trailing dot; at most 255 characters; '' allowed.
 */
export const toDnsName: Converter<string> = (value, name) => {
  if (typeof value !== 'string') throw invalidAttribute(name, `${repr(value)} is not a valid string`);
  const lower = value.toLowerCase();
  if (lower === '') return lower;
  if (lower.length > 255) throw invalidAttribute(name, `'${value}' exceeds maximum length of 255`);
  const labels = (lower.endsWith('.') ? lower.slice(0, -1) : lower).split('.');
  for (const label of labels) {
    if (!DNS_LABEL.test(label)) {
      throw invalidAttribute(
        name,
        `'${value}' not a valid PQDN or FQDN. Reason: '${label}' is not a valid DNS label`,
      );
    }
  }
  if (/^[0-9]+$/.test(labels[labels.length - 1]!)) {
    throw invalidAttribute(
      name,
      `'${value}' not a valid PQDN or FQDN. Reason: TLD '${labels.at(-1)}' must not be all numeric`,
    );
  }
  return lower;
};
