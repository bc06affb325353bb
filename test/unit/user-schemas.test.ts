import { describe, expect, it } from 'vitest';
import { AppError } from '../../lib/errors.ts';
import { parse } from '../../lib/http/validation.ts';
import { createUserBody, patchUserBody, userIdPath, userListQuery } from '../../lib/users/schemas.ts';

const valid = { username: 'user.name+1@x-y_z', password: 'Password!', profile: { status: 'Online', status_msg: 5 } };

function rejection(run: () => unknown): AppError {
  try {
    run();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

describe('user body rules (DRF parity)', () => {
  it('turns a numeric status_msg into text, as DRF CharField does', () => {
    expect(parse(createUserBody, valid).profile).toEqual({ status: 'Online', status_msg: '5' });
  });

  it('trims surrounding whitespace of text fields', () => {
    expect(parse(createUserBody, { ...valid, first_name: '  Ada  ' }).first_name).toBe('Ada');
  });

  it('drops unknown fields such as a client-supplied id', () => {
    expect(parse(createUserBody, { ...valid, id: 999, is_superuser: true })).not.toHaveProperty('id');
  });

  it('names every offending field with a readable message', () => {
    const error = rejection(() => parse(createUserBody, { username: '', password: true, profile: { status: 'Away' } }, 'body'));
    expect(error.status).toBe(400);
    expect(Object.keys(error.errors ?? {}).sort()).toEqual(['password', 'profile.status', 'username']);
    expect(error.errors?.['profile.status']?.[0]).toContain('Online, Busy, Offline');
  });

  it('accepts a blank email and refuses a malformed one', () => {
    expect(parse(createUserBody, { ...valid, email: '' }).email).toBe('');
    expect(rejection(() => parse(createUserBody, { ...valid, email: 'a@b' })).errors).toHaveProperty('email');
  });

  it('lets PATCH leave everything out but still checks what is given', () => {
    expect(parse(patchUserBody, {})).toEqual({});
    expect(rejection(() => parse(patchUserBody, { profile: { status: 'Nope' } })).errors).toHaveProperty(['profile.status']);
  });
});

describe('ids and filters', () => {
  it('reads positive integer ids only', () => {
    expect(parse(userIdPath, { id: '42' })).toEqual({ id: 42 });
    for (const id of ['0', '-3', 'abc', '4.2', '1e3', '00', ' 7', '12345678901234567890']) {
      expect(() => parse(userIdPath, { id }), id).toThrow(AppError);
    }
  });

  it('ignores empty filter values, as django-filter does', () => {
    expect(parse(userListQuery, { username: '', id: '' })).toEqual({ username: undefined, id: undefined });
    expect(parse(userListQuery, { id: '7', profile__status: 'Busy' })).toMatchObject({ id: 7, profile__status: 'Busy' });
  });
});
