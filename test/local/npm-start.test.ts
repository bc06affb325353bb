/**
 * `npm start` as a user runs it: the npm process in a process group of its own (as a shell job
 * is), signalled alone — not its group — the way IDE stop buttons, supervisors and a closing
 * terminal reach it. Whatever the signal, every process of the stack is gone afterwards and its
 * ports are free; while it runs, no socket of it listens beyond loopback.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { freePort, isPortInUse } from '../../local/free-port.ts';
import { commandLine, descendants, isAlive, isLoopback, listeners, listenersOnPort, listeningSockets, membersOfGroups, processGroupOf, type Listener } from './proc.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const READY_TIMEOUT_MS = 150_000;
const GONE_TIMEOUT_MS = 30_000;

interface Run {
  npm: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

const runs: Run[] = [];

/** Two consecutive free ports: PORT and the WebSocket port PORT+1. */
async function freePortPair(): Promise<number> {
  for (let n = 0; n < 20; n++) {
    const port = await freePort();
    if (port < 65535 && !(await isPortInUse(port + 1)) && !(await isPortInUse(port + 1, '::1'))) return port;
  }
  throw new Error('no two consecutive free ports');
}

/** A user's shell environment: none of this test run's stack variables. */
function userEnv(port: number): NodeJS.ProcessEnv {
  const { PATH, HOME, USER, LANG, TMPDIR } = process.env;
  return Object.fromEntries(Object.entries({ PATH, HOME, USER, LANG, TMPDIR, PORT: String(port) }).filter(([, v]) => v !== undefined));
}

function npmStart(env: NodeJS.ProcessEnv): Run {
  const npm = spawn('npm', ['start'], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  npm.stdout!.on('data', (d) => (text += d));
  npm.stderr!.on('data', (d) => (text += d));
  const exited = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)));
  const run = { npm, output: () => text, exited };
  runs.push(run);
  return run;
}

async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs: number, run?: Run): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s${run ? `. npm start printed:\n${run.output().slice(-4000)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface Started extends Run {
  port: number;
  pids: number[];
  /** The process groups of the stack (npm's, serverless-offline's own), to find late children too. */
  groups: Set<number>;
  listening: Listener[];
}

async function startedStack(): Promise<Started> {
  const port = await freePortPair();
  const run = npmStart(userEnv(port));
  let gone = false;
  void run.exited.then(() => (gone = true));
  await until('npm start ready', () => {
    if (gone) throw new Error(`npm start exited before it was ready:\n${run.output()}`);
    return /is running on http:\/\/localhost:\d+/.test(run.output());
  }, READY_TIMEOUT_MS, run);
  const pids = descendants(run.npm.pid!);
  const groups = new Set([run.npm.pid!, ...pids.map((pid) => processGroupOf(pid)).filter((g): g is number => g !== undefined)]);
  return { ...run, port, pids, groups, listening: listeners(pids) };
}

/** Every process the run had is gone and every port it listened on can be bound again. */
async function expectNothingLeft(run: Started): Promise<void> {
  const left = () => [...new Set([...run.pids.filter(isAlive), ...membersOfGroups(run.groups)])];
  await until('every process of the stack gone', () => left().length === 0, GONE_TIMEOUT_MS, run);
  expect(left().map((pid) => `${pid} ${commandLine(pid)}`)).toEqual([]);
  // Free = nothing listens there any more. (Binding it to check would race with the machine's
  // other programs: these were ephemeral ports, which outgoing connections reuse at once.)
  const stillListening = listeningSockets();
  for (const l of run.listening) {
    const taken = stillListening.some((s) => s.port === l.port && s.address === l.address);
    expect(taken, `${l.address}:${l.port} (was ${l.pid}): ${listenersOnPort(l.port).join('; ')}`).toBe(false);
  }
}

afterEach(() => {
  // A failed test must not leave its stack running.
  for (const run of runs.splice(0)) {
    for (const pid of [run.npm.pid!, ...descendants(run.npm.pid!)]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }
});

describe('npm start', () => {
  it('refuses, saying so, when PORT or the WebSocket port (PORT+1) is taken, and starts nothing', async () => {
    const port = await freePortPair();
    for (const taken of [port, port + 1]) {
      const blocker = net.createServer();
      await new Promise<void>((resolve) => blocker.listen(taken, '127.0.0.1', resolve));
      try {
        const run = npmStart(userEnv(port));
        expect(await run.exited).not.toBe(0);
        expect(run.output()).toContain(`Port ${taken} (${taken === port ? 'PORT' : 'WS_PORT'}) is already in use`);
        expect(run.output()).not.toContain('local-stack:');
      } finally {
        await new Promise((resolve) => blocker.close(resolve));
      }
    }
  }, 60_000);

  it('listens on loopback only (every socket of every process), and SIGINT to npm stops everything', async () => {
    const run = await startedStack();
    const commands = run.pids.map(commandLine);
    expect(commands.some((c) => c.includes('LoopbackDynamoDbLocal')), commands.join('\n')).toBe(true);
    expect(commands.some((c) => c.includes('sls offline start'))).toBe(true);
    const ports = run.listening.map((l) => l.port);
    expect(ports).toContain(run.port);
    expect(run.listening.length).toBeGreaterThanOrEqual(5); // HTTP, Lambda, DynamoDB, fauxqs, and Redis + bridge or not
    expect(run.listening.filter((l) => !isLoopback(l.address)).map((l) => `${l.address}:${l.port} ${commandLine(l.pid)}`)).toEqual([]);
    expect(run.output()).toContain('Everything listens on 127.0.0.1 only.');
    expect(run.output()).toMatch(/ready in \d+\.\d s/);

    process.kill(run.npm.pid!, 'SIGINT');
    expect(await run.exited).toBe(0);
    await expectNothingLeft(run);
  }, READY_TIMEOUT_MS + 60_000);

  it.each(['SIGTERM', 'SIGHUP'] as const)('%s to npm stops everything', async (signal) => {
    const run = await startedStack();
    process.kill(run.npm.pid!, signal);
    await run.exited;
    await expectNothingLeft(run);
  }, READY_TIMEOUT_MS + 60_000);

  // A terminal signals its whole foreground process group: npm, node, java and redis-server each
  // get it at once (and npm forwards SIGINT once more).
  it.each([
    ['Ctrl-C', 'SIGINT'],
    ['the terminal closing', 'SIGHUP'],
  ] as const)('%s (%s to the whole process group) stops everything, gracefully', async (_what, signal) => {
    const run = await startedStack();
    process.kill(-run.npm.pid!, signal);
    await run.exited;
    await expectNothingLeft(run);
    expect(run.output()).not.toContain('killing everything now');
  }, READY_TIMEOUT_MS + 60_000);

  it('npm dying (SIGKILL) stops everything too', async () => {
    const run = await startedStack();
    process.kill(run.npm.pid!, 'SIGKILL');
    await run.exited;
    await expectNothingLeft(run);
    expect(run.output()).toMatch(/parent process \d+ exited: stopping the local stack/);
  }, READY_TIMEOUT_MS + 60_000);
});
