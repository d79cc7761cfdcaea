/**
 * Bytes per read and per message to a hashing thread: 4 MiB makes the per-chunk cost negligible
 * (256 chunks per GiB) while 2 buffers per thread keep memory in the tens of MiB. A power of
 * two, so pieces larger than a chunk split into whole chunks. In a module of its own so that
 * hashThreads.ts can size a file's lanes without loading the hashing code.
 */
const CHUNK_SIZE = 4 * 1024 * 1024;

/**
 * Threads to hash a range of `length` bytes with, given the `configured` number: none (the
 * caller's own thread) for a range of one chunk or less, whatever is configured. One thread
 * would hash that one chunk alone, and starting it (~0.04 CPU-s) costs more than hashing 4 MiB;
 * a prefix of a thousand small files, or a thousand small uploads, would start a thousand threads.
 */
function hashThreadsFor(length: number, configured: number): number {
  return length <= CHUNK_SIZE ? 0 : configured;
}

export { CHUNK_SIZE, hashThreadsFor };
