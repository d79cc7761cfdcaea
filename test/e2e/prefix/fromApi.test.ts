import { describePrefixFromApi, describePrefixWithdrawal } from './afterIntegration.js';

// The API's prefix torrent with real clients (seeder alone, webseed alone), and its withdrawal.
describePrefixFromApi();
describePrefixWithdrawal();
