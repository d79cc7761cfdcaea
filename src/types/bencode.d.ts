// bencode 4 ships no type declarations; this covers the part we use (encoding only: see
// src/torrent/bencode.ts for why decoding is our own).
declare module 'bencode' {
  type Encodable =
    | number
    | string
    | Uint8Array
    | ReadonlyArray<Encodable>
    | ReadonlyMap<string | Uint8Array, Encodable>
    | { readonly [key: string]: Encodable | undefined };
  const bencode: { encode(data: Encodable): Uint8Array };
  export default bencode;
  export type { Encodable };
}
