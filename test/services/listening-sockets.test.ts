import { spawn } from 'node:child_process';

import { afterAll, describe, expect, it } from 'vitest';

import { listeningSockets } from './listening-sockets.js';
import { waitUntil } from './process-group.js';

// The loopback assertions of the smoke tests are only as good as this reader: check that it tells a
// wildcard bind from a loopback one, for IPv4 and IPv6, on a process group it did not start.
describe('listeningSockets', () => {
  const script = `
    const net = require('node:net');
    const listen = (host) => new Promise((resolve) => { const s = net.createServer(); s.listen(0, host, () => resolve(s.address().port)); });
    Promise.all([listen('127.0.0.1'), listen('0.0.0.0'), listen('::1'), listen('::')]).then((ports) => console.log(JSON.stringify(ports)));
    setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['-e', script], { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));

  afterAll(() => {
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
  });

  it('lists every listening socket of the group with its address and whether it is loopback', async () => {
    await waitUntil(() => output.includes(']'), 10_000, () => 'the listener process never reported its ports');
    const [v4Loopback, v4Any, v6Loopback, v6Any] = JSON.parse(output) as number[];
    const sockets = listeningSockets(child.pid ?? -1).map(({ address, port, loopback }) => ({ address, port, loopback }));
    expect(sockets).toEqual(
      expect.arrayContaining([
        { address: '127.0.0.1', port: v4Loopback, loopback: true },
        { address: '0.0.0.0', port: v4Any, loopback: false },
        { address: '::1', port: v6Loopback, loopback: true },
        { address: '::', port: v6Any, loopback: false },
      ]),
    );
    expect(sockets).toHaveLength(4);
  });
});
