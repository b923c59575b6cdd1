#!/usr/bin/env node
// A real Apache Kafka broker (KRaft, one node, loopback only) for manual runs: the one the tests start
// (test/support/kafka.ts; run `npm run build` first). Fetches the broker's jars from Maven Central into
// ~/.cache/mizani/kafka-3.9.1 on first use.
//
//   node scripts/kafka.mjs install   fetch the jars if needed and say where they are
//   node scripts/kafka.mjs           start a broker, print its address (MIZANI_KAFKA_BROKERS), stop it on Ctrl-C
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';

const support = fileURLToPath(new URL('../dist/test/support/kafka.js', import.meta.url));
if (!existsSync(support)) {
  console.error('dist/test/support/kafka.js is missing: run `npm run build` first');
  process.exit(1);
}
const { ensureKafkaJars, startKafka, KAFKA_VERSION } = await import(support);

if (process.argv[2] === 'install') {
  const { dir, cached, seconds } = await ensureKafkaJars();
  console.log(`Kafka ${KAFKA_VERSION} jars in ${dir}/libs (${cached ? 'already there' : `fetched in ${seconds.toFixed(1)} s`})`);
} else {
  const broker = await startKafka();
  console.log(`Kafka ${KAFKA_VERSION} broker at ${broker.bootstrap} (started in ${broker.startMs} ms, data in ${broker.dir})`);
  console.log(`  MIZANI_DATABASE_URL=postgres://postgres@127.0.0.1:5432/mizani MIZANI_BUS=kafka MIZANI_KAFKA_BROKERS=${broker.bootstrap} ./mizani start`);
  console.log('  (each hub node started so on other ports, MIZANI_FSPIOP_PORT / MIZANI_ADMIN_PORT, joins the cluster)');
  console.log('Ctrl-C stops it and deletes its folder.');
  const stop = async () => {
    await broker.stop({ graceful: true });
    console.log('broker stopped');
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
