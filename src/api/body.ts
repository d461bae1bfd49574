/**
 * Request bodies (spec 1.1): the envelope (`{"network": {...}}` or, for bulk create, `{"networks":
 * [...]}`), then the attribute pipeline in Neutron's order: project reconciliation, unknown attributes,
 * attributes not allowed in this method, required attributes, converters.
 *
 * @module
 */
import { QdhcpError } from '../common/errors.js';
import type { RequestContext } from '../service/context.js';
import type { AttributeMap } from './attributes.js';

/** Names of a resource in bodies and URLs. */
export interface ResourceNames {
  readonly singular: string;
  readonly plural: string;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The items of a POST body: one for a single create, several for bulk. */
export function createItems(body: unknown, names: ResourceNames): Record<string, unknown>[] {
  if (!isObject(body)) throw new QdhcpError('BODY_INVALID');
  if (names.plural in body && !(names.singular in body)) {
    const list = body[names.plural];
    if (!Array.isArray(list)) throw new QdhcpError('BODY_INVALID');
    if (list.length === 0) throw new QdhcpError('BULK_EMPTY');
    return list.map((item: unknown) => {
      const inner =
        isObject(item) && names.singular in item && isObject(item[names.singular])
          ? item[names.singular]
          : item;
      if (!isObject(inner)) throw new QdhcpError('BODY_INVALID');
      return inner;
    });
  }
  const item = body[names.singular];
  if (!isObject(item)) throw new QdhcpError('RESOURCE_KEY_MISSING', { resource: names.singular });
  return [item];
}

/** The attributes of a PUT body. */
export function updateItem(body: unknown, names: ResourceNames): Record<string, unknown> {
  if (!isObject(body)) throw new QdhcpError('BODY_INVALID');
  if (names.plural in body && !(names.singular in body))
    throw new QdhcpError('BULK_NOT_SUPPORTED', { method: 'PUT' });
  const item = body[names.singular];
  if (!isObject(item)) throw new QdhcpError('RESOURCE_KEY_MISSING', { resource: names.singular });
  return item;
}

function rejectUnknown(item: Record<string, unknown>, attributes: AttributeMap): void {
  const unknown = Object.keys(item).filter((key) => !(key in attributes));
  if (unknown.length > 0) throw new QdhcpError('UNRECOGNIZED_ATTRIBUTES', { names: unknown.join(', ') });
}

function convertAll(item: Record<string, unknown>, attributes: AttributeMap): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(item)) {
    const convert = attributes[key]?.convert;
    out[key] = convert ? convert(value, key) : value;
  }
  return out;
}

/**
 * Create pipeline. Returns the converted attributes; `project_id` is set (from `tenant_id` if only that
 * was given) and `tenant_id` dropped, so services see one project attribute.
 */
export function parseCreate(
  item: Record<string, unknown>,
  attributes: AttributeMap,
  context: RequestContext,
): Record<string, unknown> {
  const { tenant_id: tenantId, project_id: projectId } = item;
  if (tenantId !== undefined && projectId !== undefined && tenantId !== projectId) {
    throw new QdhcpError('PROJECT_ID_MISMATCH');
  }
  const project = projectId ?? tenantId;
  if (project !== undefined && !context.isAdmin && project !== context.projectId) {
    throw new QdhcpError('FOREIGN_PROJECT');
  }
  rejectUnknown(item, attributes);
  for (const key of Object.keys(item)) {
    if (!attributes[key]!.post) throw new QdhcpError('ATTRIBUTE_NOT_ALLOWED_IN_POST', { attr: key });
  }
  for (const [key, spec] of Object.entries(attributes)) {
    if (spec.required && !(key in item)) throw new QdhcpError('MISSING_ATTRIBUTE', { attr: key });
  }
  const { tenant_id: _tenant, ...rest } = item;
  const converted = convertAll(project === undefined ? rest : { ...rest, project_id: project }, attributes);
  return converted;
}

/** Update pipeline: unknown and read-only attributes are refused; only given attributes are converted. */
export function parseUpdate(
  item: Record<string, unknown>,
  attributes: AttributeMap,
): Record<string, unknown> {
  rejectUnknown(item, attributes);
  for (const key of Object.keys(item)) {
    if (!attributes[key]!.put) throw new QdhcpError('READ_ONLY_ATTRIBUTE', { attr: key });
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
