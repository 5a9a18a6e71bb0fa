import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

import { serverProcesses } from './process-group.js';

/** A TCP socket in LISTEN state. */
export interface ListeningSocket {
  readonly pid: number;
  /** Printable local address: `127.0.0.1`, `::1`, `::ffff:127.0.0.1`, `0.0.0.0`, `::`, ... */
  readonly address: string;
  readonly port: number;
  /** True for 127.0.0.0/8, `::1` and IPv4-mapped loopback. */
  readonly loopback: boolean;
}

function ipv4FromHex(hex: string): string {
  // /proc/net/tcp prints the address as a host-order (little-endian here) 32-bit word.
  const bytes = [0, 1, 2, 3].map((i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16)).reverse();
  return bytes.join('.');
}

function ipv6FromHex(hex: string): { text: string; loopback: boolean } {
  // Four host-order 32-bit words.
  const words = [0, 1, 2, 3].map((w) => hex.slice(w * 8, w * 8 + 8));
  const bytes = words.flatMap((word) => [0, 1, 2, 3].map((i) => parseInt(word.slice(i * 2, i * 2 + 2), 16)).reverse());
  const isZero = (from: number, to: number): boolean => bytes.slice(from, to).every((b) => b === 0);
  if (isZero(0, 10) && bytes[10] === 0xff && bytes[11] === 0xff) {
    const v4 = bytes.slice(12).join('.');
    return { text: `::ffff:${v4}`, loopback: bytes[12] === 127 };
  }
  if (isZero(0, 15) && bytes[15] === 1) return { text: '::1', loopback: true };
  if (isZero(0, 16)) return { text: '::', loopback: false };
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  return { text: groups.join(':'), loopback: false };
}

function listeningByInode(): Map<string, { address: string; port: number; loopback: boolean }> {
  const result = new Map<string, { address: string; port: number; loopback: boolean }>();
  for (const family of ['tcp', 'tcp6'] as const) {
    let text: string;
    try {
      text = readFileSync(`/proc/net/${family}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10 || fields[3] !== '0A') continue; // 0A = TCP_LISTEN
      const [addrHex = '', portHex = '0'] = (fields[1] ?? '').split(':');
      const inode = fields[9] ?? '';
      const port = parseInt(portHex, 16);
      if (family === 'tcp') {
        const address = ipv4FromHex(addrHex);
        result.set(inode, { address, port, loopback: address.startsWith('127.') });
      } else {
        const { text: address, loopback } = ipv6FromHex(addrHex);
        result.set(inode, { address, port, loopback });
      }
    }
  }
  return result;
}

function socketInodes(pid: number): string[] {
  const inodes: string[] = [];
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return inodes;
  }
  for (const fd of fds) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match?.[1]) inodes.push(match[1]);
    } catch {
      // the fd closed while we looked
    }
  }
  return inodes;
}

/**
 * Every TCP socket in LISTEN state held by a process of the server whose process group is `pgid` (see
 * `serverProcesses`; read from /proc, so it needs the same user or root, like `ss -ltnp`).
 */
export function listeningSockets(pgid: number): ListeningSocket[] {
  const byInode = listeningByInode();
  const sockets: ListeningSocket[] = [];
  const seen = new Set<string>();
  for (const pid of serverProcesses(pgid)) {
    for (const inode of socketInodes(pid)) {
      const listening = byInode.get(inode);
      if (!listening || seen.has(inode)) continue;
      seen.add(inode);
      sockets.push({ pid, ...listening });
    }
  }
  return sockets.sort((a, b) => a.port - b.port);
}
