/**
 * Request bodies (spec 1.1): the envelope (`{"network": {...}}` or, for bulk create, `{"networks":
 * [...]}`), then the attribute pipeline in Neutron's order: project reconciliation, unknown attributes,
 * attributes not allowed in this method, required attributes, converters.
 *
 * @module
 */
import { QdhcpError } from '../common/errors.js';
import type { RequestContext } from '../service/context.js';
import type { AttributeMap, AttributesOf, WritableAttributes } from './attribute-map.js';
import { isJsonObject } from './converters.js';

/** Names of a resource in bodies and URLs. */
export interface ResourceNames {
  readonly singular: string;
  readonly plural: string;
}

/** The items of a POST body: one for a single create, several (`bulk`) for a bulk create. */
export function createItems(
  body: unknown,
  names: ResourceNames,
): { readonly items: Record<string, unknown>[]; readonly bulk: boolean } {
  if (!isJsonObject(body)) throw new QdhcpError('BODY_INVALID');
  const bulk = !(names.singular in body);
  if (names.plural in body && !(names.singular in body)) {
    const list = body[names.plural];
    if (!Array.isArray(list)) throw new QdhcpError('BODY_INVALID');
    if (list.length === 0) throw new QdhcpError('BULK_EMPTY');
    const items = list.map((item: unknown) => {
      const inner =
        isJsonObject(item) && names.singular in item && isJsonObject(item[names.singular])
          ? item[names.singular]
          : item;
      if (!isJsonObject(inner)) throw new QdhcpError('BODY_INVALID');
      return inner;
    });
    return { items, bulk };
  }
  const item = body[names.singular];
  if (!isJsonObject(item)) throw new QdhcpError('RESOURCE_KEY_MISSING', { resource: names.singular });
  return { items: [item], bulk };
}

/** The attributes of a PUT body. */
export function updateItem(body: unknown, names: ResourceNames): Record<string, unknown> {
  if (!isJsonObject(body)) throw new QdhcpError('BODY_INVALID');
  if (names.plural in body && !(names.singular in body))
    throw new QdhcpError('BULK_NOT_SUPPORTED', { method: 'PUT' });
  const item = body[names.singular];
  if (!isJsonObject(item)) throw new QdhcpError('RESOURCE_KEY_MISSING', { resource: names.singular });
  return item;
}

function rejectUnknown(item: Record<string, unknown>, attributes: AttributeMap): void {
  // Own keys only: `constructor` or `__proto__` in a body is unrecognised, not an inherited property.
  const unknown = Object.keys(item).filter((key) => !Object.hasOwn(attributes, key));
  if (unknown.length > 0) throw new QdhcpError('UNRECOGNIZED_ATTRIBUTES', { names: unknown.join(', ') });
}

/** The input being built: the attributes converted so far. */
type Converted<I> = { -readonly [K in keyof I]?: I[K] };

/**
 * True when `key` names a writable attribute, which in a map typed `AttributesOf<I>` is an attribute of
 * `I` (the one writable exception, `tenant_id`, is removed before conversion).
 */
function isInputKey<I>(attributes: AttributeMap, key: string): key is Extract<keyof I, string> {
  return attributes[key]?.convert !== undefined;
}

/** Converts one attribute into `out`; generic in the key so its converter's type is the input's. */
function convertInto<I, K extends keyof I>(
  out: Converted<I>,
  attributes: WritableAttributes<I>,
  key: K & string,
  value: unknown,
): void {
  out[key] = attributes[key].convert(value, key);
}

/** Converts every attribute of an already checked item (each one is writable in this method). */
function convertAll<I>(item: Record<string, unknown>, attributes: AttributesOf<I>): Partial<I> {
  const out: Converted<I> = {};
  for (const [key, value] of Object.entries(item)) {
    if (isInputKey<I>(attributes, key)) convertInto(out, attributes, key, value);
  }
  return out;
}

/**
 * Create pipeline. Returns the converted attributes; `project_id` is set (from `tenant_id` if only that
 * was given) and `tenant_id` dropped, so services see one project attribute.
 */
export function parseCreate<I>(
  item: Record<string, unknown>,
  attributes: AttributesOf<I>,
  context: RequestContext,
): Partial<I> {
  const { tenant_id: tenantId, project_id: projectId } = item;
  if (tenantId !== undefined && projectId !== undefined && tenantId !== projectId) {
    throw new QdhcpError('PROJECT_ID_MISMATCH');
  }
  const project = projectId ?? tenantId;
  if (project !== undefined && !context.isAdmin && project !== context.projectId) {
    throw new QdhcpError('FOREIGN_PROJECT');
  }
  rejectUnknown(item, attributes);
  const map: AttributeMap = attributes;
  for (const key of Object.keys(item)) {
    if (!map[key]!.post) throw new QdhcpError('ATTRIBUTE_NOT_ALLOWED_IN_POST', { attr: key });
  }
  for (const [key, spec] of Object.entries(map)) {
    if (spec.required && !(key in item)) throw new QdhcpError('MISSING_ATTRIBUTE', { attr: key });
  }
  const { tenant_id: _tenant, ...rest } = item;
  const converted = convertAll(project === undefined ? rest : { ...rest, project_id: project }, attributes);
  return converted;
}

/** Update pipeline: unknown and read-only attributes are refused; only given attributes are converted. */
export function parseUpdate<I>(item: Record<string, unknown>, attributes: AttributesOf<I>): Partial<I> {
  const map: AttributeMap = attributes;
  rejectUnknown(item, map);
  for (const key of Object.keys(item)) {
    if (!map[key]!.put) throw new QdhcpError('READ_ONLY_ATTRIBUTE', { attr: key });
  }
  return convertAll(item, attributes);
}

/** `If-Match: revision_number=N` (revision-if-match); absent → undefined; malformed or repeated → 400. */
export function parseIfMatch(header: string | string[] | undefined): number | undefined {
  if (header === undefined) return undefined;
  const text = Array.isArray(header) ? header.join(',') : header;
  const match = /^\s*revision_number=(\d+)\s*$/.exec(text);
  if (!match) throw new QdhcpError('INVALID_IF_MATCH', { header: text });
  return Number(match[1]);
}
