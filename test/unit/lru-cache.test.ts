import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import LRUCache from '../../infra/esbuild/lru-cache.ts';

// The bundles' stand-in for mnemonist/lru-cache behaves as mnemonist does, on the calls the SDK's
// endpoint cache makes (node_modules/@aws-sdk/endpoint-cache/dist-es/EndpointCache.js).
const require = createRequire(import.meta.url);
const endpointCache = require.resolve('@aws-sdk/endpoint-cache', { paths: [require.resolve('@aws-sdk/middleware-endpoint-discovery', { paths: [require.resolve('@aws-sdk/client-dynamodb')] })] });
const Mnemonist = require(require.resolve('mnemonist/lru-cache', { paths: [endpointCache] })) as new (capacity: number) => LRUCache<string, number>;

type Step = ['set', string, number] | ['get' | 'peek' | 'has', string] | ['clear'];

function replay(cache: LRUCache<string, number>, steps: Step[]): unknown[] {
  return steps.map(([call, key, value]) => {
    if (call === 'set') return cache.set(key!, value!);
    if (call === 'clear') return cache.clear();
    return [cache[call](key!), cache.size];
  });
}

describe('infra/esbuild/lru-cache.ts, as mnemonist/lru-cache', () => {
  it('evicts the least recently used (get refreshes, peek does not) at capacity', () => {
    const steps: Step[] = [
      ['set', 'a', 1], ['set', 'b', 2], ['set', 'c', 3],
      ['get', 'a'], ['set', 'd', 4], ['has', 'b'], ['has', 'a'],
      ['peek', 'c'], ['set', 'e', 5], ['has', 'c'], ['get', 'd'],
      ['set', 'd', 40], ['set', 'f', 6], ['get', 'a'], ['get', 'd'], ['peek', 'e'],
      ['clear'], ['has', 'd'], ['set', 'g', 7], ['get', 'g'], ['get', 'nothing'],
    ];
    const ours = replay(new LRUCache<string, number>(3), steps);
    expect(ours).toEqual(replay(new Mnemonist(3), steps));
    // …and the replay says something: evictions happened.
    expect(ours[5]).toEqual([false, 3]);
  });
});
