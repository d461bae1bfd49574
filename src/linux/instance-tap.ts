/**
 * An instance's VIF as a hypervisor makes it (issue 14, `qdhcp port plug`): a tap device named
 * `tap<port id[0:11]>` in the host namespace, as libvirt's `<interface type='ethernet'>` and qemu's
 * `-netdev tap,ifname=…` make it; or, for an instance without a VM, a veth pair whose host end carries that
 * name and whose other end is `eth0` with the port's MAC in the instance's namespace. The L2 role of the
 * agent then wires and protects it; neither is put into a bridge here.
 *
 * @module
 */
import { type NamespaceName, runIpBatch } from './ip-batch.js';

/**
 * The host end's own MAC: the port's with the first octet `fe`, as libvirt sets it on a tap (so the host
 * side never answers for the guest's address).
 */
export function hostSideMac(portMac: string): string {
  return `fe${portMac.toLowerCase().slice(2)}`;
}

/** `ip tuntap add … mode tap` (persistent, no process attached: the hypervisor opens it by name). */
export async function createTap(
  namespace: NamespaceName,
  name: string,
  portMac: string,
  mtu?: number,
): Promise<void> {
  await runIpBatch(namespace, [
    `tuntap add dev ${name} mode tap`,
    `link set dev ${name} address ${hostSideMac(portMac)}${mtu === undefined ? '' : ` mtu ${mtu}`}`,
  ]);
}

/** A veth `name` ⇄ `eth0` in `instanceNamespace` (which must exist), `eth0` with the port's MAC, both up. */
export async function createVethTap(
  namespace: NamespaceName,
  name: string,
  instanceNamespace: string,
  portMac: string,
  mtu?: number,
): Promise<void> {
  const mtuText = mtu === undefined ? '' : ` mtu ${mtu}`;
  await runIpBatch(namespace, [
    `link add ${name}${mtuText} address ${hostSideMac(portMac)} type veth peer name eth0 address ${portMac} netns ${instanceNamespace}`,
  ]);
  await runIpBatch(instanceNamespace, ['link set dev lo up', 'link set dev eth0 up']);
}

/** Removes the device (its veth peer goes with it); a device already gone is no error. */
export async function deleteTap(namespace: NamespaceName, name: string): Promise<void> {
  await runIpBatch(namespace, [`link del ${name}`], { force: true });
}
