/**
 * Bundled in place of @aws-sdk/credential-provider-node (esbuild alias in serverless.yml).
 * Lambda always hands a function its role's credentials in the environment, so the SDK's full
 * provider chain (SSO, INI files, IMDS, web identity, … ~90 KB minified) is dead weight that every
 * cold start would parse.
 */
export { fromEnv as defaultProvider } from '@aws-sdk/credential-provider-env';
