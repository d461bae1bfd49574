/**
 * EC2-style ids as Nova writes them (nova/objects/ec2.py `id_to_ec2_id`): a prefix, `-`, and the integer
 * in lower-case hex, at least eight digits (`'i-%08x' % n`). The metadata service serves the instance's as
 * `meta-data/instance-id` (CirrOS's datasource waits until that starts with `i-`); the API shows it on the
 * instance record. Pure.
 *
 * @module
 */

/**
 * `prefix-%08x` of `value`.
 *
 * @example ec2Id('i', 10) // → 'i-0000000a'
 */
export function ec2Id(prefix: string, value: number): string {
  return `${prefix}-${value.toString(16).padStart(8, '0')}`;
}

/** The EC2 instance id of instance number `value`: `i-%08x`. */
export function ec2InstanceId(value: number): string {
  return ec2Id('i', value);
}
