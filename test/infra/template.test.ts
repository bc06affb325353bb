/**
 * The CloudFormation stack users deploy, checked offline: `sls package --stage prod` with dummy
 * credentials (one run, in beforeAll), plus two cheap `sls print` runs for stage-dependent values.
 * Least-privilege IAM, backups and protection, the queue's dead-letter path, observability and
 * the routes of lib/routes.ts are asserted on the generated template.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { endpoints, functionEntries, routeKey } from '../../lib/routes.ts';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SLS = path.join(ROOT, 'node_modules', '.bin', 'sls');
const defs = JSON.parse(readFileSync(path.join(ROOT, 'infra', 'definitions.json'), 'utf8'));

/**
 * The HTTP API route keys the route table (lib/routes.ts) declares (no trailing slash: see README),
 * a GET's also for HEAD, and the $default route that answers 404/405.
 */
const ROUTE_KEYS = [
  ...endpoints().flatMap((endpoint) => [routeKey(endpoint), ...(endpoint.method === 'GET' ? [routeKey({ method: 'HEAD', path: endpoint.path })] : [])]),
  '$default',
];

/** What the Lambda SQS event source needs (AWS docs: AWSLambdaSQSQueueExecutionRole). */
const SQS_CONSUMER_ACTIONS = ['sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage'];
/** What a DynamoDB stream event source needs (AWS docs: AWSLambdaDynamoDBExecutionRole), on the stream only. */
const STREAM_CONSUMER_ACTIONS = ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams'];

// CloudFormation is untyped JSON; these aliases keep the assertions readable.
type Json = any;
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: Json;
}

const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** A resource ARN expression in a readable form: ChatTable, ChatTable/index/GSI1, MessageQueue … */
function arnName(resource: Json): string {
  if (typeof resource === 'string') return resource;
  const getAtt = resource?.['Fn::GetAtt'];
  if (Array.isArray(getAtt) && getAtt[1] === 'Arn') return String(getAtt[0]);
  if (Array.isArray(getAtt) && getAtt[1] === 'StreamArn') return `${getAtt[0]}/stream`;
  if (resource?.Ref && Object.keys(resource).length === 1) return String(resource.Ref);
  const join = resource?.['Fn::Join'];
  if (Array.isArray(join) && Array.isArray(join[1])) return join[1].map((part: Json) => arnName(part)).join(join[0]);
  return JSON.stringify(resource);
}

/** Map of "service:Action" → sorted resource names a role allows. */
function grants(role: Json): Map<string, string[]> {
  const out = new Map<string, Set<string>>();
  for (const policy of role.Properties.Policies ?? []) {
    for (const s of policy.PolicyDocument.Statement as Statement[]) {
      expect(s.Effect).toBe('Allow');
      for (const action of asArray(s.Action)) {
        const set = out.get(action) ?? new Set<string>();
        for (const r of asArray(s.Resource)) set.add(arnName(r));
        out.set(action, set);
      }
    }
  }
  return new Map([...out].map(([action, set]) => [action, [...set].sort()]));
}

async function sls(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  try {
    const { stdout } = await run(SLS, args, { cwd: ROOT, env, timeout: 240_000, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`sls ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

let tmp: string;
let template: Json;
let resources: Record<string, Json>;
let devConfig: Json;
let prodWithEmail: Json;

const byType = (type: string): [string, Json][] => Object.entries(resources).filter(([, r]) => r.Type === type);
const functions = (): [string, Json][] => byType('AWS::Lambda::Function');

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'chat-template-'));
  const env: NodeJS.ProcessEnv = {
    // Only what sls needs: none of the local stack's variables (a leak of them would show below).
    PATH: `${path.join(ROOT, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH ?? ''}`,
    HOME: process.env.HOME ?? tmp,
    AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    AWS_REGION: 'us-east-1',
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
    // serverless-esbuild joins this to the service folder, so it must be relative.
    ESBUILD_WORK_FOLDER: path.relative(ROOT, path.join(tmp, '.esbuild')),
  };
  const [, dev, prod] = await Promise.all([
    sls(['package', '--stage', 'prod', '--package', path.join(tmp, 'package')], env),
    sls(['print', '--stage', 'dev', '--param', 'cache=none', '--param', 'webOrigin=https://chat.example.com', '--format', 'json'], env),
    sls(['print', '--stage', 'prod', '--param', 'alarmEmail=ops@example.com', '--format', 'json'], env),
  ]);
  template = JSON.parse(readFileSync(path.join(tmp, 'package', 'cloudformation-template-update-stack.json'), 'utf8'));
  resources = template.Resources;
  devConfig = JSON.parse(dev);
  prodWithEmail = JSON.parse(prod);
}, 240_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('sls package --stage prod (offline)', () => {
  it('packages into its own folder (never .serverless/ or .esbuild/ of other runs), one zip per function', () => {
    const zips = readdirSync(path.join(tmp, 'package')).filter((f) => f.endsWith('.zip'));
    expect(zips.length).toBe(functions().length);
  });

  it('contains no secret: Upstash and the token key are SSM dynamic references resolved at deploy time', () => {
    for (const [name, fn] of functions()) {
      const vars = fn.Properties.Environment.Variables;
      expect(vars.UPSTASH_REDIS_REST_URL, name).toBe('{{resolve:ssm:/chat/prod/upstash-redis-rest-url}}');
      expect(vars.UPSTASH_REDIS_REST_TOKEN, name).toBe('{{resolve:ssm:/chat/prod/upstash-redis-rest-token}}');
      expect(vars.AUTH_TOKEN_SECRET, name).toBe('{{resolve:ssm:/chat/prod/auth-token-secret}}');
      expect(vars.AUTH_MODE, name).toBe('token');
    }
    const text = JSON.stringify(template);
    expect(text).not.toContain('ssm-secure'); // not supported in Lambda environment variables
    // The local stack's own values (set by the global setup) must never reach a deployed stage.
    for (const key of ['UPSTASH_REDIS_REST_TOKEN', 'UPSTASH_REDIS_REST_URL', 'AUTH_TOKEN_SECRET', 'MESSAGE_QUEUE_URL', 'AWS_ENDPOINT_URL_DYNAMODB']) {
      const local = process.env[key];
      if (local) expect(text, key).not.toContain(local);
    }
  });

  it('--param cache=none deploys without Upstash (no SSM parameters needed)', () => {
    expect(devConfig.provider.environment.UPSTASH_REDIS_REST_URL).toBe('');
    expect(devConfig.provider.environment.UPSTASH_REDIS_REST_TOKEN).toBe('');
    expect(JSON.stringify(devConfig.provider)).not.toContain('upstash-redis-rest');
  });
});

describe('IAM: one least-privilege role per function', () => {
  const tableArns = ['ChatTable', 'ChatTable/index/GSI1', 'TasksTable', 'ChatTable/stream'];
  const queueArns = ['MessageQueue', 'DeadLetterQueue'];

  it("the framework's shared default role is gone: nothing could assume its queue rights", () => {
    expect(resources.IamRoleLambdaExecution).toBeUndefined();
  });

  it('every function runs with a role of its own', () => {
    const roles = functions().map(([, fn]) => fn.Properties.Role['Fn::GetAtt'][0]);
    expect(roles.length).toBeGreaterThan(0);
    expect(new Set(roles).size).toBe(roles.length);
    for (const role of roles) expect(resources[role]?.Type).toBe('AWS::IAM::Role');
  });

  it('no wildcard: DynamoDB actions only on our tables/index, SQS actions only on our queues, logs only on its own log group', () => {
    for (const [name, fn] of functions()) {
      const role = resources[fn.Properties.Role['Fn::GetAtt'][0]];
      expect(role.Properties.ManagedPolicyArns ?? [], name).toEqual([]);
      const logGroup = `/aws/lambda/${fn.Properties.FunctionName}`;
      for (const [action, targets] of grants(role)) {
        expect(action, name).not.toContain('*');
        const [service] = action.split(':');
        expect(['dynamodb', 'sqs', 'logs', 'execute-api'], `${name}: ${action}`).toContain(service);
        // Posting to connections: only this stage of this WebSocket API (asserted in "WebSocket API").
        if (service === 'execute-api') {
          for (const target of targets) expect(target, `${name}: ${action}`).toMatch(/^arn:AWS::Partition:execute-api:AWS::Region:AWS::AccountId:WebsocketsApi\/prod\/(POST|DELETE)\/@connections\/\*$/);
          continue;
        }
        for (const target of targets) {
          expect(target, `${name}: ${action}`).not.toMatch(/^\*$|:\*$|\/\*$/);
          if (service === 'dynamodb') expect(tableArns, `${name}: ${action}`).toContain(target);
          if (service === 'sqs') expect(queueArns, `${name}: ${action}`).toContain(target);
          if (service === 'logs') expect(target, `${name}: ${action}`).toContain(`log-group:${logGroup}:`);
        }
      }
    }
  });

  it("each role allows exactly what the function's entry in lib/routes.ts lists (plus its log group and its event source's needs)", () => {
    const entries = functionEntries();
    expect(functions().length).toBe(entries.length);
    for (const [name, entry] of entries) {
      const fn = resources[`${name[0]!.toUpperCase()}${name.slice(1)}LambdaFunction`];
      expect(fn, name).toBeDefined();
      const granted = grants(resources[fn.Properties.Role['Fn::GetAtt'][0]]);
      // The table may use serverless.yml variables, as a yml file would (the stage in an ARN): osls resolves them.
      const statements = JSON.parse(JSON.stringify(entry.iamRoleStatements).replaceAll('${sls:stage}', 'prod')) as Statement[];
      const declared = grants({ Properties: { Policies: [{ PolicyDocument: { Statement: statements } }] } });
      for (const action of granted.keys()) if (action.startsWith('logs:')) granted.delete(action);
      // What an event source needs is granted by the per-function IAM plugin, not listed in the table.
      if (entry.events?.some((event) => 'sqs' in event)) for (const action of SQS_CONSUMER_ACTIONS) granted.delete(action);
      if (entry.events?.some((event) => 'stream' in event)) {
        for (const action of STREAM_CONSUMER_ACTIONS) {
          expect(granted.get(action), `${name}: ${action}`).toEqual(['ChatTable/stream']);
          granted.delete(action);
        }
      }
      expect(Object.fromEntries(granted), name).toEqual(Object.fromEntries(declared));
    }
  });

  it('no function may Scan a table or run PartiQL', () => {
    for (const [name, fn] of functions()) {
      const g = grants(resources[fn.Properties.Role['Fn::GetAtt'][0]]);
      expect(g.has('dynamodb:Scan'), name).toBe(false);
      expect(g.has('dynamodb:PartiQLSelect'), name).toBe(false);
    }
  });

  it('only the consumer may receive or delete queue messages; it has exactly what its event source needs', () => {
    const consumers = byType('AWS::Lambda::EventSourceMapping')
      .filter(([, m]) => arnName(m.Properties.EventSourceArn) === 'MessageQueue')
      .map(([, m]) => m.Properties.FunctionName['Fn::GetAtt'][0]);
    expect(consumers).toEqual(['MessageConsumerLambdaFunction']);
    for (const [name, fn] of functions()) {
      const g = grants(resources[fn.Properties.Role['Fn::GetAtt'][0]]);
      const sqs = [...g.keys()].filter((a) => a.startsWith('sqs:'));
      if (name === 'MessageConsumerLambdaFunction') {
        const onQueue = sqs.filter((a) => g.get(a)!.includes('MessageQueue')).sort();
        // ChangeMessageVisibility is not needed: Lambda lets failed records time out.
        expect(onQueue).toEqual(SQS_CONSUMER_ACTIONS);
        // The consumer moves a record that can never succeed to the DLQ itself (SendMessage only).
        for (const a of sqs) if (g.get(a)!.includes('DeadLetterQueue')) expect(a).toBe('sqs:SendMessage');
      } else {
        for (const a of sqs) expect(a, name).toBe('sqs:SendMessage');
        for (const a of sqs) expect(g.get(a), name).toEqual(['MessageQueue']);
      }
    }
  });
});

describe('timeouts: a DynamoDB that does not answer costs a request its budget, never the function its timeout', () => {
  it('every HTTP function outlives a long poll plus one failed DynamoDB call; the consumer outlives two failed calls', async () => {
    const { DYNAMODB_BUDGET } = await import('../../lib/repository/client.ts');
    const { ANSWER_RESERVE_MS } = await import('../../lib/reading/service.ts');
    const { MAX_WAIT_SECONDS } = await import('../../lib/reading/schemas.ts');
    expect(ANSWER_RESERVE_MS).toBeGreaterThan(DYNAMODB_BUDGET.callMs);
    for (const [name, fn] of functions()) {
      const timeoutMs = fn.Properties.Timeout * 1000;
      if (name === 'MessageConsumerLambdaFunction') expect(timeoutMs, name).toBeGreaterThanOrEqual(2 * DYNAMODB_BUDGET.callMs);
      else expect(timeoutMs, name).toBeGreaterThanOrEqual(MAX_WAIT_SECONDS * 1000 + ANSWER_RESERVE_MS);
    }
  });
});

describe('tables: on-demand, point-in-time recovery, TTL, protected in prod', () => {
  it.each(['ChatTable', 'TasksTable'])('%s', (id) => {
    const table = resources[id];
    expect(table.Properties.BillingMode).toBe('PAY_PER_REQUEST');
    expect(table.Properties.ProvisionedThroughput).toBeUndefined();
    expect(table.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(table.Properties.DeletionProtectionEnabled).toBe(true);
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.UpdateReplacePolicy).toBe('Retain');
  });

  it('the shapes come from infra/definitions.json (the same file the local stacks read)', () => {
    expect(resources.ChatTable.Properties.KeySchema).toEqual(defs.chatTable.KeySchema);
    expect(resources.ChatTable.Properties.AttributeDefinitions).toEqual(defs.chatTable.AttributeDefinitions);
    expect(resources.ChatTable.Properties.GlobalSecondaryIndexes).toEqual(defs.chatTable.GlobalSecondaryIndexes);
    expect(resources.TasksTable.Properties.KeySchema).toEqual(defs.tasksTable.KeySchema);
    expect(resources.TasksTable.Properties.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
    expect(resources.TasksTable.Properties.TimeToLiveSpecification).toEqual(defs.tasksTable.TimeToLiveSpecification);
  });

  it('other stages can be removed: no deletion protection outside prod', () => {
    for (const id of ['ChatTable', 'TasksTable']) {
      const table = devConfig.resources.Resources[id];
      expect(table.Properties.DeletionProtectionEnabled, id).toBe(false);
      expect(table.DeletionPolicy, id).toBe('Delete');
      expect(table.UpdateReplacePolicy, id).toBe('Delete');
      expect(table.Properties.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled, id).toBe(true);
    }
  });
});

describe('queue: FIFO with a dead-letter queue, consumed with partial batch failures', () => {
  it('redrives to the FIFO dead-letter queue after maxReceiveCount receives', () => {
    const queue = resources.MessageQueue.Properties;
    const dlq = resources.DeadLetterQueue.Properties;
    expect(queue.FifoQueue).toBe(true);
    expect(dlq.FifoQueue).toBe(true);
    expect(queue.RedrivePolicy).toEqual({ deadLetterTargetArn: { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] }, maxReceiveCount: defs.maxReceiveCount });
    expect(defs.maxReceiveCount).toBeGreaterThanOrEqual(2);
    expect(dlq.MessageRetentionPeriod).toBeGreaterThan(queue.MessageRetentionPeriod);
    expect(queue.SqsManagedSseEnabled).toBe(true);
    expect(dlq.SqsManagedSseEnabled).toBe(true);
    for (const key of ['VisibilityTimeout', 'MessageRetentionPeriod', 'ReceiveMessageWaitTimeSeconds', 'ContentBasedDeduplication', 'DeduplicationScope', 'FifoThroughputLimit']) {
      expect(queue[key], key).toBe(defs.messageQueue[key]);
    }
  });

  it('is a high-throughput FIFO queue: deduplication and the throughput quota per message group (a room)', () => {
    const queue = resources.MessageQueue.Properties;
    expect(queue.DeduplicationScope).toBe('messageGroup');
    expect(queue.FifoThroughputLimit).toBe('perMessageGroupId');
  });

  it('the event source takes batches of 10 (the FIFO maximum) with a maximum concurrency, both from infra/definitions.json', () => {
    const [, mapping] = byType('AWS::Lambda::EventSourceMapping').find(([, m]) => arnName(m.Properties.EventSourceArn) === 'MessageQueue')!;
    expect(mapping.Properties.BatchSize).toBe(defs.messageConsumer.batchSize);
    expect(defs.messageConsumer.batchSize).toBe(10);
    expect(mapping.Properties.ScalingConfig).toEqual({ MaximumConcurrency: defs.messageConsumer.maximumConcurrency });
  });

  it('the event source mapping reports batch item failures, with a FIFO-valid batch and no batching window', () => {
    const mappings = byType('AWS::Lambda::EventSourceMapping').filter(([, m]) => arnName(m.Properties.EventSourceArn) === 'MessageQueue');
    expect(mappings).toHaveLength(1);
    const m = mappings[0]![1].Properties;
    expect(m.EventSourceArn).toEqual({ 'Fn::GetAtt': ['MessageQueue', 'Arn'] });
    expect(m.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    expect(m.BatchSize).toBeGreaterThanOrEqual(1);
    expect(m.BatchSize).toBeLessThanOrEqual(10); // the FIFO maximum
    expect(m.MaximumBatchingWindowInSeconds).toBeUndefined(); // not supported on FIFO queues
    expect(m.Enabled).toBe(true);
  });

  it("the visibility timeout covers six times the consumer's timeout (AWS guidance)", () => {
    const consumer = resources.MessageConsumerLambdaFunction.Properties;
    expect(resources.MessageQueue.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * consumer.Timeout);
  });

  it('an alarm fires as soon as the dead-letter queue holds a message', () => {
    const alarms = byType('AWS::CloudWatch::Alarm').filter(([, a]) => a.Properties.MetricName === 'ApproximateNumberOfMessagesVisible');
    expect(alarms).toHaveLength(1);
    const a = alarms[0]![1].Properties;
    expect(a.Namespace).toBe('AWS/SQS');
    expect(a.Dimensions).toEqual([{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['DeadLetterQueue', 'QueueName'] } }]);
    expect(a.ComparisonOperator).toBe('GreaterThanThreshold');
    expect(a.Threshold).toBe(0);
    expect(a.Statistic).toBe('Maximum');
    expect(a.EvaluationPeriods).toBe(1);
    // Without alarmEmail: no topic, no actions (the alarm still shows in the console).
    expect(template.Conditions.HasAlarmEmail).toEqual({ 'Fn::Not': [{ 'Fn::Equals': ['', ''] }] });
    expect(resources.AlarmTopic.Condition).toBe('HasAlarmEmail');
    expect(a.AlarmActions).toEqual({ 'Fn::If': ['HasAlarmEmail', [{ Ref: 'AlarmTopic' }], { Ref: 'AWS::NoValue' }] });
  });

  it('--param alarmEmail=… subscribes that address to the alarm topic', () => {
    const r = prodWithEmail.resources;
    expect(r.Conditions.HasAlarmEmail).toEqual({ 'Fn::Not': [{ 'Fn::Equals': ['ops@example.com', ''] }] });
    expect(r.Resources.AlarmTopic.Properties.Subscription).toEqual([{ Protocol: 'email', Endpoint: 'ops@example.com' }]);
  });
});

describe('observability', () => {
  it('every function logs JSON to its own log group with a retention', () => {
    const groups = new Map(byType('AWS::Logs::LogGroup').map(([, g]) => [g.Properties.LogGroupName, g.Properties.RetentionInDays]));
    for (const [name, fn] of functions()) {
      expect(groups.get(`/aws/lambda/${fn.Properties.FunctionName}`), name).toBe(30);
      expect(fn.Properties.LoggingConfig, name).toEqual({ LogFormat: 'JSON', ApplicationLogLevel: 'INFO' });
      expect(fn.Properties.Environment.Variables.POWERTOOLS_LOG_LEVEL, name).toBe('INFO');
    }
  });

  it('the HTTP API writes an access log with a retention', () => {
    const stage = byType('AWS::ApiGatewayV2::Stage').find(([, s]) => s.Properties.ApiId.Ref === 'HttpApi')![1].Properties;
    const group = stage.AccessLogSettings.DestinationArn['Fn::GetAtt'][0];
    expect(resources[group].Properties.RetentionInDays).toBe(30);
    const format = JSON.parse(stage.AccessLogSettings.Format);
    expect(format).toMatchObject({ requestId: '$context.requestId', routeKey: '$context.routeKey', status: '$context.status' });
  });

  it('dev keeps logs a shorter time and logs at DEBUG', () => {
    expect(devConfig.provider.logRetentionInDays).toBe(7);
    expect(devConfig.provider.environment.POWERTOOLS_LOG_LEVEL).toBe('DEBUG');
    expect(devConfig.provider.logs.lambda.applicationLogLevel).toBe('DEBUG');
  });
});

describe('HTTP API routes', () => {
  const httpRoutes = () => byType('AWS::ApiGatewayV2::Route').filter(([, r]) => r.Properties.ApiId.Ref === 'HttpApi');
  const routeKeys = (): string[] => httpRoutes().map(([, r]) => r.Properties.RouteKey);

  it('deploys exactly the routes of the route table, each once: a GET also for HEAD, and $default for the rest', () => {
    expect(ROUTE_KEYS.length).toBeGreaterThan(25);
    expect(routeKeys().sort()).toEqual([...ROUTE_KEYS].sort());
  });

  it('the $default route is a function that reads nothing and knows every route', () => {
    const route = httpRoutes().find(([, r]) => r.Properties.RouteKey === '$default')![1];
    const fnId = resources[route.Properties.Target['Fn::Join'][1][1].Ref].Properties.IntegrationUri['Fn::GetAtt'][0];
    const fn = resources[fnId].Properties;
    expect(fn.Environment.Variables.API_ROUTES.split(',').length).toBe(endpoints().length);
    const role = resources[fn.Role['Fn::GetAtt'][0]];
    expect([...grants(role).keys()].filter((action) => !action.startsWith('logs:'))).toEqual([]);
  });

  it('CORS lets browsers (the web client, web/) send the headers the endpoints read and read the headers they document', () => {
    const cors = resources.HttpApi.Properties.CorsConfiguration;
    expect(cors.AllowOrigins).toEqual(['*']);
    expect(cors.AllowHeaders).toEqual(expect.arrayContaining(['Authorization', 'Content-Type', 'Idempotency-Key', 'If-Match', 'If-None-Match']));
    expect(cors.ExposeHeaders).toEqual(expect.arrayContaining(['ETag', 'Retry-After', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'Idempotent-Replayed']));
    expect(cors.AllowMethods).toEqual(expect.arrayContaining(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']));
  });

  it('--param webOrigin=… allows only that origin (the web client hosted on a domain of its own)', () => {
    expect(devConfig.provider.httpApi.cors.allowedOrigins).toEqual(['https://chat.example.com']);
  });

  it('no route key ends with "/" (API Gateway rejects them and routes "/x/" to "/x")', () => {
    expect(routeKeys().filter((k) => k.endsWith('/'))).toEqual([]);
  });

  it('every route targets a function of this stack', () => {
    for (const [, route] of httpRoutes()) {
      const integration = route.Properties.Target['Fn::Join'][1][1].Ref;
      const fnId = resources[integration].Properties.IntegrationUri['Fn::GetAtt'][0];
      expect(resources[fnId]?.Type, route.Properties.RouteKey).toBe('AWS::Lambda::Function');
    }
  });
});

describe('WebSocket API (live delivery, docs/realtime.md)', () => {
  const wsRoutes = () => byType('AWS::ApiGatewayV2::Route').filter(([, r]) => r.Properties.ApiId.Ref === 'WebsocketsApi');
  const functionOfRoute = (route: Json): string => {
    const integration = resources[route.Properties.Target['Fn::Join'][1][1].Ref];
    return integration.Properties.IntegrationUri['Fn::Join'][1].find((part: Json) => part?.['Fn::GetAtt'])['Fn::GetAtt'][0];
  };
  const roleOf = (fnId: string) => resources[resources[fnId].Properties.Role['Fn::GetAtt'][0]];
  const fanOutMapping = () => byType('AWS::Lambda::EventSourceMapping').find(([, m]) => arnName(m.Properties.EventSourceArn) === 'ChatTable/stream')![1];

  it('routes on the action of a frame, one function per route', () => {
    expect(resources.WebsocketsApi.Properties).toMatchObject({ ProtocolType: 'WEBSOCKET', RouteSelectionExpression: '$request.body.action', Name: 'chat-prod-websocket' });
    const routes = Object.fromEntries(wsRoutes().map(([, r]) => [r.Properties.RouteKey, functionOfRoute(r)]));
    expect(routes).toEqual({
      $connect: 'WsConnectLambdaFunction',
      $disconnect: 'WsDisconnectLambdaFunction',
      $default: 'WsDefaultLambdaFunction',
      ping: 'WsPingLambdaFunction',
      typing: 'WsTypingLambdaFunction',
    });
    const answered = byType('AWS::ApiGatewayV2::RouteResponse').map(([, r]) => resources[r.Properties.RouteId.Ref].Properties.RouteKey).sort();
    expect(answered).toEqual(['$default', 'ping', 'typing']);
  });

  it('only the functions that post may manage connections, on this API’s stage only: POST for fan-out and typing, DELETE for $connect', () => {
    const managing = Object.fromEntries(
      functions().flatMap(([name, fn]) => {
        const targets = grants(roleOf(name)).get('execute-api:ManageConnections');
        return targets ? [[name, targets]] : [];
      }),
    );
    const api = 'arn:AWS::Partition:execute-api:AWS::Region:AWS::AccountId:WebsocketsApi/prod';
    expect(managing).toEqual({
      WsConnectLambdaFunction: [`${api}/DELETE/@connections/*`],
      WsTypingLambdaFunction: [`${api}/POST/@connections/*`],
      RealtimeFanoutLambdaFunction: [`${api}/POST/@connections/*`],
    });
    for (const name of Object.keys(managing)) {
      expect(resources[name].Properties.Environment.Variables.WEBSOCKET_MANAGEMENT_ENDPOINT, name).toEqual({
        'Fn::Join': ['', ['https://', { Ref: 'WebsocketsApi' }, '.execute-api.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }, '/prod']],
      });
    }
    for (const name of ['WsDefaultLambdaFunction', 'WsPingLambdaFunction']) {
      expect([...grants(roleOf(name)).keys()].filter((a) => !a.startsWith('logs:')), name).toEqual([]);
    }
  });

  it('each route function has exactly the DynamoDB actions it uses, on the chat table only', () => {
    const dynamo = (fnId: string) => Object.fromEntries([...grants(roleOf(fnId))].filter(([a]) => a.startsWith('dynamodb:')));
    const chat = ['ChatTable'];
    expect(dynamo('WsConnectLambdaFunction')).toEqual({ 'dynamodb:GetItem': chat, 'dynamodb:PutItem': chat, 'dynamodb:DeleteItem': chat });
    expect(dynamo('WsDisconnectLambdaFunction')).toEqual({ 'dynamodb:DeleteItem': chat, 'dynamodb:UpdateItem': chat });
    expect(dynamo('WsTypingLambdaFunction')).toEqual({
      'dynamodb:GetItem': chat,
      'dynamodb:Query': chat,
      'dynamodb:BatchGetItem': chat,
      'dynamodb:DeleteItem': chat,
      'dynamodb:UpdateItem': chat,
    });
    const stream = ['ChatTable/stream'];
    expect(dynamo('RealtimeFanoutLambdaFunction')).toEqual({
      'dynamodb:Query': chat,
      'dynamodb:BatchGetItem': chat,
      'dynamodb:DeleteItem': chat,
      'dynamodb:UpdateItem': chat,
      'dynamodb:GetRecords': stream,
      'dynamodb:GetShardIterator': stream,
      'dynamodb:DescribeStream': stream,
      'dynamodb:ListStreams': stream,
    });
    for (const [name] of functions()) {
      if (name === 'RealtimeFanoutLambdaFunction') continue;
      for (const [action, targets] of grants(roleOf(name))) expect(targets, `${name}: ${action}`).not.toContain('ChatTable/stream');
    }
  });

  it('the chat table streams new and old images and expires connection items, as infra/definitions.json declares', () => {
    expect(resources.ChatTable.Properties.StreamSpecification).toEqual(defs.chatTable.StreamSpecification);
    expect(resources.ChatTable.Properties.StreamSpecification).toEqual({ StreamViewType: 'NEW_AND_OLD_IMAGES' });
    expect(resources.ChatTable.Properties.TimeToLiveSpecification).toEqual(defs.chatTable.TimeToLiveSpecification);
  });

  it('the fan-out reads the stream in order, filtered to messages and memberships, with partial batch failures and bounded retries', () => {
    const mapping = fanOutMapping().Properties;
    expect(mapping.FunctionName).toEqual({ 'Fn::GetAtt': ['RealtimeFanoutLambdaFunction', 'Arn'] });
    expect(mapping).toMatchObject({
      StartingPosition: 'LATEST',
      ParallelizationFactor: 1,
      BatchSize: defs.chatStream.BatchSize,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: defs.chatStream.MaximumRetryAttempts,
      MaximumRecordAgeInSeconds: defs.chatStream.MaximumRecordAgeInSeconds,
    });
    expect(mapping.FilterCriteria.Filters.map((f: Json) => JSON.parse(f.Pattern))).toEqual(defs.chatStream.FilterPatterns);
  });
});
