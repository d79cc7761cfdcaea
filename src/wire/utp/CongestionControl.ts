/**
 * LEDBAT congestion control and retransmission timeouts of one uTP connection (BEP 29, RFC 6817):
 * the window grows while the one-way delay the peer measures stays under a target and shrinks as
 * it rises above it, so uTP yields to TCP and to the user's own traffic on a shared link.
 */

/** BEP 29's target queuing delay (libtorrent's `utp_target_delay` default): 100 ms. */
const TARGET_DELAY_US = 100_000;

/** Most the window grows in one round trip outside slow start (libutp's MAX_CWND_INCREASE_BYTES_PER_RTT). */
const MAX_WINDOW_INCREASE_PER_RTT = 3000;

/** Slow start ends once the delay reaches this share of the target, before it overshoots. */
const SLOW_START_DELAY_SHARE = 0.9;

/** BEP 29: the base delay is the lowest delay seen over the last two minutes, kept per minute. */
const BASE_DELAY_BUCKET_MS = 60_000;
const BASE_DELAY_BUCKETS = 2;

/** Samples the current delay is the minimum of: one late ack does not shrink the window (libutp keeps 3). */
const CURRENT_DELAY_SAMPLES = 3;

/** No retransmission timeout shorter than this (libutp, and libtorrent's `utp_min_timeout`). */
const MIN_TIMEOUT_MS = 500;

/** Before any round trip was measured (RFC 6298 and libutp use 1 s). */
const INITIAL_TIMEOUT_MS = 1000;

/** Exponential backoff stops here: a peer silent this long between tries is dropped soon after. */
const MAX_TIMEOUT_MS = 8000;

/** Signed difference of two 32-bit wrapping microsecond clocks. */
function wrapping32(a: number, b: number): number {
  return (a - b) | 0;
}

class CongestionControl {
  /** Bytes allowed in flight. */
  public window: number;
  private slowStart = true;
  private slowStartThreshold: number;
  private rttMs: number | undefined;
  private rttVarianceMs = 0;
  private timeoutMs = INITIAL_TIMEOUT_MS;
  private readonly baseDelays: Array<{ readonly since: number; min: number }> = [];
  private readonly recentDelays: number[] = [];

  /**
   * @param packetSize payload bytes of a full packet: the smallest window and the step of growth.
   * @param maxWindow the largest window, whatever the delay (our send buffer).
   */
  public constructor(private readonly packetSize: number, private readonly maxWindow: number) {
    // Two packets: a request and its answer can both be in flight from the start.
    this.window = 2 * packetSize;
    this.slowStartThreshold = maxWindow;
  }

  /** Current retransmission timeout. */
  public get timeout(): number {
    return this.timeoutMs;
  }

  /** The current queuing delay the peer reports on our packets, microseconds (for tests and logs). */
  public get queuingDelayUs(): number {
    const base = this.baseDelay();
    const current = this.currentDelay();
    return base === undefined || current === undefined ? 0 : Math.max(0, wrapping32(current, base));
  }

  /**
   * New bytes acknowledged.
   * @param delaySampleUs the peer's `timestamp_difference` on the ack (0: it had no sample yet).
   * @param rttSampleMs round trip of a packet sent once (Karn: never of a retransmitted one).
   */
  public acked(bytes: number, delaySampleUs: number, rttSampleMs: number | undefined, now: number): void {
    if (rttSampleMs !== undefined) this.sampleRtt(rttSampleMs);
    if (delaySampleUs !== 0) this.sampleDelay(delaySampleUs, now);
    if (bytes <= 0) return;
    const delay = this.queuingDelayUs;
    if (this.slowStart) {
      this.window += bytes;
      if (this.window >= this.slowStartThreshold || delay > TARGET_DELAY_US * SLOW_START_DELAY_SHARE) this.slowStart = false;
    } else {
      const offTarget = (TARGET_DELAY_US - delay) / TARGET_DELAY_US;
      const windowFactor = Math.min(bytes, this.window) / Math.max(this.window, bytes);
      this.window += MAX_WINDOW_INCREASE_PER_RTT * windowFactor * offTarget;
    }
    this.clamp();
  }

  /** A packet was lost while later ones arrived (selective ack): halve the window, once per window. */
  public lost(): void {
    this.slowStartThreshold = Math.max(this.window / 2, this.packetSize);
    this.window = this.slowStartThreshold;
    this.slowStart = false;
    this.clamp();
  }

  /** Nothing was acknowledged for a whole timeout: one packet in flight, slow start again, back off. */
  public timedOut(): void {
    this.slowStartThreshold = Math.max(this.window / 2, 2 * this.packetSize);
    this.window = this.packetSize;
    this.slowStart = true;
    this.timeoutMs = Math.min(this.timeoutMs * 2, MAX_TIMEOUT_MS);
  }

  private sampleRtt(sample: number): void {
    if (this.rttMs === undefined) {
      this.rttMs = sample;
      this.rttVarianceMs = sample / 2;
    } else {
      // RFC 6298 smoothing (libutp uses the same gains).
      this.rttVarianceMs += (Math.abs(this.rttMs - sample) - this.rttVarianceMs) / 4;
      this.rttMs += (sample - this.rttMs) / 8;
    }
    this.timeoutMs = Math.min(MAX_TIMEOUT_MS, Math.max(MIN_TIMEOUT_MS, this.rttMs + 4 * this.rttVarianceMs));
  }

  private sampleDelay(sample: number, now: number): void {
    const latest = this.baseDelays[this.baseDelays.length - 1];
    if (latest === undefined || now - latest.since >= BASE_DELAY_BUCKET_MS) {
      this.baseDelays.push({ since: now, min: sample });
      if (this.baseDelays.length > BASE_DELAY_BUCKETS) this.baseDelays.shift();
    } else if (wrapping32(sample, latest.min) < 0) {
      latest.min = sample;
    }
    this.recentDelays.push(sample);
    if (this.recentDelays.length > CURRENT_DELAY_SAMPLES) this.recentDelays.shift();
  }

  private baseDelay(): number | undefined {
    let base: number | undefined;
    for (const bucket of this.baseDelays) if (base === undefined || wrapping32(bucket.min, base) < 0) base = bucket.min;
    return base;
  }

  private currentDelay(): number | undefined {
    let current: number | undefined;
    for (const sample of this.recentDelays) if (current === undefined || wrapping32(sample, current) < 0) current = sample;
    return current;
  }

  private clamp(): void {
    this.window = Math.min(this.maxWindow, Math.max(this.packetSize, this.window));
  }
}

export { CongestionControl, MIN_TIMEOUT_MS, TARGET_DELAY_US };
