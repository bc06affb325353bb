/**
 * Bundled in place of mnemonist/lru-cache (esbuild alias in serverless.yml; mnemonist 0.38's
 * `LRUCache`, the store of @aws-sdk/endpoint-cache). DynamoDB's client builds that cache for
 * endpoint discovery, which is off (no AWS_ENDPOINT_DISCOVERY_ENABLED, no `endpointDiscoveryEnabled`):
 * the cache stays empty, and is only asked `has()` per request. mnemonist and the iterator library
 * it brings weigh 6.9 KB minified in each function that calls DynamoDB; this is the part of its
 * interface the endpoint cache calls (has, peek, get, set, clear), with the same semantics on a Map
 * (which keeps insertion order: the first key is the least recently used). test/unit/lru-cache.test.ts.
 */
export default class LRUCache<K, V> {
  private readonly entries = new Map<K, V>();
  private readonly capacity: number;

  constructor(capacity: number) {
    if (!(capacity > 0)) throw new Error('LRUCache: capacity should be positive number.');
    this.capacity = capacity;
  }

  get size(): number {
    return this.entries.size;
  }

  has(key: K): boolean {
    return this.entries.has(key);
  }

  /** The value, without making it the most recently used. */
  peek(key: K): V | undefined {
    return this.entries.get(key);
  }

  get(key: K): V | undefined {
    if (!this.entries.has(key)) return undefined;
    const value = this.entries.get(key)!;
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  set(key: K, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  clear(): void {
    this.entries.clear();
  }
}
