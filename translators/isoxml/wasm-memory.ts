/**
 * Measurement aid: records the WebAssembly.Memory of every module instantiated after this module
 * is loaded, so the size of libxml2-wasm's linear memory (which only ever grows) can be watched.
 * Import it BEFORE anything that loads libxml2-wasm (bench.ts and the leak test do). Not for the hub.
 */
interface WasmMemory {
  buffer: ArrayBuffer;
}
interface WasmApi {
  Memory: new (...args: never[]) => WasmMemory;
  instantiate: (...args: unknown[]) => Promise<unknown>;
  instantiateStreaming?: (...args: unknown[]) => Promise<unknown>;
}

const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

export const wasmMemories: WasmMemory[] = [];

function collect(result: unknown): void {
  const r = result as { instance?: { exports: Record<string, unknown> }; exports?: Record<string, unknown> };
  const exports = r.instance?.exports ?? r.exports ?? {};
  for (const value of Object.values(exports)) if (value instanceof wasm.Memory) wasmMemories.push(value);
}

for (const name of ['instantiate', 'instantiateStreaming'] as const) {
  const original = wasm[name];
  if (!original) continue;
  wasm[name] = async function (this: unknown, ...args: unknown[]) {
    const result = await original.apply(this, args);
    collect(result);
    return result;
  };
}

/** Total bytes of the recorded WASM linear memories. */
export function wasmMemoryBytes(): number {
  return wasmMemories.reduce((n, m) => n + m.buffer.byteLength, 0);
}
