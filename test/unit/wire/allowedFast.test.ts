import { allowedFastSet } from '../../../src/wire/index.js';

describe('Function: allowedFastSet', () => {
  // BEP 6's own example: peer 80.4.4.200, infohash 0xAA × 20, 1313 pieces.
  const infoHash = Buffer.alloc(20, 0xaa);

  it('gives the pieces BEP 6 lists for k = 7 and k = 9', () => {
    expect(allowedFastSet('80.4.4.200', infoHash, 1313, 7)).toEqual([1059, 431, 808, 1217, 287, 376, 1188]);
    expect(allowedFastSet('80.4.4.200', infoHash, 1313, 9)).toEqual([1059, 431, 808, 1217, 287, 376, 1188, 353, 508]);
  });

  it('depends only on the /24 of the address', () => {
    expect(allowedFastSet('80.4.4.1', infoHash, 1313, 7)).toEqual(allowedFastSet('80.4.4.200', infoHash, 1313, 7));
  });

  it('never asks for more pieces than the torrent has, and gives IPv6 peers none', () => {
    expect(new Set(allowedFastSet('10.0.0.1', infoHash, 3, 10))).toEqual(new Set([0, 1, 2]));
    expect(allowedFastSet('::1', infoHash, 1313, 7)).toEqual([]);
  });
});
