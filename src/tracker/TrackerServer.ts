import { urlHost } from './addresses.js';
import { ConnectionIds } from './ConnectionIds.js';
import { SWEEP_INTERVAL_MS } from './constants.js';
import { httpTrackerHandler } from './httpFrontEnd.js';
import { closeAll, listenAll } from './listen.js';
import type { Listeners } from './listen.js';
import { Tracker } from './Tracker.js';
import { SharedSwarmSync } from './shared/SharedSwarmSync.js';
import type { SharedSwarmStats } from './shared/SharedSwarmSync.js';
import { resolveTrackerOptions } from './trackerOptions.js';
import type { AnnounceUrls, TrackerOptions, TrackerStats } from './types.js';
import { UdpFrontEnd } from './udpFrontEnd.js';

/**
 * The seeder's BitTorrent tracker: HTTP (BEP 3, 23, 7, 48) and UDP (BEP 15) on one port number
 * on each host, answering only for torrents the registry serves, always listing the seeder.
 *
 * @example
 * const tracker = await TrackerServer.start({
 *   hosts: ['127.0.0.1', '::1'],
 *   port: 0,
 *   registry: { isServable: async (hex) => published.has(hex) },
 *   seeders: () => [{ ip: '127.0.0.1', port: 6881 }],
 * });
 * tracker.announceUrls('127.0.0.1').udp; // 'udp://127.0.0.1:<port>'
 * await tracker.close();
 */
class TrackerServer {
  /** The port HTTP and UDP listen on, on every host. */
  public readonly port: number;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly tracker: Tracker,
    private readonly listeners: Listeners,
    private readonly sweeper: NodeJS.Timeout,
    private readonly sync: SharedSwarmSync | undefined,
  ) {
    this.port = listeners.port;
  }

  /**
   * Checks the options, then listens on every host.
   *
   * @throws TrackerOptionsError for options that cannot work (every problem listed).
   * @throws TrackerBindError when a host cannot be bound on the port.
   */
  public static async start(options: TrackerOptions): Promise<TrackerServer> {
    const resolved = resolveTrackerOptions(options);
    const sync = resolved.sharedStore === undefined
      ? undefined
      : new SharedSwarmSync({
        store: resolved.sharedStore,
        peerTtlMs: resolved.peerTtlSeconds * 1000,
        activeWindowMs: resolved.intervalSeconds * 1000,
        now: resolved.now,
        onStatus: resolved.onSharedStoreStatus,
      });
    const tracker = new Tracker(resolved, sync);
    sync?.mergeInto((hex, peers) => tracker.mergeRemote(hex, peers));
    const udp = new UdpFrontEnd(tracker, new ConnectionIds(resolved.now));
    let listeners: Listeners;
    try {
      listeners = await listenAll(resolved.hosts, resolved.port, {
        request: httpTrackerHandler(tracker),
        message: (socket, packet, rinfo) => udp.handle(socket, packet, rinfo),
      });
    } catch (error) {
      sync?.close();
      throw error;
    }
    const sweeper = setInterval(() => tracker.sweep(), SWEEP_INTERVAL_MS);
    sweeper.unref();
    return new TrackerServer(tracker, listeners, sweeper, sync);
  }

  /** The announce URLs for one host, e.g. `http://[::1]:6969/announce` and `udp://[::1]:6969`. */
  public announceUrls(host: string): AnnounceUrls {
    const authority = `${urlHost(host)}:${this.port}`;
    return { http: `http://${authority}/announce`, udp: `udp://${authority}` };
  }

  /** Drops every peer of a torrent, e.g. when it is revoked; the registry refuses it from then on. */
  public forget(infoHashHex: string): void {
    this.tracker.forget(infoHashHex.toLowerCase());
  }

  /** Torrents with peers, peers held, the bytes the memory budget counts and the peers it evicted, after dropping expired ones. */
  public stats(): TrackerStats {
    return this.tracker.stats();
  }

  /** What the shared-store sync has sent, or undefined without a shared store. */
  public sharedStoreStats(): SharedSwarmStats | undefined {
    return this.sync?.stats();
  }

  /** Stops listening and drops open connections; safe to call more than once. */
  public async close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.sweeper);
      this.sync?.close();
      this.tracker.close();
      await closeAll(this.listeners.http, this.listeners.udp);
    })();
    return this.closing;
  }
}

export { TrackerServer };
