/**
 * The local stack's child processes (DynamoDB Local, redis-server, serverless-offline): started
 * with execa, stopped by stop(), killed when this process exits, and on Linux also when it dies
 * without running any exit code (SIGKILL): util-linux's setpriv gives each child a parent-death
 * signal, then execs the real command under the same pid.
 *
 * Kept as our own code: stopping a service that runs in a process group of its own
 * (serverless-offline and the esbuild service it starts) signals the whole group, one kernel
 * call; tree-kill walks `ps` output instead, which misses a child re-parented after its parent
 * exited and races with processes that are starting.
 */
import { execa } from 'execa';
import { which } from './free-port.ts';

export interface ExitStatus {
  exitCode?: number;
  signal?: string;
  /** Why it could not start or run (e.g. ENOENT), when that is known. */
  failure?: string;
}

export interface ChildService {
  readonly name: string;
  readonly pid: number;
  /** Settles when the process has exited; never rejects. */
  readonly exited: Promise<ExitStatus>;
  hasExited(): boolean;
  /** Its last lines of output (stdout and stderr together), for error messages. */
  recentOutput(): string;
  /** Called with every further line it prints. */
  onLine(listener: (line: string) => void): void;
  /** SIGTERM, then SIGKILL after the grace period; for a group, every member. Idempotent. */
  stop(): Promise<void>;
}

export interface StartOptions {
  cwd?: string;
  /** The complete environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Run in a process group of its own, stopped as a whole (for processes that start others). */
  group?: boolean;
  /** How long stop() waits after SIGTERM before SIGKILL (default 3 s). */
  graceMs?: number;
  /** Output lines kept for recentOutput() (default 100). */
  keepLines?: number;
}

const SETPRIV = process.platform === 'linux' ? which('setpriv') : undefined;

/** Every child not yet known to have exited: SIGKILLed synchronously if this process exits. */
const running = new Set<{ pid: number; group: boolean }>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of running) signal(child, 'SIGKILL');
  });
}

function signal(child: { pid: number; group: boolean }, name: NodeJS.Signals | 0): boolean {
  try {
    process.kill(child.group ? -child.pid : child.pid, name);
    return true;
  } catch {
    return false; // gone
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function startChild(name: string, command: string, args: string[], options: StartOptions = {}): ChildService {
  installExitHook();
  const group = options.group ?? false;
  const graceMs = options.graceMs ?? 3000;
  const keep = options.keepLines ?? 100;
  const [file, argv] = SETPRIV ? [SETPRIV, ['--pdeathsig', 'SIGKILL', '--', command, ...args]] : [command, args];
  const subprocess = execa(file, argv, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    extendEnv: false,
    detached: group,
    stdin: 'ignore',
    all: true,
    buffer: false,
    reject: false,
    // Non-group children: execa kills them when this process exits normally, and sends SIGKILL
    // if SIGTERM was not enough after the grace period.
    cleanup: true,
    forceKillAfterDelay: graceMs,
  });
  const pid = subprocess.pid ?? 0;
  const entry = { pid, group };
  if (pid) running.add(entry);

  let done = false;
  const exited: Promise<ExitStatus> = subprocess.then(
    (result) => {
      done = true;
      if (!group) running.delete(entry);
      const failure = result.failed && result.exitCode === undefined && !result.signal ? result.shortMessage : undefined;
      return { exitCode: result.exitCode, signal: result.signal, failure };
    },
    (error: Error) => {
      done = true;
      if (!group) running.delete(entry);
      return { failure: error.message };
    },
  );

  const lines: string[] = [];
  const listeners = new Set<(line: string) => void>();
  void (async () => {
    try {
      for await (const line of subprocess.iterable({ from: 'all' })) {
        lines.push(line);
        if (lines.length > keep) lines.shift();
        for (const listener of listeners) listener(line);
      }
    } catch {
      // the process failed to start: `exited` says why
    }
  })();

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (!pid) return;
      if (group) {
        if (!done) signal(entry, 'SIGTERM');
        await Promise.race([exited, sleep(graceMs)]);
        // Also whatever the leader left behind in its group.
        signal(entry, 'SIGKILL');
        await Promise.race([exited, sleep(2000)]);
        // A member that was already gone but not yet reaped by init still counts for kill(-pgid, 0):
        // wait a little for it, never forever (a zombie holds no port).
        for (let n = 0; n < 20 && signal(entry, 0); n++) await sleep(50);
        running.delete(entry);
      } else if (!done) {
        subprocess.kill('SIGTERM');
        await Promise.race([exited, sleep(graceMs + 2000)]);
      }
    })();
    return stopping;
  };

  return {
    name,
    pid,
    exited,
    hasExited: () => done,
    recentOutput: () => lines.join('\n'),
    onLine: (listener) => void listeners.add(listener),
    stop,
  };
}

/** Describes how a child ended, for error messages. */
export function describeExit(status: ExitStatus): string {
  if (status.failure) return status.failure;
  if (status.signal) return `killed by ${status.signal}`;
  return `exit code ${status.exitCode}`;
}
