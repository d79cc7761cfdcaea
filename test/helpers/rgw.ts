import { rgwAvailable } from '../../src/local/rgw.js';

/**
 * Fails the suite with what to install when Ceph RGW is missing: the tests that need a real S3
 * enforcing anonymous access do not skip (a skipped proof passes unseen in CI).
 */
async function requireRgw(): Promise<void> {
  if (!(await rgwAvailable())) {
    throw new Error('Ceph is not installed: run `bash .ci/run` (Debian packages radosgw ceph-mon ceph-osd ceph-common)');
  }
}

export { requireRgw };
