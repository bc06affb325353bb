import { useEffect, useId, useState, type FormEvent } from 'react';
import { ApiError, type Api, type User } from '../api/client.ts';
import type { Session } from '../chat/session.ts';

interface Props {
  api: Api;
  authMode: 'query' | 'token';
  notice?: string;
  onSignedIn(session: Session): void;
}

const detailOf = (err: unknown) => (err instanceof ApiError ? err.detail : 'Something went wrong. Try again.');

export function SignIn({ api, authMode, notice, onSignedIn }: Props) {
  return (
    <div className="centered">
      <main className="card sign-in">
        <h1>chat-serverless</h1>
        {notice && <p role="status" className="notice">{notice}</p>}
        {authMode === 'query' ? <PickUser api={api} onSignedIn={onSignedIn} /> : <Credentials api={api} onSignedIn={onSignedIn} />}
      </main>
    </div>
  );
}

/** Query mode (the seed's ?user_id=): no password, pick who you are. */
function PickUser({ api, onSignedIn }: Pick<Props, 'api' | 'onSignedIn'>) {
  const [users, setUsers] = useState<User[]>();
  const [error, setError] = useState<string>();
  const [chosen, setChosen] = useState('');
  const select = useId();

  useEffect(() => {
    api.listUsers().then(
      (list) => {
        setUsers(list);
        setChosen((c) => c || String(list[0]?.id ?? ''));
      },
      (err: unknown) => setError(detailOf(err)),
    );
  }, [api]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const user = users?.find((u) => String(u.id) === chosen);
    if (user) onSignedIn({ userId: user.id, username: user.username });
  };

  if (error) return <p role="alert" className="error">{error}</p>;
  if (!users) return <p role="status">Loading users…</p>;
  if (users.length === 0) return <p>No users yet: create one with POST /users/.</p>;
  return (
    <form onSubmit={submit}>
      <p className="hint">This stage runs without passwords (query mode): choose who you are.</p>
      <label htmlFor={select}>User</label>
      <select id={select} value={chosen} onChange={(e) => setChosen(e.target.value)}>
        {users.map((u) => (
          <option key={u.id} value={u.id}>
            {u.username}
          </option>
        ))}
      </select>
      <button type="submit">Sign in</button>
    </form>
  );
}

/** Token mode: username and password for a Bearer token; or sign up first. */
function Credentials({ api, onSignedIn }: Pick<Props, 'api' | 'onSignedIn'>) {
  const [mode, setMode] = useState<'sign-in' | 'sign-up'>('sign-in');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ detail: string; fields?: Record<string, string[]> }>();
  const ids = { username: useId(), password: useId() };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      if (mode === 'sign-up') await api.signUp(username, password);
      const token = await api.signIn(username, password);
      onSignedIn({ userId: token.user_id, username, token: token.access_token, expiresAt: Date.now() + token.expires_in * 1000 });
    } catch (err) {
      setError({ detail: detailOf(err), ...(err instanceof ApiError && err.errors ? { fields: err.errors } : {}) });
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit}>
      <h2>{mode === 'sign-in' ? 'Sign in' : 'Sign up'}</h2>
      <label htmlFor={ids.username}>Username</label>
      <input id={ids.username} value={username} onChange={(e) => setUsername(e.target.value)} autoComplete="username" required />
      <label htmlFor={ids.password}>Password</label>
      <input
        id={ids.password}
        type="password"
        value={password}
        onChange={(e) => setPassword(e.target.value)}
        autoComplete={mode === 'sign-in' ? 'current-password' : 'new-password'}
        required
      />
      {error && (
        <div role="alert" className="error">
          <p>{error.detail}</p>
          {error.fields && (
            <ul>
              {Object.entries(error.fields).map(([field, messages]) => (
                <li key={field}>
                  {field}: {messages.join(' ')}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      <button type="submit" disabled={busy}>
        {mode === 'sign-in' ? 'Sign in' : 'Sign up'}
      </button>
      <p className="switch">
        {mode === 'sign-in' ? 'No account yet? ' : 'Have an account? '}
        <button type="button" className="link" onClick={() => (setMode(mode === 'sign-in' ? 'sign-up' : 'sign-in'), setError(undefined))}>
          {mode === 'sign-in' ? 'Create an account' : 'Sign in instead'}
        </button>
      </p>
    </form>
  );
}
