import { useEffect, useMemo, useState } from 'react';
import { createApi } from '../api/client.ts';
import { loadSession, saveSession, type Session } from '../chat/session.ts';
import { loadConfig, type RuntimeConfig } from '../config.ts';
import { Chat } from './Chat.tsx';
import { SignIn } from './SignIn.tsx';

export function App() {
  const [config, setConfig] = useState<RuntimeConfig | { error: string }>();
  const [session, setSession] = useState<Session | undefined>(loadSession);
  const [signedOutBecause, setSignedOutBecause] = useState<string>();

  useEffect(() => {
    loadConfig().then(setConfig, (err: Error) => setConfig({ error: err.message }));
  }, []);

  const signIn = (s: Session) => {
    saveSession(s);
    setSignedOutBecause(undefined);
    setSession(s);
  };
  const signOut = (reason?: string) => {
    saveSession(undefined);
    setSignedOutBecause(reason);
    setSession(undefined);
    history.replaceState(null, '', location.pathname + location.search);
  };

  const api = useMemo(
    () =>
      config && 'apiUrl' in config
        ? createApi({
            baseUrl: config.apiUrl,
            token: () => session?.token,
            onUnauthorized: () => signOut('Your session has expired. Sign in again.'),
          })
        : undefined,
    [config, session],
  );

  if (!config) {
    return (
      <div className="centered">
        <p role="status">Loading…</p>
      </div>
    );
  }
  if ('error' in config || !api) {
    return (
      <div className="centered">
        <div role="alert" className="card">
          <h1>The chat cannot start</h1>
          <p>{'error' in config ? config.error : ''}</p>
        </div>
      </div>
    );
  }
  if (!session) return <SignIn api={api} authMode={config.authMode} notice={signedOutBecause} onSignedIn={signIn} />;
  return <Chat key={session.userId} api={api} session={session} wsUrl={config.wsUrl} onSignOut={() => signOut()} />;
}
