import { startDynamoDb } from './src/local/startDynamoDb.js';
const t0 = Date.now();
try { await startDynamoDb({ port: 18556 }); } catch (e) { console.log(Date.now() - t0, 'ms', (e as Error).name, (e as Error).message); }
try { await startDynamoDb({ port: 18557, dataDir: '/dev/null/x' }); } catch (e) { console.log((e as Error).name, (e as Error).message); }
