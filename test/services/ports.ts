import { createServer } from 'node:net';

const handedOut = new Set<number>();

function bindEphemeral(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * A TCP port that is free on 127.0.0.1 now. Servers started in parallel by one process never get the same
 * port; another process may still take it before the server binds (the start then fails loudly).
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await bindEphemeral();
    if (port !== 0 && !handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}
