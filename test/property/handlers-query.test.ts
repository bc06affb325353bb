// The seed's mode: the acting user is ?user_id= (and a send's from). See hostile-requests.ts.
process.env.AUTH_MODE = 'query';
await import('./hostile-requests.ts');
