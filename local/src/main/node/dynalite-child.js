// Runs dynalite for the embedded stack as a child of the JVM.
// - listens on a free loopback port chosen by the OS and prints it as the first line: "port <n>"
// - exits as soon as its stdin closes, so it cannot outlive its parent, even one killed by SIGKILL
// Usage: node dynalite-child.js [--path DIR] [--port N]   (port 0, the default, lets the OS choose)
'use strict';
const dynalite = require('dynalite');

const args = process.argv.slice(2);
const options = { createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 };
const pathIndex = args.indexOf('--path');
if (pathIndex >= 0) {
  options.path = args[pathIndex + 1];
}

const portIndex = args.indexOf('--port');
const port = portIndex >= 0 ? Number(args[portIndex + 1]) : 0;

const server = dynalite(options);
server.listen(port, '127.0.0.1', (err) => {
  if (err) {
    console.error('dynalite failed to start: ' + err.message);
    process.exit(1);
  }
  process.stdout.write('port ' + server.address().port + '\n');
});

function exit() {
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
}
process.stdin.on('end', exit);
process.stdin.on('error', exit);
process.stdin.resume();
process.on('SIGTERM', exit);
