/**
 * The partition of a bus key: the same function where a command is published (switch/bus/kafka-bus.ts) and where a
 * position owner decides which participants it writes (the ledger's partitioning, switch/hub.ts). 32-bit FNV-1a over
 * the key's UTF-8 bytes, modulo the partition count: stable across processes, versions and platforms.
 */
export function partitionOf(key: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(key, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % partitions;
}
