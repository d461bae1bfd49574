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
exports.udpBatchHolding = udpBatch.udpBatchHolding;
exports.udpBatchSend = udpBatch.udpBatchSend;
exports.UDP_BATCH_SLOTS = udpBatch.UDP_BATCH_SLOTS;
exports.UDP_BATCH_SLOT_SIZE = udpBatch.UDP_BATCH_SLOT_SIZE;
exports.UDP_BATCH_NEIGHBOUR_SET = udpBatch.UDP_BATCH_NEIGHBOUR_SET;
exports.UDP_BATCH_NEIGHBOUR_BROADCAST = udpBatch.UDP_BATCH_NEIGHBOUR_BROADCAST;
// Descriptors passed between processes, sockets described, sd_notify (src/fd-passing.c).
const fdPassing = require('./build/Release/fd_passing.node');
exports.fdChannelOpen = fdPassing.fdChannelOpen;
exports.sendFds = fdPassing.sendFds;
exports.receiveFds = fdPassing.receiveFds;
exports.describeSocket = fdPassing.describeSocket;
exports.sdNotify = fdPassing.sdNotify;
exports.steerReuseportGroup = fdPassing.steerReuseportGroup;
exports.FD_PASSING_MAX_FDS = fdPassing.FD_PASSING_MAX_FDS;
// Router advertisements: raw ICMPv6 in a namespace (src/icmp6.c).
const icmp6 = require('./build/Release/icmp6.node');
exports.icmp6Open = icmp6.icmp6Open;
exports.icmp6Send = icmp6.icmp6Send;
exports.icmp6Watch = icmp6.icmp6Watch;
exports.icmp6Unwatch = icmp6.icmp6Unwatch;
// Gratuitous ARP: raw Ethernet frames out of a device in a namespace (src/packet.c).
const packet = require('./build/Release/packet.node');
exports.packetOpen = packet.packetOpen;
exports.packetSend = packet.packetSend;
// One-request TCP connections without a net.Socket each: the metadata proxy (src/tcp-accept.c).
const tcpAccept = require('./build/Release/tcp_accept.node');
exports.tcpAcceptArena = tcpAccept.tcpAcceptArena;
exports.tcpAcceptOpen = tcpAccept.tcpAcceptOpen;
exports.tcpAcceptReply = tcpAccept.tcpAcceptReply;
exports.tcpAcceptDrop = tcpAccept.tcpAcceptDrop;
exports.tcpAcceptRelease = tcpAccept.tcpAcceptRelease;
exports.tcpAcceptStop = tcpAccept.tcpAcceptStop;
exports.TCP_ACCEPT_SLOTS = tcpAccept.TCP_ACCEPT_SLOTS;
exports.TCP_ACCEPT_SLOT_SIZE = tcpAccept.TCP_ACCEPT_SLOT_SIZE;
