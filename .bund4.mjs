import * as esbuild from 'esbuild';
const r = await esbuild.build({ entryPoints: [process.argv[2]], bundle: true, minify: true, format: 'esm', platform: 'node', target: 'node22', mainFields: ['module','main'], metafile: true, write: false, outfile: '/tmp/bund/out.mjs', logLevel:'silent',
  alias: { '@aws-sdk/credential-provider-node': './infra/esbuild/env-credentials.ts' } });
const out = Object.values(r.metafile.outputs).find(o=>o.entryPoint);
const rows = Object.entries(out.inputs).map(([p,v])=>[p.replace(/.*node_modules\//,''), v.bytesInOutput]).sort((a,b)=>b[1]-a[1]);
for (const [p,b] of rows.slice(0, Number(process.argv[3]||40))) console.log(`${(b/1024).toFixed(1).padStart(6)} ${p}`);
