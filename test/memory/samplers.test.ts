import assert from 'node:assert/strict';
import { createSystemSampler, sampleProcessMemory } from '../../src/memory/index.js';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

/** A fake /sys/fs/cgroup: readFile answers from `files` and counts reads. */
function fakeFs(files: Record<string, string>) {
  const reads: string[] = [];
  const readFile = (p: string): string => {
    reads.push(p);
    const text = files[p];
    if (text === undefined) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
    return text;
  };
  return { readFile, reads };
}

const os = { totalmem: () => 16 * GiB, freemem: () => 8 * GiB };

describe('memory samplers', () => {
  it('sampleProcessMemory reads this process', () => {
    const p = sampleProcessMemory();
    assert.ok(p.rssBytes > 0 && p.heapUsedBytes > 0 && p.heapTotalBytes >= p.heapUsedBytes);
  });

  it('without cgroup files: the OS figures, and the files are not looked for on every sample', () => {
    const fs = fakeFs({});
    const sample = createSystemSampler({ ...os, readFile: fs.readFile });
    const probes = fs.reads.length;
    assert.deepEqual(sample(), { totalBytes: 16 * GiB, freeBytes: 8 * GiB });
    sample();
    assert.equal(fs.reads.length, probes);
  });

  it('cgroup v2 with a limit: total is the limit, free is the limit less the working set', () => {
    const fs = fakeFs({
      '/sys/fs/cgroup/memory.max': `${1 * GiB}\n`,
      '/sys/fs/cgroup/memory.current': `${700 * MiB}\n`,
      '/sys/fs/cgroup/memory.stat': `anon 123\nfile 456\ninactive_file ${200 * MiB}\nactive_file 9\n`,
    });
    const sample = createSystemSampler({ ...os, readFile: fs.readFile });
    assert.deepEqual(sample(), { totalBytes: 1 * GiB, freeBytes: 1024 * MiB - 500 * MiB });
  });

  it('cgroup v2 without a limit ("max"): the OS figures', () => {
    const fs = fakeFs({ '/sys/fs/cgroup/memory.max': 'max\n', '/sys/fs/cgroup/memory.current': '1000\n' });
    assert.deepEqual(createSystemSampler({ ...os, readFile: fs.readFile })(), { totalBytes: 16 * GiB, freeBytes: 8 * GiB });
  });

  it('cgroup v1: the limit applies, and v1\'s "unlimited" huge number is ignored', () => {
    const limited = fakeFs({
      '/sys/fs/cgroup/memory/memory.limit_in_bytes': `${2 * GiB}`,
      '/sys/fs/cgroup/memory/memory.usage_in_bytes': `${GiB}`,
    });
    assert.deepEqual(createSystemSampler({ ...os, readFile: limited.readFile })(), { totalBytes: 2 * GiB, freeBytes: GiB });
    const unlimited = fakeFs({
      '/sys/fs/cgroup/memory/memory.limit_in_bytes': '9223372036854771712',
      '/sys/fs/cgroup/memory/memory.usage_in_bytes': `${GiB}`,
    });
    assert.deepEqual(createSystemSampler({ ...os, readFile: unlimited.readFile })(), { totalBytes: 16 * GiB, freeBytes: 8 * GiB });
  });

  it('free never exceeds what the OS reports, nor goes below 0', () => {
    const fs = fakeFs({ '/sys/fs/cgroup/memory.max': `${4 * GiB}`, '/sys/fs/cgroup/memory.current': `${5 * GiB}` });
    assert.deepEqual(createSystemSampler({ totalmem: os.totalmem, freemem: () => MiB, readFile: fs.readFile })(), { totalBytes: 4 * GiB, freeBytes: 0 });
    const roomy = fakeFs({ '/sys/fs/cgroup/memory.max': `${4 * GiB}`, '/sys/fs/cgroup/memory.current': '0' });
    assert.deepEqual(createSystemSampler({ totalmem: os.totalmem, freemem: () => MiB, readFile: roomy.readFile })(), { totalBytes: 4 * GiB, freeBytes: MiB });
  });

  it('the real sampler returns sane figures here', () => {
    const s = createSystemSampler()();
    assert.ok(s.totalBytes > 0 && s.freeBytes >= 0 && s.freeBytes <= s.totalBytes);
  });
});
