import { readFileSync, readdirSync } from 'node:fs';
import { cpus } from 'node:os';

/**
 * CPU seconds (user + system, all threads) used so far by the stack's processes: the node
 * process itself (s3rver, the API and hash-worker handlers, their SDK clients) and the rest of
 * its process group (DynamoDB Local's JVM); by this bench (the load generator); and by the whole
 * machine. Differences over a measurement say which process a request or the hashing spends its
 * time in, whether one core was saturated, and how much other processes took meanwhile.
 */
interface StackCpu {
  readonly node: number;
  readonly others: number;
  readonly bench: number;
  readonly machine: number;
  /** Every other process by "name (pid)": who to blame when the machine was shared. */
  readonly foreign: ReadonlyMap<string, number>;
}

/** /proc reports times in USER_HZ ticks, which Linux fixes at 100 per second for user space. */
const TICKS_PER_SECOND = 100;

interface ProcStat {
  readonly name: string;
  readonly pgrp: number;
  readonly cpuSeconds: number;
}

function readStat(pid: string): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // exited meanwhile, or not Linux
  }
  // The command name is in parentheses and may hold spaces: fields start after the last ')'.
  const name = text.slice(text.indexOf('(') + 1, text.lastIndexOf(')'));
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // Fields 5 (pgrp), 14 (utime) and 15 (stime) of proc(5), counted from 3 (state) here; a
  // process's line sums all of its threads.
  const pgrp = Number(fields[2]);
  const ticks = Number(fields[11]) + Number(fields[12]);
  return Number.isFinite(pgrp) && Number.isFinite(ticks) ? { name, pgrp, cpuSeconds: ticks / TICKS_PER_SECOND } : undefined;
}

/** The CPU the stack (process group `pid`) and everyone else have used so far; undefined without /proc. */
function stackCpu(pid: number): StackCpu | undefined {
  const own = readStat(String(pid));
  if (own === undefined) return undefined;
  let others = 0;
  const foreign = new Map<string, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || entry === String(pid) || entry === String(process.pid)) continue;
    const stat = readStat(entry);
    if (stat === undefined) continue;
    if (stat.pgrp === pid) others += stat.cpuSeconds;
    else foreign.set(`${stat.name} (${entry})`, stat.cpuSeconds);
  }
  const bench = process.cpuUsage();
  const machineMs = cpus().reduce((sum, cpu) => sum + cpu.times.user + cpu.times.nice + cpu.times.sys + cpu.times.irq, 0);
  return { node: own.cpuSeconds, others, bench: (bench.user + bench.system) / 1e6, machine: machineMs / 1000, foreign };
}

/** CPU used between two samples (undefined if either is). */
function cpuBetween(before: StackCpu | undefined, after: StackCpu | undefined): StackCpu | undefined {
  if (before === undefined || after === undefined) return undefined;
  const foreign = new Map<string, number>();
  for (const [name, seconds] of after.foreign) {
    // A process started meanwhile used all of its CPU inside the window.
    const used = seconds - (before.foreign.get(name) ?? 0);
    if (used > 0) foreign.set(name, used);
  }
  return {
    node: after.node - before.node,
    others: after.others - before.others,
    bench: after.bench - before.bench,
    machine: after.machine - before.machine,
    foreign,
  };
}

/**
 * CPU seconds that processes other than the stack and this bench took: noise from a shared
 * machine (the kernel's own threads included). Kernel counters tick in 10 ms steps, so a small
 * negative difference is rounding.
 */
function foreignSeconds(cpu: StackCpu): number {
  return Math.max(0, cpu.machine - cpu.node - cpu.others - cpu.bench);
}

/** The other processes that used the most CPU, busiest first. */
function busiestForeign(cpu: StackCpu, count: number): Array<{ name: string; seconds: number }> {
  return [...cpu.foreign]
    .map(([name, seconds]) => ({ name, seconds }))
    .sort((a, b) => b.seconds - a.seconds)
    .slice(0, count);
}

export { busiestForeign, cpuBetween, foreignSeconds, stackCpu };
export type { StackCpu };
