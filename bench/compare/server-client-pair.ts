import type { Namespace, Sandbox } from '../../test/support/netns.js';

/** The bed of the DHCP benches: a server and a client namespace of `sandbox`, joined by one veth. */
export interface ServerClientPair {
  readonly server: Namespace;
  readonly client: Namespace;
  readonly serverDevice: string;
  readonly clientDevice: string;
}

/** Makes the pair; `serverAddresses`/`clientAddresses` go on the veth's two ends (CIDR notation). */
export async function serverClientPair(
  sandbox: Sandbox,
  serverAddresses: readonly string[],
  clientAddresses: readonly string[] = [],
): Promise<ServerClientPair> {
  const server = await sandbox.addNamespace('srv');
  const client = await sandbox.addNamespace('cli');
  const serverDevice = sandbox.device('s');
  const clientDevice = sandbox.device('c');
  await sandbox.addVeth(server, serverDevice, client, clientDevice, {
    localAddresses: serverAddresses,
    peerAddresses: clientAddresses,
  });
  return { server, client, serverDevice, clientDevice };
}
