import assert from 'node:assert/strict';
import { Codec, DEFAULT_CODEC_OPTIONS } from '../../src/codec/index.js';

describe('codec options', () => {
  it('defaults to the documented values, frozen', () => {
    const c = new Codec();
    assert.deepEqual({ ...c.options }, { compressMinBytes: 16384, compressMaxRatio: 0.9, maxBodyBytes: 8 * 1024 * 1024, maxDecodedBytes: 64 * 1024 * 1024, maxDepth: 64 });
    assert.deepEqual(c.options, DEFAULT_CODEC_OPTIONS);
    assert.ok(Object.isFrozen(c.options));
    assert.ok(Object.isFrozen(DEFAULT_CODEC_OPTIONS));
  });

  it('fills what is not given from the defaults; undefined means default', () => {
    const c = new Codec({ maxDepth: 8, compressMinBytes: undefined });
    assert.equal(c.options.maxDepth, 8);
    assert.equal(c.options.compressMinBytes, 16384);
    assert.ok(Object.isFrozen(c.options));
  });

  it('accepts the edges of each range', () => {
    const c = new Codec({ compressMinBytes: 0, compressMaxRatio: 1, maxBodyBytes: 1, maxDecodedBytes: 1, maxDepth: 1000 });
    assert.equal(c.options.compressMaxRatio, 1);
    assert.equal(new Codec({ maxDepth: 1 }).options.maxDepth, 1);
  });

  const cases: [string, Record<string, unknown>, string][] = [
    ['compressMinBytes negative', { compressMinBytes: -1 }, 'options.compressMinBytes must be a non-negative integer'],
    ['compressMinBytes fractional', { compressMinBytes: 1.5 }, 'options.compressMinBytes must be a non-negative integer'],
    ['compressMaxRatio zero', { compressMaxRatio: 0 }, 'options.compressMaxRatio must be a number in (0, 1]'],
    ['compressMaxRatio above 1', { compressMaxRatio: 1.01 }, 'options.compressMaxRatio must be a number in (0, 1]'],
    ['compressMaxRatio NaN', { compressMaxRatio: Number.NaN }, 'options.compressMaxRatio must be a number in (0, 1]'],
    ['compressMaxRatio a string', { compressMaxRatio: '0.5' }, 'options.compressMaxRatio must be a number in (0, 1]'],
    ['maxBodyBytes zero', { maxBodyBytes: 0 }, 'options.maxBodyBytes must be a positive integer'],
    ['maxBodyBytes Infinity', { maxBodyBytes: Number.POSITIVE_INFINITY }, 'options.maxBodyBytes must be a positive integer'],
    ['maxDecodedBytes negative', { maxDecodedBytes: -5 }, 'options.maxDecodedBytes must be a positive integer'],
    ['maxDecodedBytes null', { maxDecodedBytes: null }, 'options.maxDecodedBytes must be a positive integer'],
    ['maxDepth zero', { maxDepth: 0 }, 'options.maxDepth must be an integer from 1 to 1000'],
    ['maxDepth too deep', { maxDepth: 1001 }, 'options.maxDepth must be an integer from 1 to 1000'],
  ];
  for (const [name, options, message] of cases) {
    it(`rejects ${name}: "${message}"`, () => {
      assert.throws(() => new Codec(options as never), (err: unknown) => err instanceof TypeError && err.message === message);
    });
  }

  it('rejects options that are not an object', () => {
    assert.throws(() => new Codec(5 as never), { name: 'TypeError', message: 'options must be an object' });
  });
});
