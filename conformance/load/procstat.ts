// CPU accounting from /proc (Linux): a process's utime+stime, PostgreSQL's processes, the pid listening on a
// TCP port. Used to report the hub's and PostgreSQL's CPU seconds per complete payment.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

let tck: number | undefined;
export function clockTicks(): number {
  if (tck === undefined) {
    try {
      tck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      tck = 100;
    }
  }
  return tck;
}

export interface ProcCpu {
  pid: number;
  comm: string;
  ppid: number;
  /** Own CPU seconds (user + system). */
  self: number;
  /** CPU seconds of reaped children (cutime + cstime). */
  children: number;
  /** Start time, seconds after boot. */
  start: number;
}

export function readProc(pid: number): ProcCpu | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const close = text.lastIndexOf(')');
  const comm = text.slice(text.indexOf('(') + 1, close);
  const f = text.slice(close + 2).split(' '); // f[0] = state (field 3)
  const t = clockTicks();
  return {
    pid,
    comm,
    ppid: Number(f[1]),
    self: (Number(f[11]) + Number(f[12])) / t,
    children: (Number(f[13]) + Number(f[14])) / t,
    start: Number(f[19]) / t,
  };
}

export function allPids(): number[] {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map(Number);
}

/**
 * CPU seconds of all PostgreSQL processes so far: Σ own CPU of the live `postgres` processes + CPU of the
 * children the postmaster has reaped. The difference of two snapshots counts backends that ended in between.
 */
export function postgresTotalCpu(): number {
  let total = 0;
  for (const pid of allPids()) {
    const p = readProc(pid);
    if (!p || p.comm !== 'postgres') continue;
    total += p.self;
    const parent = readProc(p.ppid);
    if (!parent || parent.comm !== 'postgres') total += p.children; // the postmaster
  }
  return total;
}

/** CPU meter over a changing set of pids: deltas per pid, pids that appear later count from their birth. */
export class PidSetMeter {
  private readonly last = new Map<number, number>();
  private readonly since = uptime();
  total = 0;

  sample(pids: Iterable<number>): number {
    for (const pid of pids) {
      const p = readProc(pid);
      if (!p) continue;
      const prev = this.last.get(pid);
      if (prev === undefined) {
        this.last.set(pid, p.self);
        if (p.start >= this.since) this.total += p.self; // born after the meter started
      } else {
        this.total += Math.max(0, p.self - prev);
        this.last.set(pid, p.self);
      }
    }
    return this.total;
  }
}

export function uptime(): number {
  try {
    return Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
  } catch {
    return 0;
  }
}

/** Pid of the process listening on 127.0.0.1/0.0.0.0/:: `port` (needs access to its /proc/<pid>/fd). */
export function pidListeningOn(port: number): number | undefined {
  const inodes = new Set<string>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10) continue;
      const local = f[1]!;
      const state = f[3];
      if (state !== '0A') continue; // LISTEN
      if (parseInt(local.split(':')[1]!, 16) === port) inodes.add(f[9]!);
    }
  }
  if (inodes.size === 0) return undefined;
  for (const pid of allPids()) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m && inodes.has(m[1]!)) return pid;
      } catch {
        /* gone */
      }
    }
  }
  return undefined;
}

export function cpuModel(): string {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    return m ? m[1]!.trim() : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Busy CPU seconds of the whole machine so far (all cores; /proc/stat: everything but idle and iowait). */
export function machineBusyCpu(): number | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal guest guest_nice
    const busy = f[0]! + f[1]! + f[2]! + (f[5] ?? 0) + (f[6] ?? 0) + (f[7] ?? 0);
    return busy / clockTicks();
  } catch {
    return undefined;
  }
}

/** Resident set size of a process in MiB (/proc/<pid>/status VmRSS). */
export function rssMiB(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}
