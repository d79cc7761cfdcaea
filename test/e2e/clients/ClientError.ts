/**
 * A real client failed, timed out or exited early. The message ends with the tail of the
 * client's own output (stdout and stderr interleaved), which is what explains a failure.
 */
class ClientError extends Error {
  override readonly name = 'ClientError';
  /** Which client (`aria2c`, `transmission-cli`, `libtorrent`, `qbittorrent-nox`, …). */
  readonly client: string;
  /** The run's label, if the caller gave one. */
  readonly label: string | undefined;
  /** The last lines the client printed. */
  readonly outputTail: string;

  constructor(client: string, label: string | undefined, reason: string, outputTail: string, options?: ErrorOptions) {
    const where = label === undefined ? client : `${client} [${label}]`;
    super(`${where}: ${reason}\n--- ${client} output (tail) ---\n${outputTail}`, options);
    this.client = client;
    this.label = label;
    this.outputTail = outputTail;
  }
}

export { ClientError };
