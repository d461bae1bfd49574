import { createHmac } from 'node:crypto';

/**
 * `X-Instance-ID-Signature`: lower-case hex HMAC-SHA256 of the instance id (UTF-8) keyed with the shared
 * secret (UTF-8), as Neutron's metadata agent signs and Nova checks (spec §6.3).
 */
export function instanceIdSignature(sharedSecret: string, instanceId: string): string {
  return createHmac('sha256', Buffer.from(sharedSecret, 'utf8')).update(instanceId, 'utf8').digest('hex');
}
