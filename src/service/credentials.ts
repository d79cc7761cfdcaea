/** A fixed access key (emulators, a local Ceph RGW user). */
interface StaticCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/**
 * The access key every local client signs with and every local emulator accepts. The emulators
 * check no real secret; the values only need to agree (s3rver rejects unknown key ids).
 *
 * Frozen, so give each SDK client a copy (`{ ...LOCAL_CREDENTIALS }`): the SDK writes
 * bookkeeping into the credentials object it is handed and fails on a frozen one ("Cannot set
 * properties of undefined (setting 'CREDENTIALS_CODE')").
 */
const LOCAL_CREDENTIALS: StaticCredentials = Object.freeze({ accessKeyId: 'test', secretAccessKey: 'test' });

export { LOCAL_CREDENTIALS };
export type { StaticCredentials };
