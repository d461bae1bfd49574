/**
 * Response schemas registered on the routes, derived from each resource's one definition: Fastify
 * serialises the 200/201 bodies with them (fast-json-stringify) and they document the output.
 *
 * fast-json-stringify writes only what a schema names and fails on a missing required property, so the
 * item schema is the resource's with every property optional (`fields=` returns a subset) and
 * `additionalProperties` kept (an attribute added to a view is never silently dropped). Nullable values
 * become `type: [T, "null"]` instead of TypeBox's `anyOf`, which the serialiser would resolve by running
 * a validator on every value.
 *
 * @module
 */
import { type TObject, Type } from '@sinclair/typebox';
import type { ResourceNames } from './body.js';
import { isJsonObject } from './converters.js';

/** A JSON Schema as Fastify takes it (plain data, no TypeBox symbols). */
export type JsonSchema = { readonly [key: string]: unknown };

/** `anyOf: [{type: T}, {type: "null"}]` → `type: [T, "null"]`, everywhere in the schema. */
function withNullableTypes(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withNullableTypes);
  if (typeof schema !== 'object' || schema === null) return schema;
  const entries = Object.entries(schema).map(([key, value]) => [key, withNullableTypes(value)] as const);
  const out = Object.fromEntries(entries);
  const anyOf = out['anyOf'];
  if (Array.isArray(anyOf) && anyOf.length === 2) {
    const simple = anyOf.every(
      (branch) =>
        typeof branch === 'object' &&
        branch !== null &&
        Object.keys(branch).length === 1 &&
        typeof branch.type === 'string' &&
        branch.type !== 'object' &&
        branch.type !== 'array',
    );
    if (simple && anyOf.some((branch) => branch.type === 'null')) {
      const { anyOf: _anyOf, ...rest } = out;
      return { ...rest, type: anyOf.map((branch) => branch.type) };
    }
  }
  return out;
}

/** The schema as plain JSON data, nullables rewritten for the serialiser. */
function serialisable(schema: TObject): JsonSchema {
  const plain: unknown = withNullableTypes(JSON.parse(JSON.stringify(schema)));
  return isJsonObject(plain) ? plain : {};
}

/** One item of a response: every property optional, unknown properties kept. */
function itemOf(resource: TObject): TObject {
  return Type.Partial(resource, { additionalProperties: true });
}

/** A `<collection>_links` entry (spec 1.2). */
const PageLink = Type.Object({ rel: Type.String(), href: Type.String() });

/** The response schemas of one resource's routes. */
export interface ResourceResponses {
  /** `{<plural>: [...], <plural>_links?: [...]}` (GET collection). */
  readonly list: JsonSchema;
  /** `{<singular>: {...}}` (GET member, PUT). */
  readonly one: JsonSchema;
  /** `{<singular>: {...}}` or, for a bulk create, `{<plural>: [...]}` (POST). */
  readonly created: JsonSchema;
}

/** The response schemas of a resource named `names` whose one definition is `resource`. */
export function resourceResponses(names: ResourceNames, resource: TObject): ResourceResponses {
  const item = itemOf(resource);
  return {
    list: serialisable(
      Type.Object({
        [names.plural]: Type.Array(item),
        [`${names.plural}_links`]: Type.Optional(Type.Array(PageLink)),
      }),
    ),
    one: serialisable(Type.Object({ [names.singular]: item })),
    created: serialisable(
      Type.Object({
        [names.singular]: Type.Optional(item),
        [names.plural]: Type.Optional(Type.Array(item)),
      }),
    ),
  };
}

/** `{<key>: [items]}`, for routes outside the five generic ones (agents, an agent's networks). */
export function listResponse(key: string, resource: TObject): JsonSchema {
  return serialisable(Type.Object({ [key]: Type.Array(itemOf(resource)) }));
}

/** `{<key>: item}`, for routes outside the five generic ones. */
export function oneResponse(key: string, resource: TObject): JsonSchema {
  return serialisable(Type.Object({ [key]: itemOf(resource) }));
}
