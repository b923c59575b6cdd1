/**
 * A real Apache Kafka broker for tests (issue 13, "real parts in tests"): Kafka's own published jars, a single
 * KRaft node that is broker and controller at once, on free loopback ports, in a temp folder that goes with it.
 *
 * - Jars: on first use, `mvn dependency:copy-dependencies` of a generated pom (org.apache.kafka:kafka_2.13:3.9.1 and
 *   org.slf4j:slf4j-reload4j:1.7.36) fills ${MIZANI_KAFKA_CACHE:-${XDG_CACHE_HOME:-~/.cache}/mizani}/kafka-3.9.1/libs,
 *   outside the repo, once per machine (about 46 MB; ~20 s). A marker written last says the folder is complete; the
 *   download goes to a temp folder that is renamed into place, so an interrupted one never looks complete.
 * - Broker: `kafka.tools.StorageTool format`, then `kafka.Kafka server.properties`, classpath = the jars, Java from
 *   $JAVA_HOME or the PATH (17 here), a small heap (-Xmx384m, serial GC, the quick JIT). Listeners on 127.0.0.1 only.
 * - No orphan JVM: the JVM runs under a small bash watchdog in a process group of its own. `stop()` kills the group;
 *   the test process's exit kills it too; and if the test process dies without running its exit hooks (SIGKILL,
 *   a runner's timeout), the watchdog, which polls it every second, kills the JVM and deletes the folder.
 *
 * `node scripts/kafka.mjs` (after a build) runs one by hand.
 */
import { spawn, execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel, Partitioners } from 'kafkajs';

export const KAFKA_VERSION = '3.9.1';
const SCALA_VERSION = '2.13';
const SLF4J_BINDING = { groupId: 'org.slf4j', artifactId: 'slf4j-reload4j', version: '1.7.36' };
const MARKER = '.mizani-install-complete';
const run = promisify(execFile);

export function kafkaCacheDir(): string {
  const root = process.env.MIZANI_KAFKA_CACHE
    ? resolve(process.env.MIZANI_KAFKA_CACHE)
    : join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'mizani');
  return join(root, `kafka-${KAFKA_VERSION}`);
}

function javaBinary(): string {
  return process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
}

function installed(dir: string): boolean {
  try {
    const marker = JSON.parse(readFileSync(join(dir, MARKER), 'utf8')) as { version?: string };
    return marker.version === KAFKA_VERSION && existsSync(join(dir, 'libs', `kafka_${SCALA_VERSION}-${KAFKA_VERSION}.jar`));
  } catch {
    return false;
  }
}

function pom(): string {
  const dependency = (g: string, a: string, v: string) =>
    `<dependency><groupId>${g}</groupId><artifactId>${a}</artifactId><version>${v}</version></dependency>`;
  return `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>mizani.test</groupId><artifactId>kafka-broker-jars</artifactId><version>1</version><packaging>pom</packaging>
  <dependencies>
    ${dependency('org.apache.kafka', `kafka_${SCALA_VERSION}`, KAFKA_VERSION)}
    ${dependency(SLF4J_BINDING.groupId, SLF4J_BINDING.artifactId, SLF4J_BINDING.version)}
  </dependencies>
</project>
`;
}

/** The broker's jars, fetched from Maven Central on first use. Returns the folder holding `libs/`. */
export async function ensureKafkaJars(): Promise<{ dir: string; cached: boolean; seconds: number }> {
  const dir = kafkaCacheDir();
  if (installed(dir)) return { dir, cached: true, seconds: 0 };
  const began = Date.now();
  mkdirSync(join(dir, '..'), { recursive: true });
  const temp = mkdtempSync(`${dir}.partial-`);
  try {
    writeFileSync(join(temp, 'pom.xml'), pom());
    const args = ['-q', '-B', '-f', join(temp, 'pom.xml'), 'dependency:copy-dependencies', `-DoutputDirectory=${join(temp, 'libs')}`, '-DincludeScope=runtime'];
    await run('mvn', args, { maxBuffer: 16 * 1024 * 1024, timeout: 10 * 60_000 }).catch((err: Error & { stdout?: string; stderr?: string }) => {
      throw new Error(`fetching the Kafka ${KAFKA_VERSION} jars with Maven failed: ${err.message}\n${err.stdout ?? ''}${err.stderr ?? ''}`);
    });
    const jars = readdirSync(join(temp, 'libs'));
    writeFileSync(join(temp, MARKER), JSON.stringify({ version: KAFKA_VERSION, jars: jars.length, at: new Date().toISOString() }) + '\n');
    try {
      renameSync(temp, dir);
    } catch (err) {
      if (!installed(dir)) throw err; // else another process finished first: use its copy
    }
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
  return { dir, cached: false, seconds: (Date.now() - began) / 1000 };
}

/** A Kafka Uuid (16 bytes, base64url), never starting with "-" (as Kafka's own: a command line would read an option). */
function clusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok, fail) => server.once('error', fail).listen(0, '127.0.0.1', ok));
  const port = (server.address() as { port: number }).port;
  await new Promise((ok) => server.close(ok));
  return port;
}

function serverProperties(dir: string, port: number, controllerPort: number): string {
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'inter.broker.listener.name=PLAINTEXT',
    `log.dirs=${join(dir, 'data')}`,
    'num.partitions=1',
    'default.replication.factor=1',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=4',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=4',
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=false',
    'num.network.threads=2',
    'num.io.threads=2',
    'background.threads=2',
    'log.cleaner.threads=1',
    '',
  ].join('\n');
}

const LOG4J = `log4j.rootLogger=WARN, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.server.KafkaRaftServer=INFO
`;

/**
 * Runs "$@" (the JVM) and watches the test process ($OWNER): when that is gone, kills the JVM and deletes $DIR.
 * A TERM to the group stops the JVM as Kafka's own shutdown hook does.
 */
const WATCHDOG = `
"$@" &
jpid=$!
trap 'kill -TERM $jpid 2>/dev/null; wait $jpid; exit 0' TERM INT
while kill -0 "$OWNER" 2>/dev/null; do
  kill -0 $jpid 2>/dev/null || { wait $jpid; exit $?; }
  sleep 1 & wait $!
done
kill -KILL $jpid 2>/dev/null
rm -rf "$DIR"
`;

export interface KafkaBroker {
  /** `127.0.0.1:<port>`: what MIZANI_KAFKA_BROKERS takes. */
  bootstrap: string;
  brokers: string[];
  dir: string;
  /** From the call to the broker answering a metadata request (jars already fetched). */
  startMs: number;
  /** The broker's log so far (WARN and above, plus its start line). */
  log(): string;
  /** Kills the JVM (graceful: SIGTERM first, as Kafka's shutdown hook expects) and deletes its folder. */
  stop(options?: { graceful?: boolean }): Promise<void>;
  /**
   * Stops the broker (graceful or SIGKILL), keeps it down `downMs`, starts it again on the same ports and data; resolves
   * with the time it was not answering once it answers again.
   */
  bounce(options?: { graceful?: boolean; downMs?: number }): Promise<number>;
}

export interface StartKafkaOptions {
  heapMb?: number;
  timeoutMs?: number;
}

export async function startKafka(options: StartKafkaOptions = {}): Promise<KafkaBroker> {
  const { dir: home } = await ensureKafkaJars();
  const began = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'mizani-kafka-'));
  const [port, controllerPort] = [await freePort(), await freePort()];
  writeFileSync(join(dir, 'server.properties'), serverProperties(dir, port, controllerPort));
  writeFileSync(join(dir, 'log4j.properties'), LOG4J);
  const jvm = [
    `-Xmx${options.heapMb ?? 384}m`,
    '-Xms64m',
    '-XX:+UseSerialGC',
    '-XX:TieredStopAtLevel=1',
    '-XX:-UsePerfData',
    '-Djava.awt.headless=true',
    `-Dlog4j.configuration=file:${join(dir, 'log4j.properties')}`,
    '-cp',
    join(home, 'libs', '*'),
  ];
  await run(javaBinary(), [...jvm, 'kafka.tools.StorageTool', 'format', `--cluster-id=${clusterId()}`, '-c', join(dir, 'server.properties')], {
    timeout: 120_000,
  }).catch((err: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  });
  const logFile = join(dir, 'broker.log');
  const readLog = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
  const bootstrap = `127.0.0.1:${port}`;
  let jvmGroup = launch(dir, logFile, [...jvm, 'kafka.Kafka', join(dir, 'server.properties')]);
  const killNow = () => {
    jvmGroup.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', killNow);
  const waitAnswering = async (timeoutMs: number) => {
    try {
      await answering(bootstrap, jvmGroup.exited, timeoutMs);
    } catch (err) {
      const tail = readLog().split('\n').slice(-30).join('\n');
      killNow();
      process.removeListener('exit', killNow);
      throw new Error(`${(err as Error).message}\n--- broker log ---\n${tail}`);
    }
  };
  await waitAnswering(options.timeoutMs ?? 120_000);
  let stopped: Promise<void> | undefined;
  const stop = async ({ graceful = false } = {}) => {
    await jvmGroup.end(graceful);
    killNow();
    process.removeListener('exit', killNow);
  };
  const bounce = async ({ graceful = false, downMs = 0 } = {}) => {
    const downAt = Date.now();
    await jvmGroup.end(graceful);
    await new Promise((ok) => setTimeout(ok, downMs));
    jvmGroup = launch(dir, logFile, [...jvm, 'kafka.Kafka', join(dir, 'server.properties')]);
    await waitAnswering(options.timeoutMs ?? 120_000);
    return Date.now() - downAt;
  };
  return { bootstrap, brokers: [bootstrap], dir, startMs: Date.now() - began, log: readLog, stop: (o) => (stopped ??= stop(o)), bounce };
}

/** The JVM under its watchdog, in a process group of its own (see WATCHDOG). */
function launch(dir: string, logFile: string, args: string[]) {
  const out = openSync(logFile, 'a');
  const child = spawn('bash', ['-c', WATCHDOG, 'kafka-watchdog', javaBinary(), ...args], {
    detached: true,
    stdio: ['ignore', out, out],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', OWNER: String(process.pid), DIR: dir },
  });
  closeSync(out);
  const pid = child.pid!;
  const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
  const kill = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      // already gone
    }
  };
  /** SIGTERM first when graceful (Kafka's shutdown hook), SIGKILL otherwise or when that takes too long. */
  const end = async (graceful: boolean) => {
    kill(graceful ? 'SIGTERM' : 'SIGKILL');
    const timer = setTimeout(() => kill('SIGKILL'), graceful ? 15_000 : 5000);
    await exited;
    clearTimeout(timer);
  };
  return { exited, kill, end };
}

/**
 * Resolves when the broker answers as clients need it: metadata with itself in it, a topic created, an idempotent
 * producer's send acknowledged, a consumer group's offsets read (the group coordinator has loaded).
 */
async function answering(bootstrap: string, exited: Promise<void>, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  let gone = false;
  void exited.then(() => (gone = true));
  while (Date.now() < until) {
    if (gone) throw new Error('the Kafka broker exited during start-up');
    if ((await portOpen(bootstrap)) && (await serving(bootstrap))) return;
    await new Promise((ok) => setTimeout(ok, 250));
  }
  throw new Error(`the Kafka broker did not answer at ${bootstrap} within ${timeoutMs} ms`);
}

async function serving(bootstrap: string): Promise<boolean> {
  const kafka = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
  const admin = kafka.admin();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  const probe = 'mizani-test-broker-ready';
  try {
    await admin.connect();
    if ((await admin.describeCluster()).brokers.length === 0) return false;
    if (!(await admin.listTopics()).includes(probe)) await admin.createTopics({ topics: [{ topic: probe }] });
    await producer.connect();
    await producer.send({ topic: probe, messages: [{ value: 'ready' }], acks: -1 });
    await admin.fetchOffsets({ groupId: probe, topics: [probe] });
    return true;
  } catch {
    return false;
  } finally {
    await producer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}

function portOpen(hostPort: string): Promise<boolean> {
  const [host, port] = hostPort.split(':');
  return new Promise<boolean>((ok) => {
    const socket = new Socket();
    const done = (open: boolean) => {
      socket.destroy();
      ok(open);
    };
    socket.setTimeout(500);
    socket
      .once('connect', () => done(true))
      .once('error', () => done(false))
      .once('timeout', () => done(false));
    socket.connect(Number(port), host!);
  });
}
