import type { Command } from 'commander';
import { registerAgent } from './agent.js';
import { registerAllInOne } from './all-in-one.js';
import { registerInstance } from './instance.js';
import { registerNetnsCleanup } from './netns-cleanup.js';
import { registerPort } from './port.js';
import { registerProbe } from './probe.js';
import { registerServe } from './serve.js';
import { registerServer } from './server.js';

/** Registers one subcommand on the program. Each lives in its own file in this folder. */
export type RegisterCommand = (program: Command) => void;

/** Every subcommand, in the order `qdhcp --help` lists them. Add one line per new command file. */
export const commands: readonly RegisterCommand[] = [
  registerServer,
  registerAllInOne,
  registerServe,
  registerNetnsCleanup,
  registerAgent,
  registerProbe,
  registerInstance,
  registerPort,
];
