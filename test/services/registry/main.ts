import { parseArgs } from 'node:util';

import { createRegistryServer } from './registry-server.js';

// Entry point of the schema-registry stand-in process: `node --import tsx main.ts --port <port>`.
const { values } = parseArgs({ options: { port: { type: 'string' } } });
const port = Number(values.port ?? '0');
const server = createRegistryServer();
server.listen({ host: '127.0.0.1', port }, () => {
  const address = server.address();
  console.log(`schema-registry stand-in listening on 127.0.0.1:${typeof address === 'object' && address ? address.port : port}`);
});
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
