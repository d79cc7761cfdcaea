/** `::ffff:1.2.3.4` → `1.2.3.4`: a dual-stack socket's view of an IPv4 peer. */
function normalizeAddress(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/** A peer's IPv4 address as 4 bytes (BEP 10's `yourip`); undefined for IPv6. */
function compactAddress(address: string): Buffer | undefined {
  const parts = address.split('.');
  if (parts.length === 4) return Buffer.from(parts.map(Number));
  return undefined;
}

export { compactAddress, normalizeAddress };
