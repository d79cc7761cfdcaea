import { describePrefixWithdrawal } from './afterIntegration.js';

// A member of a prefix made private mid-download, on Ceph RGW (see afterIntegration.ts).
describePrefixWithdrawal();
