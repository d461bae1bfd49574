/**
 * The metadata redirect of a router namespace (issue 13, as Neutron's L3 agent): TCP to
 * 169.254.169.254:80 arriving on a `qr-` interface is redirected (nftables `redirect`, router-nft.ts) to
 * this local port of the router namespace, where the agent's metadata listener answers (one listener in
 * the agent process, no process per router; it binds this port inside each `qrouter-` namespace).
 *
 * @module
 */

/** The address instances ask for metadata. */
export const METADATA_ADDRESS = '169.254.169.254';

/** The port the redirect sends metadata requests to inside a router namespace (Neutron's is 9697 too). */
export const ROUTER_METADATA_PORT = 9697;
