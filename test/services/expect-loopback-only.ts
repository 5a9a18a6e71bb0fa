import { expect } from 'vitest';

import { listeningSockets } from './listening-sockets.js';
import type { ServiceInstance } from './types.js';

/**
 * Asserts that every TCP port the server (its whole process tree) listens on is bound to a loopback address,
 * and that the ports the launcher assigned are among them (read from /proc/net/tcp{,6}, like `ss -ltnp`).
 */
export function expectLoopbackOnly(instance: ServiceInstance): void {
  const sockets = listeningSockets(instance.pid);
  const described = sockets.map((socket) => `${socket.address}:${socket.port} (pid ${socket.pid})`).join(', ');
  expect(sockets.map((socket) => socket.port), `${instance.name} listens on ${described}`).toEqual(expect.arrayContaining([...instance.ports]));
  expect(
    sockets.filter((socket) => !socket.loopback),
    `${instance.name} listens beyond loopback: ${described}`,
  ).toEqual([]);
}
