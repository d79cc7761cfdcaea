import { hash } from 'node:crypto';
import { decodeBencode, parseTorrent, spanOf } from '../torrent/index.js';
import type { BencodeDict, TorrentFile, TorrentSummary } from '../torrent/index.js';
import { WireProtocolError } from './errors.js';
import { PieceLayerTree } from './merkleHashes.js';
import { PieceSpace } from './pieceSpace.js';
import type { ObjectVersion, SpaceFile } from './pieceSpace.js';

/** One infohash under which the object or prefix snapshot is shared: what a peer handshaking with it gets. */
interface TorrentView {
  readonly infoHash: Buffer;
  /** The info dictionary's bytes: served by ut_metadata for magnet links (BEP 9). */
  readonly metadata: Buffer;
  /** True for the hybrid torrent's infohashes: BEP 52 hash requests are answered on them. */
  readonly hybrid: boolean;
}

/** One prefix snapshot a swarm serves: its member objects, in torrent file order. */
interface PrefixSnapshot {
  readonly bucket: string;
  /** Ends with `/`: a member's key is the prefix followed by its path in the torrent. */
  readonly prefix: string;
  readonly snapshotId: string;
  /** Every non-empty file of the torrent must be one of them (same key and size); pads are not. */
  readonly members: ReadonlyArray<{ readonly key: string; readonly etag: string; readonly size: number }>;
}

function infoOf(torrent: Uint8Array): { root: BencodeDict; metadata: Buffer } {
  const root = decodeBencode(torrent);
  const info = root instanceof Map ? root.get('info') : undefined;
  const span = info instanceof Map ? spanOf(info) : undefined;
  if (!(root instanceof Map) || span === undefined) throw new WireProtocolError('torrent has no info dictionary');
  return { root, metadata: Buffer.from(torrent.subarray(span.start, span.end)) };
}

/** A file's v2 pieces root and piece layer: what answers hash requests for it. */
interface FileLayer {
  readonly piecesRoot: Buffer;
  readonly layer: Buffer;
}

/** The v1 and hybrid torrents agree on the files and pieces: the same bytes under every infohash. */
function assertSameLayout(v1: TorrentSummary, hybrid: TorrentSummary): void {
  const same = (a: TorrentFile, b: TorrentFile | undefined): boolean => a.size === b?.size && a.pad === b.pad && a.path.join('/') === b.path.join('/');
  const sameFiles = v1.files.length === hybrid.files.length && v1.files.every((file, i) => same(file, hybrid.files[i]));
  if (v1.size !== hybrid.size || v1.pieceLength !== hybrid.pieceLength || !sameFiles) {
    throw new WireProtocolError('the v1 and hybrid torrents describe different pieces');
  }
}

/**
 * Everything the seeder knows about one READY object or prefix snapshot: its piece space (which
 * object's bytes, or pad zeros, each byte is), its pieces, and the infohashes it answers to (the
 * v1 torrent's, the hybrid's v1, the hybrid's truncated v2), one swarm.
 */
class SwarmTorrent {
  public readonly views: ReadonlyMap<string, TorrentView>;
  /** The hybrid torrent under its truncated v2 infohash: what a BEP 52 upgrade switches to. */
  public readonly hybridV2View: TorrentView;
  /** The object served, for an object's swarm. */
  public readonly object: ObjectVersion | undefined;
  /** The snapshot served, for a prefix's swarm. */
  public readonly prefix: PrefixSnapshot | undefined;
  /** Where each byte of the pieces lives. */
  public readonly space: PieceSpace;
  /** Bytes the pieces cover (pad files included). */
  public readonly size: number;
  public readonly pieceLength: number;
  public readonly pieceCount: number;
  /** Files of more than one piece, by pieces root (latin1): their piece layers. */
  private readonly layers = new Map<string, FileLayer>();
  private readonly trees = new Map<string, PieceLayerTree>();

  /**
   * @param source the object version, or the prefix snapshot and its members.
   * @param torrents its .torrent files (v1 and hybrid); they must describe the same bytes.
   * @throws MalformedTorrentError / WireProtocolError when they do not, or when a file of a
   *   prefix torrent is not one of its members.
   */
  public constructor(source: ObjectVersion | PrefixSnapshot, torrents: { readonly v1: Uint8Array; readonly hybrid: Uint8Array }) {
    const v1 = parseTorrent(torrents.v1);
    const hybrid = parseTorrent(torrents.hybrid);
    assertSameLayout(v1, hybrid);
    this.size = v1.size;
    this.pieceLength = v1.pieceLength;
    this.pieceCount = v1.pieceCount;
    const v1Info = infoOf(torrents.v1);
    const hybridInfo = infoOf(torrents.hybrid);
    const views = new Map<string, TorrentView>();
    const add = (infoHash: Buffer, metadata: Buffer, isHybrid: boolean): TorrentView => {
      const view = { infoHash, metadata, hybrid: isHybrid };
      views.set(infoHash.toString('hex'), view);
      return view;
    };
    add(hash('sha1', v1Info.metadata, 'buffer'), v1Info.metadata, false);
    add(hash('sha1', hybridInfo.metadata, 'buffer'), hybridInfo.metadata, true);
    this.hybridV2View = add(hash('sha256', hybridInfo.metadata, 'buffer').subarray(0, 20), hybridInfo.metadata, true);
    this.views = views;

    const isPrefix = 'members' in source;
    if (isPrefix !== hybrid.multiFile) throw new WireProtocolError(isPrefix ? 'a prefix swarm needs a multi-file torrent' : 'an object swarm needs a single-file torrent');
    this.object = isPrefix ? undefined : source;
    this.prefix = isPrefix ? source : undefined;
    const members = new Map(isPrefix ? source.members.map((member) => [member.key, member]) : []);
    const spaceFiles: SpaceFile[] = hybrid.files.map((file) => {
      if (file.pad || file.size === 0) return { offset: file.offset, size: file.size, object: undefined };
      if (!isPrefix) return { offset: file.offset, size: file.size, object: source };
      const key = source.prefix + file.path.join('/');
      const member = members.get(key);
      if (member?.size !== file.size) throw new WireProtocolError(`torrent file ${file.path.join('/')} is not a member of ${source.bucket}/${source.prefix} of that size`);
      return { offset: file.offset, size: file.size, object: { bucket: source.bucket, key, etag: member.etag } };
    });
    this.space = new PieceSpace(spaceFiles);
    const pieceLayers = hybridInfo.root.get('piece layers');
    for (const { piecesRoot } of hybrid.files) {
      const layer = piecesRoot !== undefined && pieceLayers instanceof Map ? pieceLayers.get(Buffer.from(piecesRoot).toString('latin1')) : undefined;
      if (piecesRoot !== undefined && layer instanceof Uint8Array) {
        this.layers.set(Buffer.from(piecesRoot).toString('latin1'), { piecesRoot: Buffer.from(piecesRoot), layer: Buffer.from(layer) });
      }
    }
  }

  /**
   * What is served, as egress counts and logs name it: the object version, or the prefix
   * snapshot as bucket, prefix and snapshotId (unquoted hex, so never equal to an ETag).
   */
  public get version(): ObjectVersion {
    return this.object ?? { bucket: (this.prefix as PrefixSnapshot).bucket, key: (this.prefix as PrefixSnapshot).prefix, etag: (this.prefix as PrefixSnapshot).snapshotId };
  }

  /** `bucket/key@etag`, or `bucket/prefix@snapshotId`: identifies this version in caches and logs. */
  public get id(): string {
    const { bucket, key, etag } = this.version;
    return `${bucket}/${key}@${etag}`;
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
   * The merkle tree of the file whose pieces root is `piecesRoot`, which answers its hash
   * requests, built on first use; undefined for a file of one piece (its pieces root is the
   * piece's own hash, nothing to ask for) and for a root no file of this torrent has.
   */
  public hashTree(piecesRoot: Buffer): PieceLayerTree | undefined {
    const key = piecesRoot.toString('latin1');
    const known = this.trees.get(key);
    if (known !== undefined) return known;
    const file = this.layers.get(key);
    if (file === undefined) return undefined;
    const tree = new PieceLayerTree(file.piecesRoot, file.layer, this.pieceLength);
    // A layer that does not hash to its root is never served (and not rebuilt on every request).
    if (!tree.consistent) this.layers.delete(key);
    else this.trees.set(key, tree);
    return tree.consistent ? tree : undefined;
  }
}

export { SwarmTorrent };
export type { ObjectVersion, PrefixSnapshot, TorrentView };
