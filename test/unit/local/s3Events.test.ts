import { eventBridgeEventFor } from '../../../src/local/s3Events.js';
import { parseHashJob } from '../../../src/queue/index.js';

describe('Function: eventBridgeEventFor', () => {
  const record = (eventName: string, key: string) => ({
    eventName,
    s3: { bucket: { name: 'public' }, object: { key, size: 5, eTag: 'abc' } },
  });

  it('turns an ObjectCreated notification into the Object Created event our hash worker reads', () => {
    const event = eventBridgeEventFor(record('ObjectCreated:Put', 'a b/ü.txt'), 'us-east-1', false);
    expect(event?.['detail-type']).toBe('Object Created');
    expect(parseHashJob(JSON.stringify(event))).toEqual({ type: 'upload', bucket: 'public', key: 'a b/ü.txt', etag: '"abc"', size: 5 });
  });

  it('decodes URL-encoded notification keys (RGW, AWS notifications)', () => {
    const event = eventBridgeEventFor(record('ObjectCreated:Put', 'a+b%2F%C3%BC.txt'), 'us-east-1', true);
    expect(event?.detail.object.key).toBe('a b/ü.txt');
  });

  it('maps removals to Object Deleted and ignores other events', () => {
    expect(eventBridgeEventFor(record('ObjectRemoved:Delete', 'k'), 'us-east-1', false)?.['detail-type']).toBe('Object Deleted');
    expect(eventBridgeEventFor(record('ObjectRestore:Post', 'k'), 'us-east-1', false)).toBeUndefined();
  });
});
