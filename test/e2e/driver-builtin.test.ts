import { BuiltinDriver } from '../../src/agent/drivers/builtin/builtin-driver.js';
import { runDriverContract } from './driver-contract.js';

runDriverContract({ name: 'builtin', create: (deps) => new BuiltinDriver(deps) });
