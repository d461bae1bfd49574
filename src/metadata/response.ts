/** One answer of the metadata service, before it meets HTTP. */
export interface MetadataResponse {
  readonly status: 200 | 404;
  readonly contentType: string;
  readonly body: string | Uint8Array;
}

export const TEXT = 'text/plain; charset=utf-8';
export const JSON_TYPE = 'application/json';
export const BINARY = 'application/octet-stream';

export function text(body: string): MetadataResponse {
  return { status: 200, contentType: TEXT, body };
}

export function json(value: unknown): MetadataResponse {
  return { status: 200, contentType: JSON_TYPE, body: JSON.stringify(value) };
}

export function bytes(body: Uint8Array): MetadataResponse {
  return { status: 200, contentType: BINARY, body };
}

export const NOT_FOUND: MetadataResponse = Object.freeze({
  status: 404,
  contentType: TEXT,
  body: 'Not Found',
});

/** A directory listing: one entry per line, sub-directories with a trailing slash (what crawlers expect). */
export function listing(entries: readonly string[]): MetadataResponse {
  return text(entries.join('\n'));
}

/** The fully qualified host name Nova serves as `hostname`/`local-hostname`. */
export function qualifiedHostname(hostname: string, domain: string): string {
  return domain === '' || hostname.includes('.') ? hostname : `${hostname}.${domain}`;
}
