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
  NotImplemented: { status: 501, message: 'A header you provided implies functionality that is not implemented.' },
  InternalError: { status: 500, message: 'We encountered an internal error. Please try again.' },
  ServiceUnavailable: { status: 503, message: 'Service is unable to handle the request. Please try again.' },
} as const;
type S3ErrorCode = keyof typeof S3ErrorCode;

interface ApiReply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** Bytes (a .torrent) or text (XML, JSON). Empty for HEAD. */
  readonly body: Uint8Array | string;
}

/**
 * What XML text cannot hold as it is. Markup (`<>&'"`) becomes a character reference. Control
 * characters become percent-escapes as in a URL (`%00`): XML 1.0 cannot carry most of them at
 * all, not even as references, a parser turns CR into LF, and a terminal acts on the rest (ESC).
 * So do lone surrogates and U+FFFE/U+FFFF, which are no XML characters either.
 */
const NOT_XML_TEXT = /[<>&'"]|[\x00-\x1f\x7f\ud800-\udfff\ufffe\uffff]/gu;

/** The UTF-8 percent-escape of a lone surrogate's stand-in, U+FFFD (it has no UTF-8 of its own). */
const REPLACEMENT_CHARACTER_ESCAPED = '%EF%BF%BD';

/** `text` as XML character data that every XML 1.0 parser reads, whatever `text` holds. */
function xmlText(text: string): string {
  return text.replace(NOT_XML_TEXT, (c) => {
    if ('<>&\'"'.includes(c)) return `&#${c.charCodeAt(0)};`;
    return c.length === 1 && c >= '\ud800' && c <= '\udfff' ? REPLACEMENT_CHARACTER_ESCAPED : encodeURIComponent(c);
  });
}

/**
 * An S3-style XML error reply; `detail` replaces the standard message when given, `headers` are
 * added (a 503's Retry-After). Any text is safe here: the body is always well-formed XML.
 */
function s3Error(code: S3ErrorCode, resource: string, requestId: string, detail?: string, headers: Readonly<Record<string, string>> = {}): ApiReply {
  const { status, message } = S3ErrorCode[code];
  const body =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${code}</Code><Message>${xmlText(detail ?? message)}</Message>` +
    `<Resource>${xmlText(resource)}</Resource><RequestId>${xmlText(requestId)}</RequestId></Error>`;
  return { status, headers: { 'content-type': 'application/xml', 'x-amz-request-id': requestId, ...headers }, body };
}

export { S3ErrorCode, s3Error };
export type { ApiReply };
