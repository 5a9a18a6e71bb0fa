import { createServer, connect, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A TCP relay on 127.0.0.1 in front of the real Elasticsearch node, for network faults only: every byte
 * goes to and comes from the real server. `interruptDuring` lets the server answer a request and then
 * loses the answer (the connection is cut, as a server restart or a network partition does to a
 * write whose acknowledgement was in flight), and refuses connections for a while.
 */
export class FaultProxy {
  private readonly sockets = new Set<Socket>();
  private armed = false;
  private down = false;
  private hits = 0;
  private downMs = 800;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(upstream: string): Promise<FaultProxy> {
    const target = new URL(upstream);
    const relays: { proxy?: FaultProxy } = {};
    const server = createServer((client) => relays.proxy?.relay(client, target.hostname, Number(target.port)));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('proxy has no port');
    relays.proxy = new FaultProxy(server, `http://127.0.0.1:${address.port}`);
    return relays.proxy;
  }

  /**
   * Runs `write` (which must not reject): the first response the server sends while it runs is dropped
   * and its connection cut, then connections are refused for `downMs`. Resolves, once `write` settled,
   * to whether a response was really lost.
   */
  async interruptDuring(write: () => Promise<void>, downMs = 800): Promise<boolean> {
    const before = this.hits;
    this.downMs = downMs;
    this.armed = true;
    try {
      await write();
    } finally {
      this.armed = false;
    }
    while (this.down) await sleep(20);
    return this.hits > before;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private relay(client: Socket, host: string, port: number): void {
    if (this.down) {
      client.destroy();
      return;
    }
    const upstream = connect(port, host);
    this.sockets.add(client).add(upstream);
    const cut = (): void => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('error', cut).on('close', cut);
    upstream.on('error', cut).on('close', cut);
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      if (!this.armed) {
        client.write(chunk);
        return;
      }
      this.armed = false;
      this.hits++;
      this.down = true;
      cut();
      setTimeout(() => (this.down = false), this.downMs).unref();
    });
  }
}
