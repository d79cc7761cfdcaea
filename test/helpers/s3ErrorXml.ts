import { spawn } from 'node:child_process';
import { SYSTEM_PYTHON } from './tools.js';

/** Bound on one parse (a Python start is ~50 ms). */
const PARSE_TIMEOUT_MS = 10_000;

/** The elements of an S3-style `<Error>` document. */
interface S3ErrorXml {
  readonly code: string | undefined;
  readonly message: string | undefined;
  readonly resource: string | undefined;
  readonly requestId: string | undefined;
}

/**
 * Python's expat: a strict XML 1.0 parser, as S3 clients use (the AWS CLI, botocore). Node has
 * none built in, and the JavaScript parsers at hand let characters XML 1.0 forbids pass.
 */
const PARSER = `
import json, sys
import xml.etree.ElementTree as ET
try:
    root = ET.fromstring(sys.stdin.buffer.read())
except ET.ParseError as error:
    print(json.dumps({"error": str(error)}))
    sys.exit(0)
print(json.dumps({"root": root.tag, "children": {child.tag: child.text for child in root}}))
`;

/**
 * Parses an S3-style XML error body as a strict XML 1.0 parser does.
 *
 * @throws Error with expat's message when the body is not well-formed XML, or is not `<Error>`
 */
async function parseS3ErrorXml(body: string): Promise<S3ErrorXml> {
  const child = spawn(SYSTEM_PYTHON, ['-c', PARSER], { stdio: ['pipe', 'pipe', 'pipe'], timeout: PARSE_TIMEOUT_MS });
  const chunks: Buffer[] = [];
  child.stdout.on('data', (data: Buffer) => chunks.push(data));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  child.stdin.end(body);
  const code = await exited;
  if (code !== 0) throw new Error(`the XML parser exited with ${code}`);
  const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { error?: string; root?: string; children?: Record<string, string | null> };
  if (parsed.error !== undefined) throw new Error(`not well-formed XML: ${parsed.error}`);
  if (parsed.root !== 'Error') throw new Error(`the root element is <${parsed.root}>, not <Error>`);
  const text = (name: string): string | undefined => parsed.children?.[name] ?? undefined;
  return { code: text('Code'), message: text('Message'), resource: text('Resource'), requestId: text('RequestId') };
}

export { parseS3ErrorXml };
export type { S3ErrorXml };
