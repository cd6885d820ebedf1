#!/usr/bin/env node
// Placeholder until @httpstack/cli lands: the command exists and says what it will do.
process.stdout.write(`usage: httpstack [port] [--bind ADDR] [--directory DIR] [--cgi] [--protocol VERSION]

httpstack will serve the current folder over HTTP like \`python -m http.server\`.
The command line is not built yet; the socket core (@httpstack/socketserver) is.
`);
