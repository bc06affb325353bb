import { describe, expect, it } from 'vitest';
import { http } from '../support/http.ts';
import { uniqueName } from '../support/lambda.ts';

describe('users over HTTP through serverless-offline (the seed README curls)', () => {
  it('USER LIST: GET /users/ answers a plain array holding the 15 seed users', async () => {
    const answer = await http('GET', '/users/');
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toContain('application/json');
    const names = answer.body.map((u: { username: string }) => u.username);
    for (let n = 1; n <= 15; n++) expect(names).toContain(`user_${n}`);
    // As the seed's mock_users command leaves them: a username, a password, the profile's defaults.
    expect(answer.body.find((u: { username: string }) => u.username === 'user_1')).toEqual({
      id: expect.any(Number),
      username: 'user_1',
      first_name: '',
      last_name: '',
      email: '',
      profile: { status: 'Offline', status_msg: null },
      date_joined: expect.any(String),
      is_active: true,
    });
  });

  it('USER CREATE: POST /users/ with the seed body answers 201, then the user is listed', async () => {
    const username = uniqueName('My_firt_chat_user');
    const body = `{
    "profile": {
        "status": "Online",
        "status_msg": 5
    },
    "username": "${username}",
    "password":"Password!",
    "first_name": "",
    "last_name": "",
    "email": ""
}`;
    const created = await http('POST', '/users/', { body });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ username, profile: { status: 'Online', status_msg: '5' } });

    const listed = await http('GET', `/users/?username=${username}`);
    expect(listed.body).toEqual([created.body]);

    const one = await http('GET', `/users/${created.body.id}/`);
    expect(one.body).toEqual(created.body);
    expect((await http('DELETE', `/users/${created.body.id}/`)).status).toBe(204);
    expect((await http('GET', `/users/${created.body.id}/`)).status).toBe(404);
  });

  it('answers malformed JSON with a problem+json 400, not a 500', async () => {
    const answer = await http('POST', '/users/', { body: '{"username":' });
    expect(answer.status).toBe(400);
    expect(answer.headers['content-type']).toContain('application/problem+json');
    expect(answer.body.code).toBe('malformed_json');
  });
});
