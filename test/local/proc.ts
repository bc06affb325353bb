/**
 * What /proc says about processes and their listening TCP sockets (Linux), for the local stack's
 * tests: which processes a run left behind, and on which addresses they listen.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

interface Stat {
  pid: number;
  ppid: number;
  pgrp: number;
  state: string;
}

function stat(pid: number | string): Stat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid …" — comm may contain spaces and parentheses
    const [state, ppid, pgrp] = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { pid: Number(pid), ppid: Number(ppid), pgrp: Number(pgrp), state: state! };
  } catch {
    return undefined; // exited meanwhile
  }
}

/** Alive and not a zombie. */
export function isAlive(pid: number): boolean {
  const s = stat(pid);
  return s !== undefined && s.state !== 'Z' && s.state !== 'X';
}

export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
  } catch {
    return '';
  }
}

export function processGroupOf(pid: number): number | undefined {
  return stat(pid)?.pgrp;
}

function livePids(): Stat[] {
  const out: Stat[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const s = stat(entry);
    if (s && s.state !== 'Z' && s.state !== 'X') out.push(s);
  }
  return out;
}

/** Live processes in any of these process groups (wherever they were re-parented to). */
export function membersOfGroups(pgids: Iterable<number>): number[] {
  const groups = new Set(pgids);
  return livePids().filter((s) => groups.has(s.pgrp)).map((s) => s.pid);
}

/** Every live process that holds a listening socket on this port (for failure messages). */
export function listenersOnPort(port: number): string[] {
  return listeners(livePids().map((s) => s.pid))
    .filter((l) => l.port === port)
    .map((l) => `${l.address}:${l.port} held by ${l.pid} ${commandLine(l.pid)}`);
}

/** Every live process below `root` (children, their children, …). */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const s of livePids()) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s.pid]);
  const out: number[] = [];
  const walk = (pid: number): void => {
    for (const child of children.get(pid) ?? []) {
      out.push(child);
      walk(child);
    }
  };
  walk(root);
  return out;
}

export interface Listener {
  pid: number;
  address: string;
  port: number;
}

/** /proc/net/tcp's little-endian hex words → an IPv4 or IPv6 address text. */
function decodeAddress(hex: string): string {
  const words = hex.match(/.{8}/g)!.map((word) => Buffer.from(word, 'hex').reverse());
  if (words.length === 1) return [...words[0]!].join('.');
  const bytes = Buffer.concat(words);
  if (bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) return `::ffff:${[...bytes.subarray(12)].join('.')}`;
  const groups = Array.from({ length: 8 }, (_, i) => bytes.readUInt16BE(i * 2).toString(16));
  return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}

/** The TCP sockets in LISTEN state that these processes hold, read from each one's own view of /proc/net. */
export function listeners(pids: number[]): Listener[] {
  const out: Listener[] = [];
  for (const pid of pids) {
    const inodes = new Set<string>();
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        try {
          const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
          if (m) inodes.add(m[1]!);
        } catch {
          // closed meanwhile
        }
      }
    } catch {
      continue; // exited
    }
    for (const table of ['tcp', 'tcp6']) {
      let text: string;
      try {
        text = readFileSync(`/proc/${pid}/net/${table}`, 'utf8');
      } catch {
        continue;
      }
      for (const row of text.trim().split('\n').slice(1)) {
        const cols = row.trim().split(/\s+/);
        const [local, , state] = [cols[1]!, cols[2]!, cols[3]!];
        if (state !== '0A' || !inodes.has(cols[9]!)) continue; // 0A: LISTEN
        const [hex, port] = local.split(':');
        out.push({ pid, address: decodeAddress(hex!), port: parseInt(port!, 16) });
      }
    }
  }
  return out;
}

/** Every socket in LISTEN state on this machine (this network namespace): address and port. */
export function listeningSockets(): Array<{ address: string; port: number }> {
  const out: Array<{ address: string; port: number }> = [];
  for (const table of ['tcp', 'tcp6']) {
    for (const row of readFileSync(`/proc/net/${table}`, 'utf8').trim().split('\n').slice(1)) {
      const cols = row.trim().split(/\s+/);
      if (cols[3] !== '0A') continue;
      const [hex, port] = cols[1]!.split(':');
      out.push({ address: decodeAddress(hex!), port: parseInt(port!, 16) });
    }
  }
  return out;
}

export function isLoopback(address: string): boolean {
  return /^127\./.test(address) || address === '::1' || /^::ffff:127\./.test(address);
}
