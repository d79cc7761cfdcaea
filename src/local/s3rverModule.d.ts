// s3rver 3.7.1 is CommonJS and ships no type declarations; this covers the part the local stack
// uses. Under ESM its `module.exports` (the class) is the default import.
declare module 's3rver' {
  import type { EventEmitter } from 'node:events';
  import type { AddressInfo } from 'node:net';
  import type { Server } from 'node:http';

  interface S3rverOptions {
    address?: string;
    port?: number;
    /** Where buckets and objects are stored on disk. */
    directory?: string;
    silent?: boolean;
    resetOnClose?: boolean;
    /** Treat `<bucket>.<host>` requests as virtual-hosted buckets. */
    vhostBuckets?: boolean;
    allowMismatchedSignatures?: boolean;
    configureBuckets?: ReadonlyArray<{ name: string; configs?: ReadonlyArray<string | Buffer> }>;
  }

  class S3rver extends EventEmitter {
    public constructor(options?: S3rverOptions);
    /** Listens; resolves with the bound address (the real port when 0 was asked for). */
    public run(): Promise<AddressInfo>;
    public close(): Promise<void>;
    public httpServer: Server | undefined;
  }

  export default S3rver;
  export type { S3rverOptions };
}

// The registry of access keys s3rver accepts: only S3RVER/S3RVER unless more are added.
declare module 's3rver/lib/models/account.js' {
  const AWSAccount: {
    readonly DUMMY_ACCOUNT: {
      createKeyPair(accessKeyId: string, secretAccessKey: string): void;
    };
  };
  export default AWSAccount;
}
