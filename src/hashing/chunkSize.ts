/**
 * Bytes per read and per message to a hashing thread: 4 MiB makes the per-chunk cost negligible
 * (256 chunks per GiB) while 2 buffers per thread keep memory in the tens of MiB. A power of
 * two, so pieces larger than a chunk split into whole chunks. In a module of its own so that
 * hashThreads.ts can size a file's lanes without loading the hashing code.
 */
const CHUNK_SIZE = 4 * 1024 * 1024;

export { CHUNK_SIZE };
