/**
 * The agent options that choose and reach its control plane (`src/agent/control-plane.ts`): qdhcp's
 * servers over the bus, or a neutron-server over oslo.messaging (issue 16). Named as in Neutron.
 *
 * @module
 */
import type { OptionSpec } from '../../common/config-options.js';

export const CONTROL_PLANE_OPTIONS: readonly OptionSpec[] = [
  {
    key: 'rpc',
    sections: ['DEFAULT'],
    kind: 'string',
    default: 'qdhcp',
    choices: ['qdhcp', 'neutron'],
    help: "control plane: qdhcp's servers, or a neutron-server over oslo.messaging (--neutron; docs/neutron-agent.md)",
  },
  {
    key: 'control_exchange',
    sections: ['DEFAULT'],
    kind: 'string',
    default: 'neutron',
    help: "rpc = neutron: oslo.messaging's control exchange",
  },
  {
    key: 'rpc_response_timeout',
    sections: ['DEFAULT'],
    kind: 'int',
    default: '60',
    min: 1,
    help: 'rpc = neutron: seconds to wait for a reply of neutron-server',
  },
  {
    key: 'availability_zone',
    sections: ['AGENT'],
    kind: 'string',
    default: 'nova',
    help: 'availability zone the agent reports',
  },
];
