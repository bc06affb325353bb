/**
 * Bundled in place of @smithy/core/event-streams (esbuild alias in serverless.yml). The SDK's
 * protocol code imports it (dynamically) for operations that stream events; DynamoDB and SQS have
 * none, and esbuild bundles a dynamic import like any other: ~14.5 KB of codecs in every function
 * that calls AWS, parsed at each cold start and never run. Should a client with event streams ever
 * be added, its first such call fails here loudly rather than silently.
 */
function unsupported(): never {
  throw new Error('AWS event streams are not bundled (infra/esbuild/no-event-streams.ts): drop its alias in serverless.yml custom.esbuild');
}

export class EventStreamSerde {
  constructor() {
    unsupported();
  }
}

export const eventStreamSerdeProvider = unsupported;
