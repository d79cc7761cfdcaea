import type { RandomAccessSource } from '../../src/hashing/index.js';

/** An in-memory random-access source (the interface files and S3 objects implement). */
function memorySource(data: Buffer): RandomAccessSource {
  return {
    size: data.length,
    read: async (into, position) => {
      const bytes = data.subarray(position, position + into.length);
      into.set(bytes);
      return bytes.length;
    },
    close: async () => undefined,
  };
}

export { memorySource };
