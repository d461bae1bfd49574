/**
 * A throwaway PKI for TLS tests, made with the openssl CLI in a fresh temp dir: a CA, a server certificate
 * for 127.0.0.1 (subjectAltName IP) and a client certificate, both signed by that CA, and a second CA that
 * signed neither (the "wrong CA"). Keys are EC P-256 (quick to make). {@link ThrowawayPki.remove} deletes it.
 *
 * @module
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand } from '../../src/linux/run-command.js';

/** A certificate with its key: file paths (for options that take files) and PEM text. */
export interface Issued {
  readonly certFile: string;
  readonly keyFile: string;
  readonly cert: string;
  readonly key: string;
}

export class ThrowawayPki {
  private constructor(
    readonly dir: string,
    readonly ca: Issued,
    readonly otherCa: Issued,
    readonly server: Issued,
    readonly client: Issued,
  ) {}

  static async create(): Promise<ThrowawayPki> {
    const dir = mkdtempSync(join(tmpdir(), 'qdhcp-pki-'));
    try {
      const ca = await selfSigned(dir, 'ca', 'qdhcp test CA');
      const otherCa = await selfSigned(dir, 'other-ca', 'qdhcp unrelated CA');
      const server = await signed(dir, ca, 'server', '127.0.0.1', 'subjectAltName=IP:127.0.0.1');
      const client = await signed(dir, ca, 'client', 'qdhcp-agent', 'extendedKeyUsage=clientAuth');
      return new ThrowawayPki(dir, ca, otherCa, server, client);
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

async function newKey(dir: string, name: string): Promise<string> {
  const keyFile = join(dir, `${name}.key`);
  await runCommand('openssl', [
    'genpkey',
    '-algorithm',
    'EC',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-out',
    keyFile,
  ]);
  return keyFile;
}

function issued(certFile: string, keyFile: string): Issued {
  return { certFile, keyFile, cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
}

async function selfSigned(dir: string, name: string, subject: string): Promise<Issued> {
  const keyFile = await newKey(dir, name);
  const certFile = join(dir, `${name}.pem`);
  await runCommand('openssl', [
    ...['req', '-x509', '-new', '-key', keyFile, '-subj', `/CN=${subject}`, '-days', '1'],
    ...['-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
    ...['-out', certFile],
  ]);
  return issued(certFile, keyFile);
}

async function signed(
  dir: string,
  ca: Issued,
  name: string,
  subject: string,
  extension: string,
): Promise<Issued> {
  const keyFile = await newKey(dir, name);
  const csr = join(dir, `${name}.csr`);
  const extFile = join(dir, `${name}.ext`);
  const certFile = join(dir, `${name}.pem`);
  writeFileSync(extFile, `${extension}\n`);
  await runCommand('openssl', ['req', '-new', '-key', keyFile, '-subj', `/CN=${subject}`, '-out', csr]);
  await runCommand('openssl', [
    ...['x509', '-req', '-in', csr, '-CA', ca.certFile, '-CAkey', ca.keyFile, '-CAcreateserial'],
    ...['-days', '1', '-extfile', extFile, '-out', certFile],
  ]);
  return issued(certFile, keyFile);
}
