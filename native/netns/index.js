'use strict';
// The compiled addon; see index.d.ts for the contract. Named so that ESM `import { openSocket }` sees it.
const addon = require('./build/Release/netns.node');
exports.openSocket = addon.openSocket;
exports.netlinkDump = addon.netlinkDump;
