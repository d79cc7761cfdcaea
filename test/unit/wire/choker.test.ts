import { Choker } from '../../../src/wire/index.js';

class FakePeer {
  public choked = true;
  public constructor(public readonly name: string, public interested = true) {}
  public setChoked(choked: boolean): void {
    this.choked = choked;
  }
}

describe('Class: Choker', () => {
  it('unchokes interested peers up to the limit and makes the rest wait', () => {
    const choker = new Choker<FakePeer>(2);
    const peers = ['a', 'b', 'c'].map((n) => new FakePeer(n));
    peers.forEach((p) => choker.interested(p));
    expect(peers.map((p) => p.choked)).toEqual([false, false, true]);
    expect(choker.unchokedCount).toBe(2);
  });

  it('gives a leaving peer’s slot to the next in line', () => {
    const choker = new Choker<FakePeer>(1);
    const [a, b] = [new FakePeer('a'), new FakePeer('b')];
    choker.interested(a);
    choker.interested(b);
    choker.remove(a);
    expect([a.choked, b.choked]).toEqual([true, false]);
  });

  it('rotates round robin so that every waiting peer gets a turn', () => {
    const choker = new Choker<FakePeer>(1);
    const peers = ['a', 'b', 'c'].map((n) => new FakePeer(n));
    peers.forEach((p) => choker.interested(p));
    const turns: string[] = [];
    for (let round = 0; round < 6; round += 1) {
      turns.push(peers.find((p) => !p.choked)?.name ?? '-');
      choker.rotate();
    }
    expect(turns).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
  });

  it('hands over a quarter of the slots per rotation when many wait', () => {
    const choker = new Choker<FakePeer>(8);
    const peers = Array.from({ length: 24 }, (_, i) => new FakePeer(`p${i}`));
    peers.forEach((p) => choker.interested(p));
    choker.rotate();
    expect(peers.filter((p) => !p.choked).map((p) => p.name)).toEqual(['p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8', 'p9']);
    expect(choker.unchokedCount).toBe(8);
  });

  it('skips peers that lost interest while waiting', () => {
    const choker = new Choker<FakePeer>(1);
    const [a, b, c] = [new FakePeer('a'), new FakePeer('b'), new FakePeer('c')];
    [a, b, c].forEach((p) => choker.interested(p));
    b.interested = false;
    choker.rotate();
    expect([a.choked, b.choked, c.choked]).toEqual([true, true, false]);
  });
});
