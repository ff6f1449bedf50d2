// Server CPU from outside, for the peer comparison: user + system time of whole process trees read from
// /proc/<pid>/stat (Linux), children that exited included (a parent's cutime/cstime). Resolution: one
// clock tick (10 ms at CLK_TCK 100), fine for rounds of hundreds of requests.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let tickMs;
const tick = () => {
  try {
    tickMs ??= 1000 / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
  } catch {
    tickMs = 10;
  }
  return tickMs;
};

export const canMeasureCpu = () => {
  try {
    readFileSync(`/proc/${process.pid}/stat`);
    return true;
  } catch {
    return false;
  }
};

/** {pid, ppid, comm, ms} of a live process, or null once it is gone. */
function stat(pid) {
  let text;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  const close = text.lastIndexOf(')');
  const fields = text.slice(close + 2).split(' '); // fields[0] is field 3 (state) of proc(5)
  const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0); // utime stime cutime cstime
  return { pid, ppid: Number(fields[1]), comm: text.slice(text.indexOf('(') + 1, close), ms: ticks * tick() };
}

function allProcesses() {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((name) => stat(Number(name)))
    .filter(Boolean);
}

/** The pids of `roots` and all their descendants, found afresh (backends come and go). */
export function processTree(roots) {
  const processes = allProcesses();
  const found = new Set(roots);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of processes) if (!found.has(p.pid) && found.has(p.ppid)) found.add(p.pid), (grew = true);
  }
  return [...found];
}

/** Descendants of this process whose command name starts with `comm` (e.g. 'workerd'). */
export function descendantsNamed(comm) {
  const tree = new Set(processTree([process.pid]));
  return allProcesses()
    .filter((p) => tree.has(p.pid) && p.comm.startsWith(comm))
    .map((p) => p.pid);
}

/** CPU milliseconds used so far by the trees under `roots()` (a function: the tree is re-read each time). */
export function cpuMs(roots) {
  return processTree(roots()).reduce((sum, pid) => sum + (stat(pid)?.ms ?? 0), 0);
}
