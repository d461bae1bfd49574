import { requireIpv4 } from '../../common/ipv4.js';
import { type ClasslessRoute, routeFromText } from '../routes.js';

/** `'10.0.0.1'` as the codec's uint32 address, so tests can be written with readable literals. */
export const ip = requireIpv4;

/** `route('0.0.0.0/0', '10.0.0.1')`: a typed classless route from its text; throws on bad text. */
export function route(destination: string, router: string): ClasslessRoute {
  const value = routeFromText(destination, router);
  if (value === undefined) throw new Error(`bad test route ${destination} via ${router}`);
  return value;
}
