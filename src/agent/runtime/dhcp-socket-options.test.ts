import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseIni } from '../../common/config-ini.js';
import { DHCP_SOCKET_HOLD_MS } from '../../dhcp-server/socket-hold.js';
import { resolveAgentConfig } from './agent-config.js';

test("dhcp_socket_hold_ms: serve's default, set by the file or the flag, 0 allowed, past 1,000 refused", () => {
  assert.equal(resolveAgentConfig(undefined, {}).dhcpSocketHoldMs, DHCP_SOCKET_HOLD_MS);
  assert.equal(resolveAgentConfig(parseIni('[DEFAULT]\ndhcp_socket_hold_ms = 0\n'), {}).dhcpSocketHoldMs, 0);
  assert.equal(resolveAgentConfig(undefined, { dhcp_socket_hold_ms: '8' }).dhcpSocketHoldMs, 8);
  assert.throws(
    () => resolveAgentConfig(undefined, { dhcp_socket_hold_ms: '1001' }),
    /above the maximum 1000/,
  );
  assert.throws(() => resolveAgentConfig(undefined, { dhcp_socket_hold_ms: '-1' }), /below the minimum 0/);
});
