import { describePrefixFromApi } from './afterIntegration.js';

// The API's prefix torrent with real clients, from the seeder alone and from the webseed alone.
// The withdrawal of a prefix is withdrawal.test.ts: a stack of its own, since the handlers build
// their clients once per module load, as on Lambda.
describePrefixFromApi();
