// Token mode: the acting user is a Bearer token's subject. See hostile-requests.ts.
process.env.AUTH_MODE = 'token';
process.env.AUTH_TOKEN_SECRET = 'property-test-secret-long-enough-for-hs256-0123456789';
await import('./hostile-requests.ts');
