import { openstackCliScenario } from './openstack-cli-scenario.js';

openstackCliScenario('postgres');
