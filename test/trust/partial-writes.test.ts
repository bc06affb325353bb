import { describe, expect, it } from 'vitest';
import { handler as sendDirect } from '../../functions/send-direct.ts';
import { dynamoUsage, resetDynamoUsage } from '../../lib/repository/client.ts';
import { getDirectRoomId } from '../../lib/repository/rooms.ts';
import { createUser } from '../../lib/users/service.ts';
import { invoke, uniqueName } from '../support/lambda.ts';

const newUser = () => createUser({ username: uniqueName('pw'), password: 'Passw0rd!' });

describe('a refused request leaves nothing behind (found by test/property)', () => {
  it('a direct send refused for a reused Idempotency-Key (409) does not create the new pair’s room', async () => {
    const [alice, bob, carol] = await Promise.all([newUser(), newUser(), newUser()]);
    const send = (to: number, text: string) =>
      invoke(sendDirect, { method: 'POST', path: `/chat/user/${to}/`, pathParameters: { user_id: String(to) }, headers: { 'Idempotency-Key': 'reused' }, body: { from: alice.id, text } });
    expect((await send(bob.id, 'to bob')).status).toBe(200);

    resetDynamoUsage();
    const refused = await send(carol.id, 'to carol, same key');
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('conflict');
    expect(await getDirectRoomId(alice.id, carol.id)).toBeUndefined();
    expect(Object.keys(dynamoUsage().byCommand).filter((command) => /^(Put|Update|TransactWrite|Delete|BatchWrite)/.test(command))).toEqual([]);
  });

  it('the same key and body still replays the first task, and the room exists once', async () => {
    const [alice, bob] = await Promise.all([newUser(), newUser()]);
    const send = () =>
      invoke(sendDirect, { method: 'POST', path: `/chat/user/${bob.id}/`, pathParameters: { user_id: String(bob.id) }, headers: { 'Idempotency-Key': 'again' }, body: { from: alice.id, text: 'hello' } });
    const first = await send();
    const second = await send();
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.body.data).toBe(first.body.data);
    expect(second.headers['Idempotent-Replayed']).toBe('true');
    expect(await getDirectRoomId(alice.id, bob.id)).toEqual(expect.any(Number));
  });
});
