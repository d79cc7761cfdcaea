import type { Torrents } from '../../../src/records/index.js';
import { pseudoRandomBytes } from '../../helpers/files.js';

/**
 * Stored torrents with made-up infohashes, in the artifacts bucket: for tests about record
 * states and transitions, not about torrent content. `seed` keeps each test's hashes apart.
 */
function fakeTorrents(seed: string): Torrents {
  const hex = (label: string, bytes: number): string => pseudoRandomBytes(bytes, `${seed}:${label}`).toString('hex');
  return {
    v1: { infoHashV1: hex('v1', 20), artifactKey: `torrents/${seed}.v1.torrent`, bytes: 1_000 },
    hybrid: { infoHashV1: hex('h1', 20), infoHashV2: hex('h2', 32), artifactKey: `torrents/${seed}.hybrid.torrent`, bytes: 2_000 },
  };
}

export { fakeTorrents };
