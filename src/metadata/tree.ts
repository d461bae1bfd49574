import { listing, type MetadataResponse, NOT_FOUND, text } from './response.js';

/** A metadata tree: directories list their entries; leaves are answers. Built per request (it is small). */
export type TreeNode =
  | { readonly kind: 'leaf'; readonly response: MetadataResponse }
  | {
      readonly kind: 'directory';
      readonly entries: ReadonlyMap<string, TreeNode>;
      readonly labels?: ReadonlyMap<string, string>;
    };

export function leaf(value: string | MetadataResponse): TreeNode {
  return { kind: 'leaf', response: typeof value === 'string' ? text(value) : value };
}

/** A directory; `labels` replace an entry's line in the listing (EC2's `0=keyname`). */
export function directory(
  entries: Iterable<readonly [string, TreeNode]>,
  labels?: ReadonlyMap<string, string>,
): TreeNode {
  return { kind: 'directory', entries: new Map(entries), ...(labels ? { labels } : {}) };
}

/**
 * Resolves path segments (already split on `/`, empty segments dropped) to an answer. A directory answers
 * with its listing, entries that are directories marked with a trailing slash.
 */
export function resolve(root: TreeNode, segments: readonly string[]): MetadataResponse {
  let node: TreeNode | undefined = root;
  for (const segment of segments) {
    if (node.kind !== 'directory') return NOT_FOUND;
    node = node.entries.get(segment);
    if (node === undefined) return NOT_FOUND;
  }
  if (node.kind === 'leaf') return node.response;
  const lines = [...node.entries].map(([name, child]) => {
    const label = node.labels?.get(name);
    if (label !== undefined) return label;
    return child.kind === 'directory' ? `${name}/` : name;
  });
  return listing(lines);
}

/** Splits a request path into segments, ignoring empty ones and the query. Rejects `..` (never a key). */
export function pathSegments(path: string): string[] | undefined {
  const withoutQuery = path.split('?', 1)[0] ?? '';
  const segments = withoutQuery.split('/').filter((segment) => segment !== '');
  return segments.some((segment) => segment === '..' || segment === '.') ? undefined : segments;
}
