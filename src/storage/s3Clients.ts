import { S3Client } from '@aws-sdk/client-s3';
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import type { AwsConfig } from '../config.js';

/**
 * Options every S3 client of ours uses. With a custom endpoint (an emulator, RGW, MinIO):
 * path-style URLs (no per-bucket DNS on loopback), and checksums only when an operation
 * requires them (s3rver stores aws-chunked bodies with trailing checksums corrupted).
 */
function baseS3Config(aws: AwsConfig): S3ClientConfig {
  return {
    region: aws.region,
    ...(aws.s3Endpoint === undefined
      ? {}
      : {
          endpoint: aws.s3Endpoint,
          forcePathStyle: true,
          requestChecksumCalculation: 'WHEN_REQUIRED',
          responseChecksumValidation: 'WHEN_REQUIRED',
        }),
  };
}

/**
 * An S3 client whose requests are NOT signed: S3 then applies exactly the rules it applies to
 * anyone on the internet (ACLs, bucket policies, Block Public Access). Every read of published
 * bytes goes through it, so private bytes are refused by S3 itself.
 */
function anonymousS3Client(aws: AwsConfig): S3Client {
  return new S3Client({
    ...baseS3Config(aws),
    // Placeholder credentials stop the SDK from searching the credential chain; the no-op
    // signer sends the request without any Authorization header.
    credentials: { accessKeyId: 'anonymous', secretAccessKey: 'anonymous' },
    signer: { sign: async (request) => request },
  });
}

export { anonymousS3Client, baseS3Config };
