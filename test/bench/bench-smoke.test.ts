import { describe, expect, it } from 'vitest';
import { formatReport, runBench } from '../../bench/bench.ts';
import { declaredFunctions } from '../../bench/routes.ts';

/**
 * The benchmark is not run in CI (its figures would be noise); this only checks that its code still
 * runs end to end on a tiny workload against the test run's stack and reports every figure. It
 * asserts shapes and counts, never timings.
 */
const number = expect.any(Number);
const latency = { p50Ms: number, p95Ms: number };

describe('npm run bench (tiny workload)', () => {
  it('runs every workload and produces every key of the JSON', { timeout: 240_000 }, async () => {
    const result = await runBench({
      sizes: [5, 60],
      pageSize: 50,
      listSamples: 2,
      listWarmup: 1,
      sendSamples: 2,
      sendWarmup: 0,
      pipelineMessages: 10,
      pipelineRooms: 2,
      pipelineConcurrency: 4,
      users: 5,
      usersSamples: 2,
      usersWarmup: 0,
      durationRuns: 1,
      bundleRuns: 1,
      liveSamples: 2,
      liveWarmup: 0,
      fanOutMembers: 3,
      fanOutMessages: 1,
      lookupRuns: 1,
      log: () => {},
    });
    expect(result.errors).toEqual([]);
    const json = JSON.parse(JSON.stringify(result));

    expect(json.listMessages).toEqual({ '5': expect.objectContaining(latency), '60': expect.objectContaining(latency) });
    expect(json.listMessagesFlatRatio).toEqual(number);
    expect(json.sendToPersisted).toEqual(expect.objectContaining(latency));
    expect(json.pipelineMsgsPerSec).toBeGreaterThan(0);
    expect(json.pipeline).toMatchObject({ messages: 10, notSucceeded: 0, failedPosts: 0 });
    expect(json.usersList).toMatchObject({ floorP50Ms: number, cachedP50Ms: number, uncachedP50Ms: number });
    expect(json.usersList.listed).toBeGreaterThanOrEqual(5);

    const capacity = { requests: number, rcu: number, wcu: number, wcuLocal: number, rcuLocal: number };
    const declared = declaredFunctions();
    for (const name of ['usersList', 'sendGroup', 'taskState', 'messageConsumer', 'messagesList']) {
      expect(json.ddb.endpoints[name], name).toMatchObject({ ...capacity, status: expect.any(Number) });
      expect(json.ddb.endpoints[name].status, name).toBeLessThan(300);
    }
    expect(json.ddb.messageEndToEnd).toMatchObject(capacity);
    expect(json.ddb.messageEndToEnd.requests).toBeGreaterThan(0);
    // The WebSocket functions are measured by the live-delivery workloads (webSocketRoutes, fanOut).
    const live = ['wsConnect', 'wsDisconnect', 'wsDefault', 'wsPing', 'wsTyping', 'realtimeFanout'];
    expect(json.ddb.notMeasured.filter((entry: string) => !entry.startsWith('openapi') && !live.some((name) => entry.startsWith(`${name} `)))).toEqual([]);
    expect(Object.keys(json.webSocketRoutes).sort()).toEqual(live.filter((name) => name !== 'realtimeFanout').sort());
    expect(json.webSocketRoutes.wsConnect).toMatchObject({ statusCode: 200, requests: 4 });
    expect(json.webSocketRoutes.wsDisconnect).toMatchObject({ statusCode: 200, requests: 2 });

    expect(Object.keys(json.bundles).sort()).toEqual(declared.map((d) => d.name).sort());
    for (const [name, bundle] of Object.entries<{ bytes: number; initMs: number }>(json.bundles)) {
      expect(bundle.bytes, name).toBeGreaterThan(1000);
      expect(bundle.initMs, name).toEqual(number);
    }
    expect(json.cost.usdPerMillionMessages).toBeGreaterThan(0);
    expect(json.liveDelivery).toEqual(expect.objectContaining({ ...latency, samples: 2 }));
    expect(json.fanOut).toMatchObject({ members: 3, messages: 1, firstSocket: latency, lastSocket: latency });
    // One message to 3 members with one connection each: member Query + audience BatchGetItem, 3 posts.
    expect(json.fanOut.perMessage).toMatchObject({ ddbRequests: 2, byCommand: { QueryCommand: 1, BatchGetItemCommand: 1 }, posts: 3 });
    expect(json.fanOut.lookup.batchGet.requests).toBe(1);
    expect(json.fanOut.lookup.queryPerMember.requests).toBe(3);
    expect(json.liveCost.usdPerMillionMessages).toBeGreaterThan(0);
    expect(json.targets.map((t: { name: string }) => t.name)).toEqual(
      expect.arrayContaining(['listMessagesFlatRatio', 'bundle size', 'import time', 'history page', 'message end to end']),
    );
    expect(formatReport(result)).toContain('Targets');
  });
});
