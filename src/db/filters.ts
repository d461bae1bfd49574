/**
 * Translating list filters (attribute name → accepted values) into SQL conditions. Each repository
 * declares which API attributes map to which of its columns; anything else was rejected at the edge.
 *
 * @module
 */
import { type RawBuilder, type SqlBool, sql } from 'kysely';

/** A filter value after the attribute's converter ran. Booleans become 0/1 here. */
export type FilterValue = string | number | boolean | null;

/** Attribute → accepted values (OR within one attribute, AND across attributes). */
export type EqualsFilter = Readonly<Record<string, readonly FilterValue[]>>;

/** `column IN (...) [OR column IS NULL]`; an empty value list matches nothing. */
export function columnIn(column: string, values: readonly FilterValue[]): RawBuilder<SqlBool> {
  const concrete = values.filter((v) => v !== null).map((v) => (typeof v === 'boolean' ? (v ? 1 : 0) : v));
  const parts: RawBuilder<unknown>[] = [];
  if (concrete.length > 0) parts.push(sql`${sql.ref(column)} in (${sql.join(concrete)})`);
  if (values.includes(null)) parts.push(sql`${sql.ref(column)} is null`);
  if (parts.length === 0) return sql<SqlBool>`1 = 0`;
  return sql<SqlBool>`(${sql.join(parts, sql` or `)})`;
}

/**
 * The conditions for every attribute of `filter` that `columns` maps; returns the attributes it could
 * not map so the caller can evaluate them another way (or fail loudly).
 */
export function equalsConditions(
  filter: EqualsFilter,
  columns: Readonly<Record<string, string>>,
): { conditions: RawBuilder<SqlBool>[]; unmapped: string[] } {
  const conditions: RawBuilder<SqlBool>[] = [];
  const unmapped: string[] = [];
  for (const [attribute, values] of Object.entries(filter)) {
    // Own keys only: an inherited name (`constructor`) is no column.
    const column = Object.hasOwn(columns, attribute) ? columns[attribute] : undefined;
    if (column === undefined) unmapped.push(attribute);
    else conditions.push(columnIn(column, values));
  }
  return { conditions, unmapped };
}

/** Splits a list into chunks small enough for one `IN (...)` on every backend. */
export function chunks<T>(items: readonly T[], size = 500): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
