/**
 * What the metadata service knows about the instance behind a request: the instance record kept by qdhcp
 * (`/v2.0/qdhcp/instances`) and the ports (with their subnets) that carry its addresses.
 */

/** One SSH public key, served as `public-keys/<index>` (EC2) and in `public_keys`/`keys` (OpenStack). */
export interface PublicKey {
  readonly name: string;
  readonly key: string;
}

export interface MetadataInstance {
  readonly id: string;
  readonly name: string;
  /** Short host name the instance should take (`local-hostname`, `hostname`). */
  readonly hostname: string;
  readonly projectId: string;
  readonly availabilityZone: string;
  /** EC2 `ami-launch-index` / OpenStack `launch_index`. */
  readonly launchIndex: number;
  /**
   * The integer behind the EC2 instance id (`i-%08x`), kept by the server per instance; undefined only
   * from a server that predates it (the EC2 tree then serves {@link id}).
   */
  readonly ec2Id?: number | undefined;
  readonly publicKeys: readonly PublicKey[];
  /** Raw user data (already base64-decoded), or undefined when the instance has none (404, as Nova). */
  readonly userData: Uint8Array | undefined;
  /** Free-form key/value metadata (`meta` in meta_data.json). */
  readonly metadata: Readonly<Record<string, string>>;
}

export interface MetadataRoute {
  readonly destination: string;
  readonly nexthop: string;
}

export interface MetadataSubnet {
  readonly id: string;
  readonly cidr: string;
  readonly ipVersion: 4 | 6;
  readonly gatewayIp: string | null;
  readonly enableDhcp: boolean;
  readonly dnsNameservers: readonly string[];
  readonly hostRoutes: readonly MetadataRoute[];
  /** IPv6 only: Neutron's `ipv6_address_mode` (`slaac`, `dhcpv6-stateful`, `dhcpv6-stateless`), null or absent for static. */
  readonly ipv6AddressMode?: string | null | undefined;
}

export interface MetadataFixedIp {
  readonly ipAddress: string;
  readonly subnet: MetadataSubnet;
}

export interface MetadataPort {
  readonly id: string;
  readonly networkId: string;
  readonly macAddress: string;
  readonly mtu: number | null;
  readonly fixedIps: readonly MetadataFixedIp[];
}

/**
 * Everything one metadata answer is built from. `requestPort` is the port the request came from (the EC2
 * tree's `local-ipv4` and `mac` describe it); `ports` are all the instance's ports, in a stable order.
 */
export interface MetadataContext {
  readonly instance: MetadataInstance;
  readonly requestPort: MetadataPort;
  readonly requestIp: string;
  readonly ports: readonly MetadataPort[];
  /** `dns_domain` the hostname is qualified with (Nova serves `<hostname>.<dhcp_domain>`). */
  readonly domain: string;
  /** Bytes for OpenStack's `random_seed`; injected so the trees stay pure. */
  readonly randomBytes: (length: number) => Uint8Array;
}
