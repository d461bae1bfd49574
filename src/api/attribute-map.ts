/**
 * The shape of an attribute map (neutron_lib/api/definitions): per attribute, whether POST and PUT may
 * carry it, whether it is required, how it is converted and how lists filter and sort by it. A map is
 * typed by the service input `I` it produces (`AttributesOf<I>`): every attribute of `I` must have a
 * converter whose result is exactly that attribute's type, so the request pipeline (`body.ts`) hands the
 * services a typed input without a cast.
 *
 * @module
 */
import type { Converter } from './converters.js';

/** How a query-string value of a filterable attribute is converted. */
export type FilterKind = 'string' | 'boolean' | 'integer' | 'mac';

interface Listing {
  /** Filterable (and sortable) with this kind of value. */
  readonly filter?: FilterKind;
  /** Only admins see (and so may filter or sort by) it. */
  readonly adminOnly?: boolean;
}

/** An attribute no request may write (POST and PUT refuse it). */
export interface ReadOnlyAttribute extends Listing {
  readonly post: false;
  readonly put: false;
  readonly required?: undefined;
  readonly convert?: undefined;
}

/** An attribute a request may write (on POST, PUT or both), converted to a `T`. */
export interface WritableAttribute<T> extends Listing {
  readonly post: boolean;
  readonly put: boolean;
  readonly required?: boolean;
  readonly convert: Converter<T>;
}

/** One attribute of a resource. */
export type AttributeSpec = ReadOnlyAttribute | WritableAttribute<unknown>;

/** A resource's attributes by name. */
export type AttributeMap = Readonly<Record<string, AttributeSpec>>;

/** The converters a map must have to produce an `I`: one per attribute of `I`, giving its type. */
export type WritableAttributes<I> = {
  readonly [K in keyof I]-?: WritableAttribute<Exclude<I[K], undefined>>;
};

/**
 * The attribute map of a resource whose converted input is `I`. Other attributes may be read-only, or
 * writable but consumed before conversion (`tenant_id`, which the create pipeline folds into `project_id`).
 */
export type AttributesOf<I> = WritableAttributes<I> & AttributeMap;

/** An attribute nothing writes, optionally filterable. */
export function readOnly(filter?: FilterKind): ReadOnlyAttribute {
  return { post: false, put: false, ...(filter && { filter }) };
}
