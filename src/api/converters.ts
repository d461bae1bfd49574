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

/** Converts one attribute value; `name` is the attribute, for messages. */
export type Converter = (value: unknown, name: string) => unknown;

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

export const toBoolean: Converter = (value) => {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' || typeof value === 'number') {
    const text = String(value).toLowerCase();
    if (TRUE_TEXTS.includes(text)) return true;
    if (FALSE_TEXTS.includes(text)) return false;
  }
  throw invalidInput(`${repr(value)} cannot be converted to boolean`);
};

/** Integers, also from their decimal text (the CLI sends `"mtu": "1450"`). */
export function toInteger(options: { min?: number; max?: number } = {}): Converter {
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

export function toText(maxLength = 255): Converter {
  return (value, name) => {
    if (typeof value !== 'string') throw invalidAttribute(name, `${repr(value)} is not a valid string`);
    if (value.length > maxLength)
      throw invalidAttribute(name, `'${value}' exceeds maximum length of ${maxLength}`);
    return value;
  };
}

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

export const toUuid: Converter = (value, name) => {
  if (typeof value !== 'string' || !UUID.test(value))
    throw invalidAttribute(name, `${repr(value)} is not a valid UUID`);
  return value;
};

export function nullable(inner: Converter): Converter {
  return (value, name) => (value === null ? null : inner(value, name));
}

export function oneOf(values: readonly (string | number)[], convert?: Converter): Converter {
  return (value, name) => {
    const converted = convert ? convert(value, name) : value;
    if (!values.includes(converted as string | number)) {
      throw invalidAttribute(name, `${repr(value)} is not in [${values.map(repr).join(', ')}]`);
    }
    return converted;
  };
}

export const toIpVersion: Converter = (value, name) => {
  let number: number | undefined;
  try {
    number = toInteger()(value, name) as number;
  } catch {
    throw invalidAttribute(name, `${repr(value)} is not in [4, 6]`);
  }
  if (number !== 4 && number !== 6) throw invalidAttribute(name, `${repr(value)} is not in [4, 6]`);
  return number;
};

export const toIpAddress: Converter = (value, name) => {
  if (typeof value !== 'string') throw invalidAttribute(name, `${repr(value)} is not a valid IP address`);
  const parsed = parseIp(value);
  if (!parsed.ok) throw invalidAttribute(name, parsed.reason ?? `${repr(value)} is not a valid IP address`);
  return value;
};

export const toMac: Converter = (value, name) => {
  if (typeof value !== 'string') throw invalidAttribute(name, `${repr(value)} is not a valid MAC address`);
  const parsed = parseMac(value);
  if (!parsed.ok) throw invalidAttribute(name, parsed.reason ?? `${repr(value)} is not a valid MAC address`);
  return parsed.value;
};

export function listOf(item: Converter, options: { unique?: boolean } = {}): Converter {
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

/** A JSON object with exactly the allowed keys (the required ones present). */
export function objectOf(
  fields: Readonly<Record<string, { convert: Converter; required?: boolean }>>,
  describe: string,
): Converter {
  return (value, name) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw invalidAttribute(name, `Invalid data format for ${describe}: ${repr(value)}`);
    }
    const record = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(record)) {
      if (!(key in fields))
        throw invalidAttribute(name, `Invalid data format for ${describe}: '${key}' is not allowed`);
    }
    for (const [key, field] of Object.entries(fields)) {
      if (!(key in record)) {
        if (field.required)
          throw invalidAttribute(name, `Invalid data format for ${describe}: '${key}' is required`);
        continue;
      }
      out[key] = field.convert(record[key], name);
    }
    return out;
  };
}

/** Any JSON object (e.g. `binding:profile`). */
export const toDict: Converter = (value, name) => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidAttribute(name, `${repr(value)} is not a dictionary`);
  }
  return value;
};

/** A plain string without validation beyond its type (CIDRs are validated by IPAM in the service). */
export const toAnyString: Converter = (value) => {
  if (typeof value !== 'string') throw invalidInput(`${repr(value)} is not in a CIDR format`);
  return value;
};

const DNS_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * A DNS name or domain (dns-integration): lower-cased; labels of 1–63 letters, digits and hyphens, not
 * starting or ending with a hyphen; an optional trailing dot; at most 255 characters; '' allowed.
 */
export const toDnsName: Converter = (value, name) => {
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
