/**
 * Builds the app once (production build, as users get it) and serves it with `vite preview` on 127.0.0.1, a secure
 * context, so `navigator.gpu` exists. Tests receive the base URL through `inject('baseURL')`.
 */
import { execFileSync } from 'node:child_process';
import { build, preview } from 'vite';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    baseURL: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // `vite build` through the API skips npm's prebuild script: make the bundled sample here when it is missing.
  execFileSync('npx', ['tsx', 'scripts/make-sample.ts', '--if-missing'], { stdio: 'inherit' });
  if (process.env.PAGETRAIN_SKIP_BUILD !== '1') await build({ logLevel: 'warn' });
  const server = await preview({
    preview: { host: '127.0.0.1', port: 0, strictPort: false, open: false },
    logLevel: 'warn',
  });
  const address = server.httpServer.address();
  if (!address || typeof address === 'string') throw new Error('preview server has no TCP address');
  project.provide('baseURL', `http://127.0.0.1:${address.port}/`);
  return async () => {
    await server.close();
  };
}
