/**
 * What a process tree listens on, read from /proc (Linux): the TCP sockets in LISTEN state and the
 * processes that hold them. Used to check the addresses docflow's servers really bind, not the ones
 * their config files claim.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** One listening TCP socket. */
export interface ListeningSocket {
  /** Dotted IPv4, or IPv6 in full (`::1` as `0:0:0:0:0:0:0:1`; mapped IPv4 as `::ffff:a.b.c.d`). */
  address: string;
  port: number;
  inode: number;
  /** The process that holds it (one of the pids asked about). */
  pid: number;
}

const TCP_LISTEN = '0A';

/** Socket inodes held open by `pid`. */
function socketInodes(pid: number): number[] {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) out.push(Number(m[1]));
    } catch {
      // closed while we looked
    }
  }
  return out;
}

/** Every TCP socket in LISTEN state on this machine: inode → address and port. */
function listeningTable(): Map<number, { address: string; port: number }> {
  const out = new Map<number, { address: string; port: number }>();
  for (const [file, decode] of [['/proc/net/tcp', ipv4], ['/proc/net/tcp6', ipv6]] as const) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue; // no IPv6 on this machine
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== TCP_LISTEN) continue;
      const [addrHex, portHex] = f[1]!.split(':') as [string, string];
      out.set(Number(f[9]), { address: decode(addrHex), port: parseInt(portHex, 16) });
    }
  }
  return out;
}

/** The listening TCP sockets held by any of `pids`. */
export function listeningSockets(pids: readonly number[]): ListeningSocket[] {
  const table = listeningTable();
  const out: ListeningSocket[] = [];
  for (const pid of pids) {
    for (const inode of socketInodes(pid)) {
      const s = table.get(inode);
      if (s && !out.some((o) => o.inode === inode)) out.push({ ...s, inode, pid });
    }
  }
  return out;
}

/** True for 127.0.0.0/8, ::1 and IPv4-mapped loopback. */
export function isLoopbackAddress(address: string): boolean {
  return /^127\./.test(address) || address === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(address);
}

/** /proc/net/tcp writes an IPv4 address as one little-endian 32-bit hex word. */
function ipv4(hex: string): string {
  const n = parseInt(hex, 16);
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24].join('.');
}

/** /proc/net/tcp6 writes an IPv6 address as four little-endian 32-bit hex words. */
function ipv6(hex: string): string {
  const bytes: number[] = [];
  for (let w = 0; w < 4; w++) {
    const word = hex.slice(w * 8, w * 8 + 8);
    for (let b = 3; b >= 0; b--) bytes.push(parseInt(word.slice(b * 2, b * 2 + 2), 16));
  }
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) return `::ffff:${bytes.slice(12).join('.')}`;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return groups.join(':');
}
