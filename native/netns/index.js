'use strict';
// The compiled addon; see index.d.ts for the contract. Named so that ESM `import { openSocket }` sees it.
const addon = require('./build/Release/netns.node');
exports.openSocket = addon.openSocket;
exports.netlinkDump = addon.netlinkDump;
// Batched UDP I/O (src/udp-batch.c), a module of its own.
const udpBatch = require('./build/Release/udp_batch.node');
exports.udpBatchArena = udpBatch.udpBatchArena;
exports.udpBatchOpen = udpBatch.udpBatchOpen;
exports.udpBatchClose = udpBatch.udpBatchClose;
exports.udpBatchSend = udpBatch.udpBatchSend;
exports.UDP_BATCH_SLOTS = udpBatch.UDP_BATCH_SLOTS;
exports.UDP_BATCH_SLOT_SIZE = udpBatch.UDP_BATCH_SLOT_SIZE;
// Descriptors passed between processes, sockets described, sd_notify (src/fd-passing.c).
const fdPassing = require('./build/Release/fd_passing.node');
exports.fdChannelOpen = fdPassing.fdChannelOpen;
exports.sendFds = fdPassing.sendFds;
exports.receiveFds = fdPassing.receiveFds;
exports.describeSocket = fdPassing.describeSocket;
exports.sdNotify = fdPassing.sdNotify;
exports.FD_PASSING_MAX_FDS = fdPassing.FD_PASSING_MAX_FDS;
