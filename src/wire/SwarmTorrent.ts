import { hash } from 'node:crypto';
import { decodeBencode, parseTorrent, spanOf } from '../torrent/index.js';
import type { BencodeDict } from '../torrent/index.js';
import { WireProtocolError } from './errors.js';
import { PieceLayerTree } from './merkleHashes.js';

/** One infohash under which the object is shared: what a peer handshaking with it gets. */
interface TorrentView {
  readonly infoHash: Buffer;
  /** The info dictionary's bytes: served by ut_metadata for magnet links (BEP 9). */
  readonly metadata: Buffer;
  /** True for the hybrid torrent's infohashes: BEP 52 hash requests are answered on them. */
  readonly hybrid: boolean;
}

/** Which object version a swarm serves. */
interface ObjectVersion {
  readonly bucket: string;
  readonly key: string;
  readonly etag: string;
}

function infoOf(torrent: Uint8Array): { root: BencodeDict; metadata: Buffer } {
  const root = decodeBencode(torrent);
  const info = root instanceof Map ? root.get('info') : undefined;
  const span = info instanceof Map ? spanOf(info) : undefined;
  if (!(root instanceof Map) || span === undefined) throw new WireProtocolError('torrent has no info dictionary');
  return { root, metadata: Buffer.from(torrent.subarray(span.start, span.end)) };
}

function piecesRootOf(info: BencodeDict, name: string): Buffer | undefined {
  const tree = info.get('file tree');
  const file = tree instanceof Map ? tree.get(Buffer.from(name, 'utf8').toString('latin1')) : undefined;
  const leaf = file instanceof Map ? file.get('') : undefined;
  const root = leaf instanceof Map ? leaf.get('pieces root') : undefined;
  return root instanceof Uint8Array ? Buffer.from(root) : undefined;
}

/**
 * Everything the seeder knows about one READY object: its size and pieces, and the infohashes
 * it answers to (the v1 torrent's, the hybrid's v1, the hybrid's truncated v2), one swarm.
 */
class SwarmTorrent {
  public readonly views: ReadonlyMap<string, TorrentView>;
  /** The hybrid torrent under its truncated v2 infohash: what a BEP 52 upgrade switches to. */
  public readonly hybridV2View: TorrentView;
  public readonly size: number;
  public readonly pieceLength: number;
  public readonly pieceCount: number;
  private readonly piecesRoot: Buffer | undefined;
  private readonly pieceLayer: Buffer | undefined;
  private tree: PieceLayerTree | undefined;

  /**
   * @param torrents the object's .torrent files (v1 and hybrid); they must describe the same bytes.
   * @throws MalformedTorrentError / WireProtocolError when they do not.
   */
  public constructor(public readonly object: ObjectVersion, torrents: { readonly v1: Uint8Array; readonly hybrid: Uint8Array }) {
    const v1 = parseTorrent(torrents.v1);
    const hybrid = parseTorrent(torrents.hybrid);
    if (v1.size !== hybrid.size || v1.pieceLength !== hybrid.pieceLength) {
      throw new WireProtocolError('the v1 and hybrid torrents describe different pieces');
    }
    this.size = v1.size;
    this.pieceLength = v1.pieceLength;
    this.pieceCount = v1.pieceCount;
    const views = new Map<string, TorrentView>();
    const v1Info = infoOf(torrents.v1);
    const hybridInfo = infoOf(torrents.hybrid);
    const add = (infoHash: Buffer, metadata: Buffer, isHybrid: boolean): TorrentView => {
      const view = { infoHash, metadata, hybrid: isHybrid };
      views.set(infoHash.toString('hex'), view);
      return view;
    };
    add(hash('sha1', v1Info.metadata, 'buffer'), v1Info.metadata, false);
    add(hash('sha1', hybridInfo.metadata, 'buffer'), hybridInfo.metadata, true);
    this.hybridV2View = add(hash('sha256', hybridInfo.metadata, 'buffer').subarray(0, 20), hybridInfo.metadata, true);
    this.views = views;
    const info = hybridInfo.root.get('info') as BencodeDict;
    this.piecesRoot = piecesRootOf(info, hybrid.name);
    const layers = hybridInfo.root.get('piece layers');
    const layer = layers instanceof Map && this.piecesRoot !== undefined ? layers.get(this.piecesRoot.toString('latin1')) : undefined;
    this.pieceLayer = layer instanceof Uint8Array ? Buffer.from(layer) : undefined;
  }

  /** `bucket/key@etag`: identifies this version in caches and logs. */
  public get id(): string {
    return `${this.object.bucket}/${this.object.key}@${this.object.etag}`;
  }

  /**
   * The view a connection continues under once both handshakes are known. BEP 52: a peer that
   * sets the v2 bit on the hybrid torrent's v1 infohash is upgraded by answering with the
   * truncated v2 infohash. libtorrent accepts the v2 answer whatever it sent, while a v1 answer is
   * refused as "invalid info-hash" when its v2 tracker reply arrived during the handshake; with
   * its default 60 s reconnect delay, that failure stalls qBittorrent.
   */
  public upgradedView(view: TorrentView, peerSupportsV2: boolean): TorrentView {
    return view.hybrid && peerSupportsV2 ? this.hybridV2View : view;
  }

  /**
   * Whether a peer we dialled under `offered` may answer with `answered`: the same hash, or the
   * hybrid torrent's other one (a libtorrent client upgrades a v1 dial to v2, or answers a v2
   * dial with v1, depending on how it first learnt of us). Returns the view to continue under.
   */
  public answeredView(offered: TorrentView, answered: Buffer): TorrentView | undefined {
    if (answered.equals(offered.infoHash)) return offered;
    const view = this.views.get(answered.toString('hex'));
    return view !== undefined && view.hybrid && offered.hybrid ? view : undefined;
  }

  public pieceSize(index: number): number {
    return index === this.pieceCount - 1 ? this.size - index * this.pieceLength : this.pieceLength;
  }

  /**
   * The merkle tree that answers hash requests, built on first use; undefined for a file of one
   * piece (its pieces root is the piece's own hash, nothing to ask for).
   */
  public hashTree(): PieceLayerTree | undefined {
    if (this.tree === undefined && this.piecesRoot !== undefined && this.pieceLayer !== undefined) {
      const tree = new PieceLayerTree(this.piecesRoot, this.pieceLayer, this.pieceLength);
      if (tree.consistent) this.tree = tree;
    }
    return this.tree;
  }
}

export { SwarmTorrent };
export type { ObjectVersion, TorrentView };
