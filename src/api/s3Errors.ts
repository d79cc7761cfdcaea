/**
 * S3-style error replies, so that S3 clients (the AWS CLI's get-object-torrent, SDKs) show our
 * errors the way they show S3's: XML with Code, Message, Resource and RequestId.
 */
const S3ErrorCode = {
  AccessDenied: { status: 403, message: 'Access Denied' },
  NoSuchKey: { status: 404, message: 'The specified key does not exist.' },
  NoSuchBucket: { status: 404, message: 'The specified bucket is not published by this deployment.' },
  InvalidBucketName: { status: 400, message: 'The specified bucket is not valid.' },
  InvalidArgument: { status: 400, message: 'Invalid Argument' },
  KeyTooLongError: { status: 400, message: 'Your key is too long.' },
  MethodNotAllowed: { status: 405, message: 'The specified method is not allowed against this resource.' },
  InternalError: { status: 500, message: 'We encountered an internal error. Please try again.' },
} as const;
type S3ErrorCode = keyof typeof S3ErrorCode;

interface ApiReply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** Bytes (a .torrent) or text (XML, JSON). Empty for HEAD. */
  readonly body: Uint8Array | string;
}

function xmlEscape(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** An S3-style XML error reply; `detail` replaces the standard message when given. */
function s3Error(code: S3ErrorCode, resource: string, requestId: string, detail?: string): ApiReply {
  const { status, message } = S3ErrorCode[code];
  const body =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${code}</Code><Message>${xmlEscape(detail ?? message)}</Message>` +
    `<Resource>${xmlEscape(resource)}</Resource><RequestId>${xmlEscape(requestId)}</RequestId></Error>`;
  return { status, headers: { 'content-type': 'application/xml', 'x-amz-request-id': requestId }, body };
}

export { S3ErrorCode, s3Error };
export type { ApiReply };
