'use strict';
/**
 * The route table (lib/routes.ts) for serverless.yml: `${file(infra/route-table.cjs):functions}`
 * and `…:cors`. osls 4 loads `${file(…)}` sources ending in .js/.cjs with require() and awaits a
 * function it finds at the address; it reads .ts and .mjs as plain text. So this CommonJS file
 * imports the TypeScript table, which Node runs as is from 22.18 on (type stripping): `npx sls …`
 * and the npm scripts use the project's Node 22 (the `node` devDependency).
 */
async function table() {
  try {
    return await import('../lib/routes.ts');
  } catch (error) {
    if (error && error.code === 'ERR_UNKNOWN_FILE_EXTENSION') {
      throw new Error(
        `serverless.yml reads its functions from lib/routes.ts, which needs Node.js 22.18 or newer (this is ${process.version}). ` +
          "Run it as `npx sls …` (or an npm script): they use the project's own Node 22.",
      );
    }
    throw error;
  }
}

module.exports = {
  functions: async () => (await table()).serverlessFunctions(),
  cors: async () => (await table()).httpApiCors(),
};
