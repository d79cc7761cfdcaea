import { ConnectionIds } from '../../../src/tracker/ConnectionIds.js';

describe('Class: ConnectionIds', () => {
  const address = Uint8Array.from([127, 0, 0, 1]);

  it('accepts an id from the address it was issued to for at least two minutes', () => {
    let now = 59_999;
    const ids = new ConnectionIds(() => now);
    const id = ids.issue(address);
    expect(id).toHaveLength(8);
    now += 120_000;
    expect(ids.verify(id, address)).toBe(true);
  });

  it('refuses it after three minutes, from another address, or from another process', () => {
    let now = 0;
    const ids = new ConnectionIds(() => now);
    const id = ids.issue(address);
    expect(ids.verify(id, Uint8Array.from([127, 0, 0, 2]))).toBe(false);
    expect(new ConnectionIds(() => now).verify(id, address)).toBe(false);
    now = 180_000;
    expect(ids.verify(id, address)).toBe(false);
  });

  it('refuses ids of the wrong length and is deterministic for a fixed secret', () => {
    const secret = new Uint8Array(32).fill(7);
    const a = new ConnectionIds(() => 5, secret);
    expect(a.issue(address)).toEqual(new ConnectionIds(() => 5, secret).issue(address));
    expect(a.verify(new Uint8Array(7), address)).toBe(false);
  });
});
