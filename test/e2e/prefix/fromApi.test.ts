import { describePrefixFromApi } from './afterIntegration.js';

// The API's prefix torrent with real clients, from the seeder alone and from the webseed alone.
// (Withdrawal is prefixWithdrawal.test.ts: each local stack needs a module registry of its own,
// as the handlers build their clients once per process, as on Lambda.)
describePrefixFromApi();
